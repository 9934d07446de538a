// @agentmeter/ai-sdk's public surface, pinned: the exact names its root exports, at run time and to the
// compiler. A name added, removed or renamed fails here until the list says so.
// `AgentMeterProviderOptions` is the deprecated 0.1 spelling of `AgentmeterProviderOptions` (the brand
// is one word, as in `AgentmeterClient`), removed in 1.0; the test below is the one place that uses it.
import type { AgentMeterProviderOptions, AgentmeterProviderOptions } from '@agentmeter/ai-sdk';
import { describe, expectTypeOf, it } from 'vitest';
import { describePublicSurface } from '../../../test/support/public-api.js';

describePublicSurface([
  {
    name: '@agentmeter/ai-sdk',
    source: 'packages/ai-sdk/src/index.ts',
    expected: {
      values: ['AiSdkMeterError', 'meterMiddleware'],
      types: [
        'AgentMeterProviderOptions',
        'AgentmeterProviderOptions',
        'AiSdkMeterErrorCode',
        'MeterMiddlewareOptions',
      ],
    },
    load: () => import('@agentmeter/ai-sdk'),
  },
]);

describe('the deprecated AgentMeterProviderOptions', () => {
  it('is the same type as AgentmeterProviderOptions, so code written against either still compiles', () => {
    expectTypeOf<AgentMeterProviderOptions>().toEqualTypeOf<AgentmeterProviderOptions>();
  });
});
