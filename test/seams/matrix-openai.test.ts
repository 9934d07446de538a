// One charge per model call: OpenAI calls through the openai client, with @agentmeter/openai, OpenLLMetry
// and OpenInference (each alone, and both at once), their spans exported over OTLP or given to
// AgentmeterSpanProcessor (see cells.ts).
import { defineMatrix } from './matrix.js';

defineMatrix('openai', [
  'openai-wrapper',
  'openllmetry-openai',
  'openinference-openai',
  'two-instrumentations-openai',
]);
