import { describe, expect, it } from 'vitest';
import { answerFramework, type HistoryFacts, tokenSpread } from './decide.js';

const facts = (overrides: Partial<HistoryFacts>): HistoryFacts => ({
  calls: 10,
  outcomeCalls: 0,
  successes: 0,
  tokensPerCall: Array(10).fill(1000),
  ...overrides,
});
const varying = [500, 600, 800, 1000, 2000, 3000, 4000, 5000, 6000, 9000];

describe('the model-choice framework (outcome? tokens vary >5x? buyer?)', () => {
  it('"yes, yes, business buyer" → the full hybrid', () => {
    const framework = answerFramework(
      facts({ outcomeCalls: 10, successes: 2, tokensPerCall: varying }),
      'business',
    );
    expect(framework.model).toBe('hybrid');
    expect(framework.outcome.answer).toBe(true);
    expect(framework.tokensVary.answer).toBe(true);
  });

  it('"no, no, developer" → per-call', () => {
    expect(answerFramework(facts({}), 'developer').model).toBe('per_call');
  });

  it('an outcome with uniform tokens → outcome-based; varying tokens without an outcome → per-token for developers, per-call for business', () => {
    expect(answerFramework(facts({ outcomeCalls: 3 })).model).toBe('outcome');
    expect(answerFramework(facts({ tokensPerCall: varying }), 'developer').model).toBe('per_token');
    expect(answerFramework(facts({ tokensPerCall: varying }), 'business').model).toBe('per_call');
    const unknown = answerFramework(facts({ tokensPerCall: varying }));
    expect([unknown.model, unknown.alternative]).toEqual(['per_token', 'per_call']);
    expect(unknown.buyer.answer).toBeNull();
  });

  it('"more than 5x" is p90/p10 from 10 calls (one outlier does not decide), max/min below', () => {
    expect(tokenSpread(varying)).toEqual({ ratio: 12, low: 500, high: 6000 });
    expect(tokenSpread([100, 100, 100, 100, 100, 100, 100, 100, 100, 100_000])?.ratio).toBe(1);
    expect(tokenSpread([100, 600])).toEqual({ ratio: 6, low: 100, high: 600 });
    expect(answerFramework(facts({ tokensPerCall: [100, 500] })).tokensVary.answer).toBe(false);
    expect(answerFramework(facts({ tokensPerCall: [100, 501] })).tokensVary.answer).toBe(true);
    expect(tokenSpread([])).toBeNull();
    expect(answerFramework(facts({ tokensPerCall: [] })).tokensVary).toMatchObject({
      answer: false,
      ratio: null,
    });
  });
});
