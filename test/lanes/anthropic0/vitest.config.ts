import { peerLane } from '../peer-lane.js';

export default peerLane({
  config: import.meta.url,
  include: ['packages/anthropic/src/**/*.test.ts'],
  peers: ['@anthropic-ai/sdk'],
});
