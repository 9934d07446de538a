export { LangChainMeterError, type LangChainMeterErrorCode } from './errors.js';
export { AgentMeterCallbackHandler } from './handler.js';
export type { AgentMeterCallbackHandlerOptions, AgentMeterRunMetadata } from './types.js';
