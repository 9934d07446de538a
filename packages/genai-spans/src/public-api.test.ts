// @agentmeter/genai-spans' public surface, pinned: the exact names its root exports, at run time and to
// the compiler. These are the span rules @agentmeter/otel and the server both read spans by; a name
// added, removed or renamed fails here until the list says so.
import { describePublicSurface } from '../../../test/support/public-api.js';

describePublicSurface([
  {
    name: '@agentmeter/genai-spans',
    source: 'packages/genai-spans/src/index.ts',
    expected: {
      values: [
        'BOUNDED_TEXT_ATTRIBUTES',
        'NestingRule',
        'RULE_ATTRIBUTES',
        'hasUsage',
        'isModelCall',
        'nestingNodeOf',
        'roleOf',
        'usageOf',
      ],
      types: ['NestingNode', 'SpanRole', 'SpanUsage', 'SpanView'],
    },
    load: () => import('@agentmeter/genai-spans'),
  },
]);
