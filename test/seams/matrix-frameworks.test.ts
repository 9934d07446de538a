// One charge per model call: LangChain (ChatOpenAI) with the agentmeter handler, and the AI SDK
// (@ai-sdk/openai) with the agentmeter middleware and its own telemetry (see cells.ts).
import { defineMatrix } from './matrix.js';

defineMatrix('frameworks', ['langchain-handler', 'ai-sdk-middleware', 'ai-sdk-telemetry']);
