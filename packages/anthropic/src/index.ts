export { AnthropicMeterError, type AnthropicMeterErrorCode } from './errors.js';
export type { WithMeterOptions } from './types.js';
export { type AnthropicLike, withMeter } from './with-meter.js';
