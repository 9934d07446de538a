// The parts of the API (openapi.yaml) the dashboard reads. Money is always an exact decimal string.

export interface Amounts {
  base: string;
  tokens: string;
  outcome: string;
  total: string;
}

export interface TokenTotals {
  input: number;
  output: number;
  cached_input: number;
  cache_write: number;
  reasoning: number;
  cache_write_1h: number;
  audio_input: number;
  audio_output: number;
  web_search_requests: number;
}

export interface OutcomeCounts {
  pending: number;
  success: number;
  failure: number;
  expired: number;
}

export type UsageDimension = 'customer_id' | 'agent_id' | 'action' | 'day';

export interface UsageGroup {
  key: Partial<Record<UsageDimension, string | null>>;
  currency: string;
  calls: number;
  /** Of `calls`, those seen without token counts: charged the base fee alone. */
  usage_missing_events: number;
  tokens: TokenTotals;
  outcomes: OutcomeCounts;
  amounts: Amounts;
}

export interface UsageReport {
  from: string;
  to: string;
  group_by: UsageDimension[];
  groups: UsageGroup[];
  totals: UsageGroup[];
}

export interface Tier {
  tier_id: string;
  version: number;
  description: string | null;
  base_fee: string;
  token_rate_input: string;
  token_rate_output: string;
  token_rate_cached_input: string;
  token_rate_cache_write: string;
  /** Present only when the tier gives it a rate of its own (else: `token_rate_cache_write`). */
  token_rate_cache_write_1h?: string;
  /** Present only when the tier gives it a rate of its own (else: `token_rate_input`). */
  token_rate_audio_input?: string;
  /** Present only when the tier gives it a rate of its own (else: `token_rate_output`). */
  token_rate_audio_output?: string;
  /** Present only when not zero. */
  web_search_request_fee?: string;
  token_unit: 1000 | 1000000;
  outcome_bonus: string;
  outcome_bonus_by_action: Record<string, string>;
  currency: string;
  created_at: string;
}

/** What PUT /v1/tiers/{id} and simulate `candidates` take; money as decimal strings. */
export interface TierInput {
  description?: string;
  base_fee: string;
  token_rate_input: string;
  token_rate_output: string;
  token_rate_cached_input: string;
  token_rate_cache_write: string;
  token_rate_cache_write_1h?: string;
  token_rate_audio_input?: string;
  token_rate_audio_output?: string;
  web_search_request_fee?: string;
  token_unit: 1000 | 1000000;
  outcome_bonus: string;
  outcome_bonus_by_action: Record<string, string>;
  currency: string;
}

export interface Workload {
  calls: number;
  avg_tokens_input?: number;
  avg_tokens_output?: number;
  avg_tokens_cached_input?: number;
  success_rate?: string;
  successes?: number;
  action?: string;
}

export interface SimulateRequest {
  workload: Workload;
  tiers?: string[];
  candidates?: Record<string, TierInput>;
}

export interface SimulationResult {
  name: string;
  tier_version?: number | null;
  currency: string;
  calls: number;
  successes: number;
  success_rate: string;
  revenue: Amounts;
  revenue_per_call: string;
  revenue_per_success: string | null;
}

export interface SimulateResponse {
  source: 'workload' | 'history';
  calls: number;
  successes: number;
  tokens: TokenTotals;
  results: SimulationResult[];
}

export interface ExactPrice {
  total: string;
  base: string;
  tokens: string;
  outcome: string;
}

export interface LedgerEvent {
  event_id: string;
  timestamp: string;
  agent_id: string;
  action: string;
  customer_id: string | null;
  model: string | null;
  provider: string | null;
  tokens: TokenTotals;
  /** The call was seen without token counts (an instrumentation that records none): base fee only. */
  usage_missing: boolean;
  tier: string;
  tier_version: number;
  currency: string;
  price: ExactPrice;
  outcome_status: 'none' | 'pending' | 'success' | 'failure' | 'expired';
  outcome_charged: string;
}

export interface EventPage {
  data: LedgerEvent[];
  next_cursor: string | null;
}

export interface InvoiceLine {
  tier: string;
  tier_version: number;
  component: 'base' | 'tokens' | 'outcome';
  description: string;
  quantity: number;
  currency: string;
  amount: string;
}

export interface InvoicePreview {
  customer_id: string;
  from: string;
  to: string;
  lines: InvoiceLine[];
  totals: { currency: string; total: string }[];
  currency: string | null;
  total: string | null;
}

export interface Health {
  status: 'ok';
  version: string;
  store: 'sqlite' | 'postgres';
}

/** An RFC 9457 problem, as the server sends it. */
export interface Problem {
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { field: string; message: string }[];
}
