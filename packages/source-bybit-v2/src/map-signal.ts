import {
  buildExtra,
  idValue,
  jsonValue,
  type MapContext,
  type MapResult,
  noteJson,
  rejectRow,
  rowLocation,
} from './map-context.js'
import { canonicalSymbol, RowReader } from './row-reader.js'
import { keys } from './source-keys.js'
import type { V2Row } from './v2-database.js'
import { SIDE } from './vocabularies.js'

/**
 * One v2 `signals` row → a signal: `indicators` and `predictions` (as `ml_predictions`) and
 * `raw_data` as JSON (text that is not JSON is kept as a JSON string and counted), `processing_ms` =
 * `processed_at − created_at`, model name and score, status and error message.
 */
export function mapSignal(row: V2Row, context: MapContext): MapResult {
  const r = new RowReader(row, context.timeZone)
  const id = r.id('id') ?? ''
  const symbolRaw = r.text('symbol')
  const signalType = r.text('signal_type')
  const side = r.vocab('signal_type', SIDE)
  const price = r.decimal('price')
  const timeframe = r.text('timeframe')
  const indicators = r.json('indicators')
  const predictions = r.json('predictions')
  const modelName = r.text('model_name')
  const score = r.decimal('score')
  const rawData = r.json('raw_data')
  const statusRaw = r.text('status')
  const errorMessage = r.text('error_message')
  const createdAt = r.instant('created_at')
  const processedAt = r.instant('processed_at')
  if (r.issues.length > 0) return { records: [], rejects: [rejectRow(context, id, r, row)] }
  // signal_type is kept as it is in its own column: its spelling needs no v2_raw entry.
  delete r.raw.signal_type
  noteJson(context, id, r)

  const fields: Record<string, unknown> = { v2_signal_id: idValue(id), price, timeframe }
  const values = {
    symbol: canonicalSymbol(symbolRaw, r),
    side: side.value,
    signal_type: signalType,
    model_name: modelName,
    model_score: score,
    indicators: jsonValue(indicators, fields, 'indicators'),
    ml_predictions: jsonValue(predictions, fields, 'predictions'),
    raw_data: jsonValue(rawData, fields, 'raw_data'),
    status: statusRaw === null ? null : statusRaw.trim().toLowerCase(),
    source_status: statusRaw,
    error_message: errorMessage,
    processing_ms: createdAt && processedAt ? millisecondsBetween(createdAt.iso, processedAt.iso) : null,
    created_at: createdAt?.raw ?? null,
    processed_at: processedAt?.raw ?? null,
  }
  return {
    records: [
      {
        entity: 'signals',
        sourceKey: keys.signal(id),
        values,
        extra: buildExtra(r, fields),
        location: rowLocation(context, id),
      },
    ],
    rejects: [],
  }
}

/** Whole milliseconds from one ISO-8601 UTC instant to another (microseconds rounded half up). */
export function millisecondsBetween(from: string, to: string): number {
  const micros = (iso: string): bigint => {
    const match = /^(.*?)(?:\.(\d+))?Z$/.exec(iso)!
    const seconds = BigInt(Date.parse(`${match[1]}Z`)) / 1000n
    return seconds * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0').slice(0, 6) || '0')
  }
  const difference = micros(to) - micros(from)
  const whole = difference / 1000n
  const remainder = difference % 1000n
  const rounded = remainder >= 500n ? whole + 1n : remainder <= -500n ? whole - 1n : whole
  return Number(rounded)
}
