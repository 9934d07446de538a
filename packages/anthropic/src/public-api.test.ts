// @agentmeter/anthropic's public surface, pinned: the exact names its root exports, at run time and to
// the compiler. A name added, removed or renamed fails here until the list says so.
import { describePublicSurface } from '../../../test/support/public-api.js';

describePublicSurface([
  {
    name: '@agentmeter/anthropic',
    source: 'packages/anthropic/src/index.ts',
    expected: {
      values: ['AnthropicMeterError', 'withMeter'],
      types: ['AnthropicLike', 'AnthropicMeterErrorCode', 'WithMeterOptions'],
    },
    load: () => import('@agentmeter/anthropic'),
  },
]);
