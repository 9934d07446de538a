import { peerLane } from '../peer-lane.js';

export default peerLane({
  config: import.meta.url,
  include: ['packages/openai/src/**/*.test.ts'],
  peers: ['openai'],
});
