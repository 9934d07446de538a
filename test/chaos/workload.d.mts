export interface ChaosRun {
  /** Prefix of every event id of the run. */
  tag: string;
  seed: number;
  /** Epoch ms of event 0; event `i` is at `baseTime + i`. */
  baseTime: number;
}

export interface TierDefinition {
  base_fee?: string;
  token_rate_input?: string;
  token_rate_output?: string;
  token_rate_cached_input?: string;
  token_rate_cache_write?: string;
  token_unit: 1000 | 1000000;
  outcome_bonus?: string;
  outcome_bonus_by_action?: Record<string, string>;
}

export interface ChaosEvent {
  event_id: string;
  agent_id: string;
  action: string;
  customer_id: string;
  timestamp: string;
  model: string;
  tokens_input: number;
  tokens_output: number;
  tokens_cached_input?: number;
  tokens_cache_write?: number;
  tokens_reasoning?: number;
  tier?: string;
  outcome?: 'pending' | 'success' | 'failure';
}

export const TIERS: Record<string, TierDefinition>;
export const CUSTOMERS: number;
export const CUSTOMER_TIERS: Record<string, string>;
export const AGENT_TIERS: Record<string, string>;
export function prng(seed: number): () => number;
export function eventFor(
  run: ChaosRun,
  agent: number,
  index: number,
): { event: ChaosEvent; resolution: 'success' | 'failure' | null };
