export { OpenAIMeterError, type OpenAIMeterErrorCode } from './errors.js';
export type { WithMeterOptions } from './types.js';
export { withMeter } from './with-meter.js';
