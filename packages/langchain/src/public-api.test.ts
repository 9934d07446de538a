// @agentmeter/langchain's public surface, pinned: the exact names its root exports, at run time and to
// the compiler. A name added, removed or renamed fails here until the list says so. The `AgentMeter…`
// names are the deprecated 0.1 spellings of the `Agentmeter…` ones (the brand is one word, as in
// `AgentmeterClient`), removed in 1.0; the test below is the one place that still uses them.
import {
  AgentMeterCallbackHandler,
  type AgentMeterCallbackHandlerOptions,
  type AgentMeterRunMetadata,
  AgentmeterCallbackHandler,
  type AgentmeterCallbackHandlerOptions,
  type AgentmeterRunMetadata,
} from '@agentmeter/langchain';
import { createTestMeter } from '@agentmeter/sdk/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { describePublicSurface } from '../../../test/support/public-api.js';

describePublicSurface([
  {
    name: '@agentmeter/langchain',
    source: 'packages/langchain/src/index.ts',
    expected: {
      values: ['AgentMeterCallbackHandler', 'AgentmeterCallbackHandler', 'LangChainMeterError'],
      types: [
        'AgentMeterCallbackHandlerOptions',
        'AgentMeterRunMetadata',
        'AgentmeterCallbackHandlerOptions',
        'AgentmeterRunMetadata',
        'LangChainMeterErrorCode',
      ],
    },
    load: () => import('@agentmeter/langchain'),
  },
]);

describe('the deprecated AgentMeter… names', () => {
  it('AgentMeterCallbackHandler is the very class AgentmeterCallbackHandler, not a subclass or a copy', () => {
    expect(AgentMeterCallbackHandler).toBe(AgentmeterCallbackHandler);
    const handler = new AgentMeterCallbackHandler(createTestMeter(), { agent_id: 'a', action: 'b' });
    expect(handler).toBeInstanceOf(AgentmeterCallbackHandler);
  });

  it('the deprecated types are the same types, for the class, its options and the run metadata', () => {
    expectTypeOf<AgentMeterCallbackHandler>().toEqualTypeOf<AgentmeterCallbackHandler>();
    expectTypeOf<AgentMeterCallbackHandlerOptions>().toEqualTypeOf<AgentmeterCallbackHandlerOptions>();
    expectTypeOf<AgentMeterRunMetadata>().toEqualTypeOf<AgentmeterRunMetadata>();
  });
});
