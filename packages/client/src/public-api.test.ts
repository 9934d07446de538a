// @agentmeter/client's public surface, pinned: the exact names its root exports, at run time and to
// the compiler. A name added, removed or renamed fails here until the list says so. Its types are the
// API's wire shapes, named as openapi.yaml names them (`Tier`, `TierInput`, `MeterEvent`, …).
import { describePublicSurface } from '../../../test/support/public-api.js';

describePublicSurface([
  {
    name: '@agentmeter/client',
    source: 'packages/client/src/index.ts',
    expected: {
      values: ['DEFAULT_BASE_URL', 'VERSION', 'createClient'],
      types: [
        'AgentmeterClient',
        'BatchEventResult',
        'BatchRequest',
        'BatchResolution',
        'BatchResolutionResult',
        'BatchResponse',
        'ClientOptions',
        'InvoicePreview',
        'ItemError',
        'LedgerEvent',
        'MeterEvent',
        'MeterResponse',
        'Outcome',
        'Problem',
        'ResolveRequest',
        'ResolveResponse',
        'Schemas',
        'SimulateRequest',
        'SimulateResponse',
        'Tier',
        'TierInput',
        'UsageReport',
        'components',
        'operations',
        'paths',
      ],
    },
    load: () => import('@agentmeter/client'),
  },
]);
