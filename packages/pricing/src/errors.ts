const MARKER = Symbol.for('agentmeter.pricing.error');

/** Stable codes of every input the engine refuses. */
export type PricingErrorCode =
  | 'invalid_money'
  | 'negative_money'
  | 'too_many_decimals'
  | 'money_too_large'
  | 'invalid_token_count'
  | 'invalid_count'
  | 'token_subset_exceeds_total'
  | 'invalid_token_unit'
  | 'unknown_currency'
  | 'invalid_tier'
  | 'unknown_field'
  | 'invalid_action'
  | 'invalid_outcome'
  | 'invalid_workload'
  | 'currency_mismatch';

/**
 * A typed refusal: the engine never guesses a price from bad input. `field` names the failing
 * input field (`token_rate_input`, `tokens_cached_input`, `outcome_bonus_by_action.email.sent`…).
 */
export class PricingError extends Error {
  readonly [MARKER] = true;
  override readonly name = 'PricingError';
  readonly code: PricingErrorCode;
  readonly field: string;

  constructor(code: PricingErrorCode, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }

  /** Works across duplicate installs of this package, unlike `instanceof`. */
  static isInstance(error: unknown): error is PricingError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[MARKER] === true;
  }
}
