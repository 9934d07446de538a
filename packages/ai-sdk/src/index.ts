import type { AgentmeterProviderOptions } from './types.js';

export { AiSdkMeterError, type AiSdkMeterErrorCode } from './errors.js';
export { meterMiddleware } from './middleware.js';
export type { AgentmeterProviderOptions, MeterMiddlewareOptions } from './types.js';

/** @deprecated since 0.2 — use AgentmeterProviderOptions; removed in 1.0 */
export type AgentMeterProviderOptions = AgentmeterProviderOptions;
