export { parseCurrency } from './currencies.js';
export { PricingError, type PricingErrorCode } from './errors.js';
export {
  IDENTIFIER_EXPECTATION,
  isIdentifier,
  isTierId,
  MAX_IDENTIFIER_LENGTH,
  TIER_ID_EXPECTATION,
} from './identifier.js';
export {
  divideRoundHalfEven,
  formatDecimal,
  formatMoney,
  MONEY_ONE,
  MONEY_SCALE,
  type Money,
  moneyToNumber,
  parseDecimal,
  parseMoney,
} from './money.js';
export {
  type Amounts,
  addPrice,
  MAX_TOKENS,
  type OutcomeValue,
  type Price,
  priceEvent,
  resolutionCharge,
  type TokenCounts,
  tokenCharge,
  tokenCounts,
  type UsageInput,
  zeroAmounts,
} from './price.js';
export {
  type Candidate,
  createRepricer,
  GUIDE_PRESETS,
  guideCandidates,
  type HistoricalEvent,
  REFERENCE_MODELS,
  referenceCandidates,
  type Simulation,
  type SimulationResult,
  simulateWorkload,
  type Workload,
} from './simulate.js';
export {
  type CompiledTier,
  compileTier,
  outcomeBonus,
  type Tier,
  type TierConfig,
  type TierInput,
  type TierJson,
  type TokenUnit,
  tierToJson,
} from './tier.js';
