// Replays the planned calls through the three metered agents, then the replies to the outreach emails.
import { MeterError, type PricedEvent } from '@agentmeter/sdk';
import type OpenAI from 'openai';
import { CliError } from '../errors.js';
import { classifyTicket, document, draftOutreach, researchBrief } from './agents.js';
import type { EventClock } from './event-clock.js';
import {
  type AgentId,
  type CustomerId,
  OUTCOME_WINDOW,
  type OutreachFate,
  plannedCalls,
} from './scenario.js';

export interface CallRow {
  at: string;
  customer: CustomerId;
  agent: AgentId;
  /** What the call was about: the research topic, the ticket, the prospect. */
  subject: string;
  streamed: boolean;
  model: string;
  tokens_input: number;
  tokens_output: number;
  event_id: string;
  tier: string;
  currency: string;
  /** The server's exact price of the call. */
  price: string;
  outcome_id: string | null;
  fate: OutreachFate | null;
}

export interface ResolutionRow {
  customer: CustomerId;
  /** The prospect the email went to, and when. */
  prospect: string;
  sent_at: string;
  outcome_id: string;
  fate: OutreachFate;
  /** `success`/`failure`: resolved now; `refused`: a reply after expiry; `open`: still pending. */
  status: 'success' | 'failure' | 'refused' | 'open';
  /** What the resolution charged (exact), when it was resolved. */
  charged: string | null;
  note: string;
}

export interface TrafficOptions {
  clock: EventClock;
  clients: Record<AgentId, OpenAI>;
  model: string;
  now: number;
  onCall?: (row: CallRow) => void;
  onResolution?: (row: ResolutionRow) => void;
}

/** Runs every planned call (oldest first) and prices each through the Meter; returns one row per call. */
export async function runCalls(options: TrafficOptions): Promise<CallRow[]> {
  const { clock, clients, model, now } = options;
  const prices = new Map<string, PricedEvent>();
  const stop = clock.meter.on('priced', (events) => {
    for (const event of events) prices.set(event.event_id, event);
  });
  const rows: CallRow[] = [];
  try {
    for (const { call, at } of plannedCalls(now)) {
      const timestamp = new Date(at).toISOString();
      const stamp =
        call.agent === 'outreach-agent'
          ? {
              timestamp,
              outcome: 'pending' as const,
              expires_at: new Date(at + OUTCOME_WINDOW).toISOString(),
            }
          : { timestamp };
      const client = clients[call.agent];
      const { eventId, event } = await clock.meter
        .withContext({ customer_id: call.customer }, () =>
          clock.at(stamp, async () => {
            if (call.agent === 'research-agent')
              return researchBrief(client, model, call.topic, document(call.topic, call.sourceTokens));
            if (call.agent === 'ticket-classifier') return classifyTicket(client, model, call.ticket);
            return draftOutreach(client, model, call.prospect);
          }),
        )
        .catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          throw new CliError(`the ${call.agent} call for ${call.customer} failed: ${message.split('\n')[0]}`);
        });
      await clock.meter.flush();
      const priced = prices.get(eventId);
      if (!priced) throw new Error(`The server did not price event ${eventId}.`);
      const row: CallRow = {
        at: timestamp,
        customer: call.customer,
        agent: call.agent,
        subject:
          call.agent === 'research-agent'
            ? call.topic
            : call.agent === 'ticket-classifier'
              ? `ticket TK-${call.ticket}`
              : call.prospect,
        streamed: call.agent === 'research-agent',
        model: event.model ?? model,
        tokens_input: event.tokens_input ?? 0,
        tokens_output: event.tokens_output ?? 0,
        event_id: eventId,
        tier: priced.tier,
        currency: priced.currency,
        price: priced.price.total,
        outcome_id: priced.outcome_id,
        fate: call.agent === 'outreach-agent' ? call.fate : null,
      };
      rows.push(row);
      options.onCall?.(row);
    }
  } finally {
    stop();
  }
  return rows;
}

/** Days later: replies to the outreach emails resolve their outcomes; a late reply is refused. */
export async function resolveOutcomes(
  options: Pick<TrafficOptions, 'clock' | 'onResolution'>,
  calls: CallRow[],
): Promise<ResolutionRow[]> {
  const rows: ResolutionRow[] = [];
  for (const call of calls) {
    if (!call.fate || !call.outcome_id) continue;
    const base = {
      customer: call.customer,
      prospect: call.subject,
      sent_at: call.at,
      outcome_id: call.outcome_id,
      fate: call.fate,
    };
    let row: ResolutionRow;
    if (call.fate === 'success' || call.fate === 'failure') {
      const response = await options.clock.meter.resolveNow(call.outcome_id, call.fate, {
        reply: call.fate === 'success' ? 'meeting booked' : 'not interested',
      });
      row = {
        ...base,
        status: response.status,
        charged: response.price.total,
        note: call.fate === 'success' ? 'reply: meeting booked' : 'reply: not interested',
      };
    } else if (call.fate === 'expired') {
      try {
        const response = await options.clock.meter.resolveNow(call.outcome_id, 'success', { reply: 'late' });
        row = {
          ...base,
          status: response.status,
          charged: response.price.total,
          note: 'late reply accepted (unexpected)',
        };
      } catch (error) {
        if (!MeterError.isInstance(error) || error.status !== 409) throw error;
        const code = (error.problem as { code?: string } | undefined)?.code ?? 'conflict';
        row = { ...base, status: 'refused', charged: null, note: `reply after 7 days refused (${code})` };
      }
    } else {
      row = { ...base, status: 'open', charged: null, note: 'no reply yet; expires 7 days after sending' };
    }
    rows.push(row);
    options.onResolution?.(row);
  }
  return rows;
}
