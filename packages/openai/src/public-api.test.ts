// @agentmeter/openai's public surface, pinned: the exact names its root exports, at run time and to the
// compiler. A name added, removed or renamed fails here until the list says so.
import { describePublicSurface } from '../../../test/support/public-api.js';

describePublicSurface([
  {
    name: '@agentmeter/openai',
    source: 'packages/openai/src/index.ts',
    expected: {
      values: ['OpenAIMeterError', 'withMeter'],
      types: ['OpenAIMeterErrorCode', 'WithMeterOptions'],
    },
    load: () => import('@agentmeter/openai'),
  },
]);
