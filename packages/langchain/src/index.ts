import { AgentmeterCallbackHandler } from './handler.js';
import type { AgentmeterCallbackHandlerOptions, AgentmeterRunMetadata } from './types.js';

export { LangChainMeterError, type LangChainMeterErrorCode } from './errors.js';
export { AgentmeterCallbackHandler } from './handler.js';
export type { AgentmeterCallbackHandlerOptions, AgentmeterRunMetadata } from './types.js';

/** @deprecated since 0.2 — use AgentmeterCallbackHandler; removed in 1.0 */
export const AgentMeterCallbackHandler = AgentmeterCallbackHandler;
/** @deprecated since 0.2 — use AgentmeterCallbackHandler; removed in 1.0 */
export type AgentMeterCallbackHandler = AgentmeterCallbackHandler;
/** @deprecated since 0.2 — use AgentmeterCallbackHandlerOptions; removed in 1.0 */
export type AgentMeterCallbackHandlerOptions = AgentmeterCallbackHandlerOptions;
/** @deprecated since 0.2 — use AgentmeterRunMetadata; removed in 1.0 */
export type AgentMeterRunMetadata = AgentmeterRunMetadata;
