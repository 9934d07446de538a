// The SDK's public surface, pinned: the exact names each entry point exports, at run time and to the
// compiler. Agent code imports the root; integrations the `integration` subpath (docs/integrations.md);
// tests the `testing` subpath. A name added, removed or renamed fails here until the list says so,
// so a change to the surface is a deliberate act, recorded in this diff.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describePublicSurface,
  type ExportedNames,
  namesWithTwoMeanings,
} from '../../../test/support/public-api.js';

const ROOT: ExportedNames = {
  values: ['MeterError', 'createMeter'],
  types: [
    'Meter',
    'MeterContext',
    'MeterErrorCode',
    'MeterErrorInfo',
    'MeterEvents',
    'MeterOptions',
    'OutboxOptions',
    'OutcomeResolution',
    'OverflowPolicy',
    'PricedEvent',
    'ShutdownResult',
    'TrackEvent',
  ],
};

const INTEGRATION: ExportedNames = {
  values: [
    'IDENTIFIER_EXPECTATION',
    'IntegrationError',
    'STANDARD_OPTIONS',
    'activeSpanContext',
    'baseAttribution',
    'callAttribution',
    'deriveEventId',
    'expectedMessage',
    'failureOf',
    'hasUniqueResponseId',
    'isIdentifier',
    'isPlainObject',
    'isTokenCount',
    'isUniqueResponseId',
    'observeClientFetch',
    'onUsage',
    'reconcileTokenCounts',
    'recordUsage',
    'resolveWrapperSettings',
    'runOuterLayer',
    'tokenCount',
    'unknownOptionMessage',
    'wasMeteredByProvider',
    'withCallScope',
  ],
  types: [
    'AttributionField',
    'AttributionOverrides',
    'AttributionSettings',
    'CallFailure',
    'CallScope',
    'CallSpan',
    'CaptureContentOption',
    'IntegrationErrorClass',
    'IntegrationErrorCode',
    'LayerScope',
    'NormalizedTokenCounts',
    'NormalizedUsage',
    'OptionSpec',
    'RecordUsageOptions',
    'ResolvedWrapperSettings',
    'UsageAttribution',
    'UsageListener',
    'WrapperOptions',
    'WrapperSettings',
    'WrapperSpec',
  ],
};

const TESTING: ExportedNames = {
  values: ['createTestMeter'],
  types: ['MeterErrorInfo', 'RecordedResolution', 'TestMeter', 'TestMeterOptions'],
};

const ENTRIES = [
  {
    name: '@agentmeter/sdk',
    source: 'packages/sdk/src/index.ts',
    expected: ROOT,
    load: () => import('@agentmeter/sdk'),
  },
  {
    name: '@agentmeter/sdk/integration',
    source: 'packages/sdk/src/integration.ts',
    expected: INTEGRATION,
    load: () => import('@agentmeter/sdk/integration'),
  },
  {
    name: '@agentmeter/sdk/testing',
    source: 'packages/sdk/src/testing.ts',
    expected: TESTING,
    load: () => import('@agentmeter/sdk/testing'),
  },
];

describePublicSurface(ENTRIES);

describe('names across the packages', () => {
  it('no name means two things: the pricing engine, the client, the SDK and otel each own theirs', () => {
    const entries = [
      'packages/client/src/index.ts',
      'packages/pricing/src/index.ts',
      'packages/sdk/src/index.ts',
      'packages/sdk/src/integration.ts',
      'packages/sdk/src/testing.ts',
      'packages/otel/src/index.ts',
    ];
    // Until 1.0, the pricing engine keeps its 0.1 names for CompiledTier and TierConfig as deprecated
    // aliases; in 1.0 `Tier` and `TierInput` are the API's alone.
    expect(namesWithTwoMeanings(entries)).toEqual({
      Tier: ['packages/client/src/index.ts', 'packages/pricing/src/index.ts'],
      TierInput: ['packages/client/src/index.ts', 'packages/pricing/src/index.ts'],
    });
  }, 120_000);
});

describe('the root and the integration subpath', () => {
  it('docs/integrations.md names every export of the integration subpath', () => {
    const doc = readFileSync(new URL('../../../docs/integrations.md', import.meta.url), 'utf8');
    const undocumented = [...INTEGRATION.values, ...INTEGRATION.types].filter(
      (name) => !new RegExp(`\`${name}\\b`).test(doc),
    );
    expect(undocumented).toEqual([]);
  });

  it('share no name: an integration helper is never also agent-facing API', () => {
    const root = [...ROOT.values, ...ROOT.types];
    expect([...INTEGRATION.values, ...INTEGRATION.types].filter((name) => root.includes(name))).toEqual([]);
  });
});
