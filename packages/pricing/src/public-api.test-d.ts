// Key types of @agentmeter/pricing's public surface, checked by the compiler (`tsc -p tsconfig.tests.json`);
// public-api.test.ts pins the names themselves.
import type { Tier as ApiTier, TierInput as ApiTierInput } from '@agentmeter/client';
import {
  type CompiledTier,
  compileTier,
  type Money,
  priceEvent,
  type Tier,
  type TierConfig,
  type TierInput,
  type TokenCounts,
  tierToJson,
  tokenCharge,
  tokenCounts,
} from '@agentmeter/pricing';
import { describe, expectTypeOf, it } from 'vitest';

describe('@agentmeter/pricing', () => {
  it('compileTier() gives the CompiledTier that priceEvent(), tokenCharge() and tierToJson() take', () => {
    expectTypeOf(compileTier).returns.toEqualTypeOf<CompiledTier>();
    expectTypeOf(priceEvent).parameter(0).toEqualTypeOf<CompiledTier>();
    expectTypeOf(tokenCharge).parameter(0).toEqualTypeOf<CompiledTier>();
    expectTypeOf(tierToJson).parameter(0).toEqualTypeOf<CompiledTier>();
    expectTypeOf<CompiledTier['baseFee']>().toEqualTypeOf<Money>();
  });

  it("the engine's tier is not the API's: the names Tier and TierInput belong to @agentmeter/client", () => {
    expectTypeOf<CompiledTier>().not.toEqualTypeOf<ApiTier>();
    expectTypeOf<TierConfig>().not.toEqualTypeOf<ApiTierInput>();
    expectTypeOf<ApiTier>().toHaveProperty('tier_id');
  });

  it("what the API takes as a tier (the client's TierInput) is a TierConfig compileTier() accepts", () => {
    expectTypeOf<ApiTierInput>().toExtend<TierConfig>();
  });

  it('the deprecated Tier and TierInput are exactly CompiledTier and TierConfig', () => {
    expectTypeOf<Tier>().toEqualTypeOf<CompiledTier>();
    expectTypeOf<TierInput>().toEqualTypeOf<TierConfig>();
  });

  it('TokenCounts is what tokenCounts() validates and tokenCharge() prices', () => {
    expectTypeOf(tokenCounts).returns.toEqualTypeOf<TokenCounts>();
    expectTypeOf(tokenCharge).parameter(1).toEqualTypeOf<TokenCounts>();
  });
});
