// One charge per model call: Anthropic calls through @anthropic-ai/sdk, with @agentmeter/anthropic,
// OpenLLMetry and the SDK's own spans, exported over OTLP or given to AgentmeterSpanProcessor (see cells.ts).
import { defineMatrix } from './matrix.js';

defineMatrix('anthropic', [
  'anthropic-wrapper',
  'openllmetry-anthropic',
  'openllmetry-anthropic-only',
  'anthropic-sdk-spans',
]);
