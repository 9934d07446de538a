import {
  type Amounts,
  addPrice,
  type Candidate,
  compileTier,
  createRepricer,
  formatDecimal,
  formatMoney,
  PricingError,
  referenceCandidates,
  type Simulation,
  simulateWorkload,
  zeroAmounts,
} from '@agentmeter/pricing';
import type { RouteDefinition } from '../app.js';
import type { QueryOf, Schemas } from '../contract-types.js';
import { iso, ledgerEvent } from '../presenters.js';
import { notFound, unprocessable, validationError } from '../problem.js';
import type { EventFilters, InvoiceRow, UsageDimension, UsageRow } from '../store/types.js';
import { type OperationContext, route } from '../typed-route.js';

/** Lets timers, I/O and other requests run before the caller goes on. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const END_OF_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1;

/** The filters of the ledger reads: their query parameters, or a simulation's `history`. */
type FilterInput =
  | QueryOf<'listEvents'>
  | QueryOf<'getUsage'>
  | NonNullable<Schemas['SimulateRequest']['history']>;

function filtersOf(input: FilterInput): EventFilters {
  const from = input.from === undefined ? 0 : Date.parse(input.from);
  const to = input.to === undefined ? END_OF_TIME : Date.parse(input.to);
  if (!(from < to)) throw validationError([{ field: 'query.from', message: 'must be before `to`' }]);
  return {
    from,
    to,
    customerId: input.customer_id,
    agentId: input.agent_id,
    action: 'action' in input ? input.action : undefined,
  };
}

const amountsView = (amounts: Amounts): Schemas['Amounts'] => ({
  base: formatMoney(amounts.base),
  tokens: formatMoney(amounts.tokens),
  outcome: formatMoney(amounts.outcome),
  total: formatMoney(amounts.total),
});

function groupView(row: UsageRow, amounts: Amounts, groupBy: UsageDimension[]): Schemas['UsageGroup'] {
  const key: Schemas['UsageGroup']['key'] = {};
  if (groupBy.includes('customer_id')) key.customer_id = row.customerId;
  if (groupBy.includes('agent_id')) key.agent_id = row.agentId;
  if (groupBy.includes('action')) key.action = row.action;
  if (groupBy.includes('day')) key.day = row.day;
  return {
    key,
    currency: row.currency,
    calls: row.calls,
    usage_missing_events: row.usageMissing,
    tokens: {
      input: row.tokensInput,
      output: row.tokensOutput,
      cached_input: row.tokensCachedInput,
      cache_write: row.tokensCacheWrite,
      reasoning: row.tokensReasoning,
      cache_write_1h: row.tokensCacheWrite1h,
      audio_input: row.tokensAudioInput,
      audio_output: row.tokensAudioOutput,
      web_search_requests: row.webSearchRequests,
    },
    outcomes: { pending: row.pending, success: row.success, failure: row.failure, expired: row.expired },
    amounts: amountsView(amounts),
  };
}

const usage = route('getUsage')({
  scope: 'admin',
  handler: async (context) => {
    const filters = filtersOf(context.query);
    // The contract's pattern allows only the dimensions, comma-separated.
    const groupBy =
      context.query.group_by === undefined ? [] : (context.query.group_by.split(',') as UsageDimension[]);
    if (new Set(groupBy).size !== groupBy.length)
      throw validationError([{ field: 'query.group_by', message: 'names a dimension twice' }]);
    const rows = await context.store.usage(context.projectId, filters, groupBy, context.now);
    const totals = new Map<string, { row: UsageRow; amounts: Amounts }>();
    const groups = rows.map((row) => {
      const amounts = addPrice(zeroAmounts(), {
        base: row.baseAmount,
        tokens: row.tokenAmount,
        outcome: row.outcomeAmount,
      });
      let total = totals.get(row.currency);
      if (!total) {
        total = {
          row: {
            ...row,
            calls: 0,
            tokensInput: 0,
            tokensOutput: 0,
            tokensCachedInput: 0,
            tokensCacheWrite: 0,
            tokensReasoning: 0,
            tokensCacheWrite1h: 0,
            tokensAudioInput: 0,
            tokensAudioOutput: 0,
            webSearchRequests: 0,
            pending: 0,
            success: 0,
            failure: 0,
            expired: 0,
            usageMissing: 0,
          },
          amounts: zeroAmounts(),
        };
        totals.set(row.currency, total);
      }
      for (const field of [
        'calls',
        'tokensInput',
        'tokensOutput',
        'tokensCachedInput',
        'tokensCacheWrite',
        'tokensReasoning',
        'tokensCacheWrite1h',
        'tokensAudioInput',
        'tokensAudioOutput',
        'webSearchRequests',
        'pending',
        'success',
        'failure',
        'expired',
        'usageMissing',
      ] as const) {
        total.row[field] += row[field];
      }
      addPrice(total.amounts, amounts);
      return groupView(row, amounts, groupBy);
    });
    return {
      status: 200,
      body: {
        from: iso(filters.from),
        to: iso(Math.min(filters.to, END_OF_TIME - 1)),
        group_by: groupBy,
        groups,
        totals: [...totals.values()].map(({ row, amounts }) => groupView(row, amounts, [])),
      },
    };
  },
});

const COMPONENT_DESCRIPTION = { base: 'Calls', tokens: 'Tokens', outcome: 'Successful outcomes' } as const;

/** The token line's amount holds the web-search fees too: its description says how many searches. */
function lineDescription(component: keyof typeof COMPONENT_DESCRIPTION, row: InvoiceRow): string {
  const searches = row.webSearchRequests;
  if (component !== 'tokens' || searches === 0) return COMPONENT_DESCRIPTION[component];
  return `Tokens and ${searches} web search${searches === 1 ? '' : 'es'}`;
}

const invoice = route('previewInvoice')({
  scope: 'admin',
  handler: async (context) => {
    const filters = filtersOf(context.query);
    const customerId = context.query.customer_id;
    const rows = await context.store.invoice(context.projectId, customerId, filters.from, filters.to);
    const lines = rows.flatMap((row) =>
      (
        [
          ['base', row.calls, row.baseAmount],
          ['tokens', row.tokens, row.tokenAmount],
          ['outcome', row.successes, row.outcomeAmount],
        ] as const
      )
        .filter(([, , amount]) => amount > 0n)
        .map(([component, quantity, amount]) => ({
          tier: row.tierId,
          tier_version: row.tierVersion,
          component,
          description: `${lineDescription(component, row)} (tier ${row.tierId} v${row.tierVersion})`,
          quantity,
          currency: row.currency,
          amount,
        })),
    );
    const totals = new Map<string, Amounts>();
    for (const line of lines) {
      const total = totals.get(line.currency) ?? zeroAmounts();
      addPrice(total, { base: line.amount, tokens: 0n, outcome: 0n });
      totals.set(line.currency, total);
    }
    const single = totals.size === 1 ? [...totals][0] : undefined;
    return {
      status: 200,
      body: {
        customer_id: customerId,
        from: iso(filters.from),
        to: iso(Math.min(filters.to, END_OF_TIME - 1)),
        lines: lines.map((line) => ({ ...line, amount: formatMoney(line.amount) })),
        totals: [...totals].map(([currency, amounts]) => ({ currency, total: formatMoney(amounts.total) })),
        currency: single ? single[0] : null,
        total: single ? formatMoney(single[1].total) : totals.size === 0 ? formatMoney(0n) : null,
      },
    };
  },
});

function decodeCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  try {
    const seq = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown }).s;
    if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0) return seq;
  } catch {}
  throw validationError([{ field: 'query.cursor', message: 'is not a cursor this server issued' }]);
}

const events = route('listEvents')({
  scope: 'admin',
  handler: async (context) => {
    const limit = context.query.limit ?? 100;
    const rows = await context.store.listEvents(
      context.projectId,
      filtersOf(context.query),
      decodeCursor(context.query.cursor),
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      status: 200,
      body: {
        data: page.map((row) => ledgerEvent(row, context.now)),
        next_cursor:
          rows.length > limit && last
            ? Buffer.from(JSON.stringify({ s: last.seq })).toString('base64url')
            : null,
      },
    };
  },
});

const event = route('getEvent')({
  scope: 'admin',
  handler: async (context) => {
    const eventId = context.params.event_id;
    const row = await context.store.getEvent(context.projectId, eventId);
    if (!row) throw notFound(`Event "${eventId}"`);
    return { status: 200, body: ledgerEvent(row, context.now) };
  },
});

async function candidatesOf(context: OperationContext<'simulate'>, body: Schemas['SimulateRequest']) {
  const candidates: Candidate[] = [];
  for (const [index, tierId] of (body.tiers ?? []).entries()) {
    const row = await context.store.getTier(context.projectId, tierId);
    if (!row)
      throw unprocessable('unknown_tier', `/tiers/${index}`, `There is no tier "${tierId}" in this project.`);
    candidates.push({ name: tierId, version: row.version, tier: compileTier(JSON.parse(row.definition)) });
  }
  for (const [name, input] of Object.entries(body.candidates ?? {})) {
    try {
      candidates.push({ name, tier: compileTier(input) });
    } catch (error) {
      if (PricingError.isInstance(error))
        throw unprocessable(error.code, `/candidates/${name}/${error.field}`, error.message);
      throw error;
    }
  }
  return candidates.length > 0 ? candidates : referenceCandidates();
}

function simulationView(source: 'workload' | 'history', simulation: Simulation): Schemas['SimulateResponse'] {
  return {
    source,
    calls: simulation.calls,
    successes: simulation.successes,
    tokens: {
      input: simulation.tokens.input,
      output: simulation.tokens.output,
      cached_input: simulation.tokens.cachedInput,
      cache_write: simulation.tokens.cacheWrite,
      reasoning: simulation.tokens.reasoning,
      cache_write_1h: simulation.tokens.cacheWrite1h,
      audio_input: simulation.tokens.audioInput,
      audio_output: simulation.tokens.audioOutput,
      web_search_requests: simulation.tokens.webSearchRequests,
    },
    results: simulation.results.map((result) => ({
      name: result.name,
      tier_version: result.tierVersion,
      currency: result.currency,
      calls: result.calls,
      successes: result.successes,
      success_rate: formatDecimal(result.successRate),
      revenue: amountsView(result.revenue),
      revenue_per_call: formatMoney(result.revenuePerCall),
      revenue_per_success: result.revenuePerSuccess === null ? null : formatMoney(result.revenuePerSuccess),
    })),
  };
}

const simulate = route('simulate')({
  scope: 'admin',
  handler: async (context) => {
    const body = context.body;
    if ((body.workload === undefined) === (body.history === undefined)) {
      throw validationError([
        { field: '/workload', message: 'give exactly one of `workload` and `history`' },
      ]);
    }
    const candidates = await candidatesOf(context, body);
    if (body.workload) {
      try {
        return { status: 200, body: simulationView('workload', simulateWorkload(body.workload, candidates)) };
      } catch (error) {
        if (PricingError.isInstance(error))
          throw unprocessable(error.code, `/workload/${error.field}`, error.message);
        throw error;
      }
    }
    const history = body.history as NonNullable<typeof body.history>;
    const filters = filtersOf(history);
    const repricer = createRepricer(candidates);
    // Page by page, each page repriced against every candidate and then the event loop given back:
    // a history of millions of events takes as long as it takes, but never holds up other requests.
    // A page costs ~ rows × candidates (~2 µs each here): it shrinks as the candidates grow (at most
    // 40), and a page that still runs past ~10 ms gives way in its middle.
    const pageSize = Math.max(100, Math.floor(4000 / candidates.length));
    for (let after = 0; ; ) {
      const page = await context.store.scanEvents(context.projectId, filters, after, pageSize);
      let sliceStart = performance.now();
      for (const [index, event] of page.entries()) {
        if (index % 64 === 63 && performance.now() - sliceStart > 10) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
        repricer.add({
          action: event.action,
          tokens_input: event.tokensInput,
          tokens_output: event.tokensOutput,
          tokens_cached_input: event.tokensCachedInput,
          tokens_cache_write: event.tokensCacheWrite,
          tokens_reasoning: event.tokensReasoning,
          tokens_cache_write_1h: event.tokensCacheWrite1h,
          tokens_audio_input: event.tokensAudioInput,
          tokens_audio_output: event.tokensAudioOutput,
          web_search_requests: event.webSearchRequests,
          succeeded: event.outcomeState === 'success',
        });
      }
      const last = page[page.length - 1];
      if (!last || page.length < pageSize) break;
      after = last.seq;
      await yieldToEventLoop();
    }
    return { status: 200, body: simulationView('history', repricer.result()) };
  },
});

export const readRoutes: RouteDefinition[] = [usage, invoice, events, event, simulate];
