// The ai 5 lane: @agentmeter/ai-sdk's own suite, @agentmeter/otel's span processor suite (it drives the AI
// SDK's telemetry) and this folder's tests on real ai 5 telemetry spans, every import of ai and its
// provider packages answered by this folder's install (`npm ci` here). ai 5 runs on the machine's Node.
import { peerLane } from '../peer-lane.js';

export default peerLane({
  config: import.meta.url,
  include: [
    'test/lanes/ai5/**/*.test.ts',
    'packages/ai-sdk/src/**/*.test.ts',
    'packages/otel/src/span-processor.test.ts',
  ],
  peers: ['ai', '@ai-sdk/openai', '@ai-sdk/anthropic', '@ai-sdk/provider'],
});
