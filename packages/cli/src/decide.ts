// Which pricing model fits an agent, answered from a project's own events by three questions: does
// a call have an outcome the customer values, does token use vary more than 5x between calls, and is
// the buyer a developer or a business. An outcome with varying tokens → hybrid, an outcome with even
// tokens → outcome; no outcome and even tokens → per call; no outcome and varying tokens → per token
// for a developer (who can read a token bill), per call for a business.

export type Buyer = 'developer' | 'business';
export type Model = 'per_token' | 'per_call' | 'outcome' | 'hybrid';

/** What the ledger says about a set of calls. */
export interface HistoryFacts {
  calls: number;
  /** Calls that opened or carried an outcome (pending, success, failure or expired). */
  outcomeCalls: number;
  successes: number;
  /** Tokens (input + output) per call with any tokens, sorted ascending. */
  tokensPerCall: number[];
}

export interface Answer<T> {
  answer: T;
  /** Why, in one line, from the data. */
  reason: string;
}

export interface Framework {
  outcome: Answer<boolean>;
  tokensVary: Answer<boolean> & { ratio: number | null };
  buyer: Answer<Buyer | null>;
  /** The model picked; with no buyer given and no outcome, the developer pick (see `alternative`). */
  model: Model;
  /** The pick for a business buyer when it differs and the buyer is unknown. */
  alternative: Model | null;
  why: string;
}

/** Token use "varies" when the heavy calls use more than 5x the tokens of the light ones. */
export const VARIATION_THRESHOLD = 5;

/** The value at quantile `q` (nearest rank) of a sorted list. */
function quantile(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? 0;
}

/**
 * How much token use varies between calls: p90 / p10 of tokens per call (max / min under 10 calls),
 * so one outlier does not decide it. Null when there are no token counts.
 */
export function tokenSpread(sorted: readonly number[]): { ratio: number; low: number; high: number } | null {
  if (sorted.length === 0) return null;
  const [low, high] =
    sorted.length < 10
      ? [sorted[0] ?? 0, sorted[sorted.length - 1] ?? 0]
      : [quantile(sorted, 0.1), quantile(sorted, 0.9)];
  return { ratio: low === 0 ? Number.POSITIVE_INFINITY : high / low, low, high };
}

const MODEL_WHY: Record<Model, string> = {
  hybrid: 'base + tokens + outcome: tokens cover the variable compute, the bonus captures the value',
  outcome: 'base + outcome bonus: uniform calls, and customers pay for results',
  per_token: 'tokens: cost varies with the work, and a technical buyer can read a token bill',
  per_call: 'a flat fee per call: the simplest invoice for uniform work',
};

/** Answers the three questions and picks the model. */
export function answerFramework(facts: HistoryFacts, buyer?: Buyer): Framework {
  const outcome: Answer<boolean> =
    facts.outcomeCalls > 0
      ? {
          answer: true,
          reason: `${facts.outcomeCalls} of ${facts.calls} calls carried an outcome; ${facts.successes} succeeded`,
        }
      : {
          answer: false,
          reason:
            facts.calls === 1
              ? 'the one call carried no outcome'
              : `none of ${facts.calls} calls carried an outcome`,
        };
  const spread = tokenSpread(facts.tokensPerCall);
  const measure = facts.tokensPerCall.length < 10 ? 'max/min' : 'p90/p10';
  const tokensVary: Framework['tokensVary'] =
    spread === null
      ? { answer: false, ratio: null, reason: 'no call used tokens' }
      : {
          answer: spread.ratio > VARIATION_THRESHOLD,
          ratio: Number.isFinite(spread.ratio) ? spread.ratio : null,
          reason: `${measure} = ${Number.isFinite(spread.ratio) ? `${spread.ratio.toFixed(1)}x` : 'unbounded'} (${spread.low.toLocaleString('en-US')} to ${spread.high.toLocaleString('en-US')} tokens per call)`,
        };
  const buyerAnswer: Answer<Buyer | null> = buyer
    ? { answer: buyer, reason: 'as given (it is not in the data)' }
    : { answer: null, reason: 'not in the data; pass --buyer developer|business' };
  let model: Model;
  let alternative: Model | null = null;
  if (outcome.answer) model = tokensVary.answer ? 'hybrid' : 'outcome';
  else if (!tokensVary.answer) model = 'per_call';
  else if (buyer === 'business') model = 'per_call';
  else {
    model = 'per_token';
    if (buyer === undefined) alternative = 'per_call';
  }
  const why =
    model === 'per_call' && tokensVary.answer
      ? 'a flat fee per call a business buyer can read; tokens vary, so set the fee for the heavy calls'
      : MODEL_WHY[model];
  return { outcome, tokensVary, buyer: buyerAnswer, model, alternative, why };
}
