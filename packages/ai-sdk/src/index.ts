export { AiSdkMeterError, type AiSdkMeterErrorCode } from './errors.js';
export { meterMiddleware } from './middleware.js';
export type { AgentMeterProviderOptions, MeterMiddlewareOptions } from './types.js';
