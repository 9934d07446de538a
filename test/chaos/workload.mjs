// The chaos workload, shared by the agent processes (which send it) and the tests (which compute
// what it must cost). Every event is a pure function of (run, agent, index): an agent restarted
// after a kill re-creates byte-identical events, so re-sending one is a replay, never a new event.

/** Tiers of the chaos project. Rates are chosen so that token charges need rounding. */
export const TIERS = {
  default: {
    base_fee: '0.001',
    token_rate_input: '0.0025',
    token_rate_output: '0.01',
    token_rate_cached_input: '0.00125',
    token_rate_cache_write: '0.003125',
    token_unit: 1000,
    outcome_bonus: '0.05',
    outcome_bonus_by_action: { book: '1.25' },
  },
  gold: {
    base_fee: '0.000333333333',
    token_rate_input: '0.7',
    token_rate_output: '2.1',
    token_unit: 1000000,
    outcome_bonus: '0.333333333333',
  },
  silver: {
    token_rate_input: '0.0017',
    token_rate_output: '0.0071',
    token_unit: 1000,
    outcome_bonus: '0.0999',
    outcome_bonus_by_action: { search: '0.010000000001' },
  },
  bronze: {
    base_fee: '0.002',
    token_rate_input: '0.000001',
    token_rate_output: '0.000003',
    token_rate_cache_write: '0.000007',
    token_unit: 1000,
  },
};

export const CUSTOMERS = 12;
/** Customer assignments (the customer's tier beats the agent's). */
export const CUSTOMER_TIERS = { 'cust-0': 'gold', 'cust-1': 'gold', 'cust-5': 'bronze' };
/** Agent assignments. */
export const AGENT_TIERS = { 'agent-1': 'bronze' };

const ACTIONS = ['search', 'summarize', 'book'];

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mix = (seed, agent, index) =>
  (seed ^ Math.imul(agent + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;

/**
 * Event `index` of `agent` in `run` ({tag, seed, baseTime}) and how its outcome is resolved
 * (`null`: not resolved, or no pending outcome).
 */
export function eventFor(run, agent, index) {
  const random = prng(mix(run.seed, agent, index));
  const int = (max) => Math.floor(random() * (max + 1));
  const input = int(20_000);
  const cached = int(input);
  const cacheWrite = int(input - cached);
  const output = int(4_000);
  const reasoning = int(output);
  const event = {
    event_id: `${run.tag}-a${agent}-e${index}`,
    agent_id: `agent-${agent}`,
    action: ACTIONS[int(ACTIONS.length - 1)],
    customer_id: `cust-${int(CUSTOMERS - 1)}`,
    timestamp: new Date(run.baseTime + index).toISOString(),
    model: 'chaos-model',
    tokens_input: input,
    tokens_output: output,
  };
  if (cached > 0) event.tokens_cached_input = cached;
  if (cacheWrite > 0) event.tokens_cache_write = cacheWrite;
  if (reasoning > 0) event.tokens_reasoning = reasoning;
  if (random() < 0.1) event.tier = 'silver';
  const roll = random();
  let resolution = null;
  if (roll < 0.1) event.outcome = 'success';
  else if (roll < 0.15) event.outcome = 'failure';
  else if (roll < 0.4) {
    event.outcome = 'pending';
    const settle = random();
    resolution = settle < 0.6 ? 'success' : settle < 0.9 ? 'failure' : null;
  }
  return { event, resolution };
}
