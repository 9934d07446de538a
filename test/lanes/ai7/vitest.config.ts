// The ai 7 lane: ai 7 and @ai-sdk/otel declare Node >= 22, so these tests run on Node 22 with this
// folder's own install (`npm ci` here), the workspace packages from source as in the root config. It
// runs this folder's tests and @agentmeter/ai-sdk's own suite, every import of ai and its provider
// packages (from the tests and from the middleware's source alike) answered by this install.
import { peerLane } from '../peer-lane.js';

export default peerLane({
  config: import.meta.url,
  include: ['test/lanes/ai7/**/*.test.ts', 'packages/ai-sdk/src/**/*.test.ts'],
  peers: ['ai', '@ai-sdk/openai', '@ai-sdk/provider', '@ai-sdk/otel'],
});
