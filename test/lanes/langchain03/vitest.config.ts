import { peerLane } from '../peer-lane.js';

export default peerLane({
  config: import.meta.url,
  include: ['packages/langchain/src/**/*.test.ts'],
  // LangChain 0.3 with the integrations of its line, and the provider SDKs those pull, which the tests
  // build clients and read types from.
  peers: ['@langchain/core', '@langchain/openai', '@langchain/anthropic', 'openai', '@anthropic-ai/sdk'],
});
