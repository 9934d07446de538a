// What the demo replays: three agents, three customers, two weeks of traffic, the reference tiers.
import type { TierInput } from '@agentmeter/client';
import type { Buyer } from '../decide.js';

export type AgentId = 'research-agent' | 'ticket-classifier' | 'outreach-agent';
export type CustomerId = 'acme' | 'globex' | 'initech';
/** How an outreach email ends: a reply (success), a no (failure), silence past its 7 days, or still open. */
export type OutreachFate = 'success' | 'failure' | 'expired' | 'pending';

/** The per-token, per-call and outcome models and their hybrid, with the reference prices. */
export const DEMO_TIERS: Record<string, TierInput> = {
  per_token: {
    description: 'Model 1, per-token: $0.003 per 1K tokens',
    token_rate_input: '0.003',
    token_rate_output: '0.003',
    token_unit: 1000,
    currency: 'USD',
  },
  per_call: {
    description: 'Model 2, per-call: $0.05 per call',
    base_fee: '0.05',
    token_unit: 1000,
    currency: 'USD',
  },
  outcome: {
    description: 'Model 3, outcome-based: $0.01 per call + $5.00 per success',
    base_fee: '0.01',
    outcome_bonus: '5.00',
    token_unit: 1000,
    currency: 'USD',
  },
  hybrid: {
    description: 'Hybrid: $0.01 per call + $0.125 per 1M input tokens + $5.00 per success',
    base_fee: '0.01',
    token_rate_input: '0.125',
    token_unit: 1000000,
    outcome_bonus: '5.00',
    currency: 'USD',
  },
};

export const MODELS = Object.keys(DEMO_TIERS);

export interface AgentProfile {
  action: string;
  /** The tier the agent is billed under (a customer's own tier wins). */
  tier: string;
  /** Who buys this agent's work: the framework's third question. */
  buyer: Buyer;
  role: string;
}

export const AGENTS: Record<AgentId, AgentProfile> = {
  'research-agent': {
    action: 'research.complete',
    tier: 'per_token',
    buyer: 'developer',
    role: 'reads sources, streams a brief',
  },
  'ticket-classifier': {
    action: 'ticket.classified',
    tier: 'per_call',
    buyer: 'business',
    role: 'labels support tickets',
  },
  'outreach-agent': {
    action: 'email.sent',
    tier: 'outcome',
    buyer: 'business',
    role: 'writes sales emails; a reply is the outcome',
  },
};

/** initech pays the hybrid for everything: a customer's tier wins over its agents'. */
export const CUSTOMER_TIERS: Partial<Record<CustomerId, string>> = { initech: 'hybrid' };
export const CUSTOMERS: CustomerId[] = ['acme', 'globex', 'initech'];

export type PlannedCall =
  | { agent: 'research-agent'; customer: CustomerId; daysAgo: number; sourceTokens: number; topic: string }
  | { agent: 'ticket-classifier'; customer: CustomerId; daysAgo: number; ticket: number }
  | { agent: 'outreach-agent'; customer: CustomerId; daysAgo: number; prospect: string; fate: OutreachFate };

const research = (
  customer: CustomerId,
  daysAgo: number,
  sourceTokens: number,
  topic: string,
): PlannedCall => ({
  agent: 'research-agent',
  customer,
  daysAgo,
  sourceTokens,
  topic,
});
const ticket = (customer: CustomerId, daysAgo: number, number: number): PlannedCall => ({
  agent: 'ticket-classifier',
  customer,
  daysAgo,
  ticket: number,
});
const email = (customer: CustomerId, daysAgo: number, prospect: string, fate: OutreachFate): PlannedCall => ({
  agent: 'outreach-agent',
  customer,
  daysAgo,
  prospect,
  fate,
});

/** 34 calls over 14 days; sorted oldest first by `plannedCalls()`. */
const CALLS: PlannedCall[] = [
  research('acme', 12, 2_100, 'competitor pricing pages'),
  research('acme', 9, 8_800, 'Q2 churn interviews'),
  research('acme', 5, 15_600, 'EU market-entry filings'),
  research('acme', 1, 4_300, 'pricing-page A/B results'),
  ticket('acme', 13, 4821),
  ticket('acme', 10, 4822),
  ticket('acme', 6, 4823),
  ticket('acme', 2, 4824),
  email('acme', 11, 'vp-eng@hooli.example', 'expired'),
  email('acme', 6, 'cto@piedpiper.example', 'success'),
  email('acme', 4, 'ops@vandelay.example', 'failure'),
  email('acme', 1, 'ceo@dunder.example', 'pending'),
  research('globex', 8, 3_000, 'supplier risk news'),
  ...[13, 12, 10, 8, 6, 4, 2, 0].map((daysAgo, index) => ticket('globex', daysAgo, 7300 + index)),
  email('globex', 12, 'it@wonka.example', 'expired'),
  email('globex', 5, 'buyer@stark.example', 'failure'),
  email('globex', 3, 'cfo@wayne.example', 'success'),
  research('initech', 9, 6_400, 'TPS report automation vendors'),
  research('initech', 3, 11_800, 'printer fleet benchmarks'),
  ticket('initech', 7, 9101),
  ticket('initech', 2, 9102),
  email('initech', 13, 'head-sales@umbrella.example', 'expired'),
  email('initech', 6, 'vp@cyberdyne.example', 'success'),
  email('initech', 5, 'lead@tyrell.example', 'success'),
  email('initech', 4, 'pm@soylent.example', 'failure'),
  email('initech', 2, 'dir@initrode.example', 'success'),
  email('initech', 0, 'cmo@monsters.example', 'pending'),
];

const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Outreach outcomes expire 7 days after the email: a reply later than that earns nothing. */
export const OUTCOME_WINDOW = 7 * DAY;

/** When a planned call happened: `daysAgo` days and a few (deterministic) hours before `now`. */
export function plannedTime(call: PlannedCall, index: number, now: number): number {
  return now - call.daysAgo * DAY - ((index * 7) % 9) * HOUR - 5 * 60_000;
}

/** The calls with their timestamps, oldest first. */
export function plannedCalls(now: number): { call: PlannedCall; at: number }[] {
  return CALLS.map((call, index) => ({ call, at: plannedTime(call, index, now) })).sort(
    (a, b) => a.at - b.at,
  );
}
