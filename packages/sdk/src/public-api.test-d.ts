// Key types of the SDK's public surface, checked by the compiler (`tsc -p tsconfig.tests.json`);
// public-api.test.ts pins the names themselves.
import type { TokenCounts } from '@agentmeter/pricing';
import { createMeter, type Meter, MeterError, type MeterErrorCode, type MeterOptions } from '@agentmeter/sdk';
import {
  type NormalizedTokenCounts,
  type NormalizedUsage,
  type RecordUsageOptions,
  reconcileTokenCounts,
  recordUsage,
  type UsageAttribution,
} from '@agentmeter/sdk/integration';
import { describe, expectTypeOf, it } from 'vitest';

describe('@agentmeter/sdk', () => {
  it('has two values, createMeter and MeterError: every helper is on the integration subpath', () => {
    expectTypeOf<keyof typeof import('@agentmeter/sdk')>().toEqualTypeOf<'createMeter' | 'MeterError'>();
  });

  it('createMeter() takes optional MeterOptions and gives a Meter', () => {
    expectTypeOf(createMeter).parameters.toEqualTypeOf<[options?: MeterOptions]>();
    expectTypeOf(createMeter).returns.toEqualTypeOf<Meter>();
  });

  it('a MeterError carries its stable code and the ids concerned; isInstance() narrows to it', () => {
    expectTypeOf<MeterError['code']>().toEqualTypeOf<MeterErrorCode>();
    expectTypeOf<MeterError['ids']>().toEqualTypeOf<string[]>();
    expectTypeOf(MeterError.isInstance).guards.toEqualTypeOf<MeterError>();
  });
});

describe('@agentmeter/sdk/integration', () => {
  it('recordUsage() meters one call and returns its event id, or undefined when a wrapper already did', () => {
    expectTypeOf(recordUsage).parameters.toEqualTypeOf<
      [Meter, NormalizedUsage, UsageAttribution, RecordUsageOptions]
    >();
    expectTypeOf(recordUsage).returns.toEqualTypeOf<string | undefined>();
    expectTypeOf<RecordUsageOptions['layer']>().toEqualTypeOf<'provider' | 'framework' | 'spans'>();
  });

  it("NormalizedTokenCounts is the token part of NormalizedUsage, not the pricing engine's TokenCounts", () => {
    expectTypeOf<NormalizedUsage>().toExtend<NormalizedTokenCounts>();
    expectTypeOf<keyof NormalizedTokenCounts>().toEqualTypeOf<
      | 'inputTokens'
      | 'outputTokens'
      | 'cachedInputTokens'
      | 'cacheWriteTokens'
      | 'reasoningTokens'
      | 'cacheWrite1hTokens'
      | 'audioInputTokens'
      | 'audioOutputTokens'
      | 'webSearchRequests'
    >();
    expectTypeOf<NormalizedTokenCounts>().not.toEqualTypeOf<TokenCounts>();
  });

  it("reconcileTokenCounts() hands back the caller's own extended counts", () => {
    const counts = {} as NormalizedTokenCounts & { complete: boolean };
    expectTypeOf(reconcileTokenCounts(counts)).toEqualTypeOf<NormalizedTokenCounts & { complete: boolean }>();
  });
});
