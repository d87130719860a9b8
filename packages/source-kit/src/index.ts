export { BatchBuilder, type Mapped } from './batch-builder.js'
export { cleanSymbol, ORDER_STATUS, ORDER_TYPE, orderType, readSide, readSymbol, SIDE } from './broker.js'
export { addDecimals, decimalIdentity, percentToRatio, subtractDecimals } from './decimal-math.js'
export {
  type FieldIssue,
  type FieldOptions,
  FieldReader,
  type FieldReaderOptions,
  type FieldValue,
  formatIssues,
  joinPath,
  MISSING,
} from './fields.js'
export {
  type DecimalField,
  describeJson,
  isObject,
  JsonFieldReader,
  jsonKind,
  recordOf,
} from './json-fields.js'
export {
  JsonDepthError,
  type JsonInput,
  JsonNumber,
  type JsonObject,
  JsonSyntaxError,
  type JsonTree,
  MAX_JSON_DEPTH,
  type ParseJsonOptions,
  parseJson,
  TOO_DEEP,
} from './json-parse.js'
export {
  JsonFileError,
  type JsonItem,
  jsonPath,
  NonFiniteNumbers,
  type ReadJsonOptions,
  readJsonItems,
} from './json-stream.js'
export { displayPath } from './paths.js'
export { hash53, SeenKeys } from './seen-keys.js'
