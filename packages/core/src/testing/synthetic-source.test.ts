import { describeSource } from './describe-source.js'
import { createSyntheticSource } from './synthetic-source.js'

describeSource('synthetic', {
  create: async () => createSyntheticSource({ trades: 60, seed: 5 }, 50),
  streams: ['accounts', 'trading'],
})
