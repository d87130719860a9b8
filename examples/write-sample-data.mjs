// Writes a sample broker bot data folder (trades_history.json, pending_orders.json) and a
// paper-trading folder under ./sample, in the shapes the real bot wrote, ugly records included.
import { writeBrokerData, writePaperTrading } from '../tooling/test-kit/dist/index.js'

const root = process.argv[2] ?? 'sample'
const data = await writeBrokerData(root, { ugly: true })
const paper = await writePaperTrading(root, { ugly: true })
console.log(`sample data written: ${data} and ${paper}`)
