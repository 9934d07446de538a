import type {
  BatchEventResult,
  BatchRequest,
  BatchResolutionResult,
  BatchResponse,
  ItemError,
} from '@agentmeter/client';
import type { QueueItem } from './queue.js';
import type { JsonOf } from './serialized-requests.js';
import type { MeterErrorInfo, PricedEvent } from './types.js';

/** Bytes of `{"events":[],"resolutions":[]}`: a batch body without items. */
export const EMPTY_BATCH_BYTES = 30;

/** A prefix of the queue, sent as one request under one key until the server answers it. */
export interface Batch {
  key: string;
  /** All members, in queue order. */
  items: QueueItem[];
  events: QueueItem[];
  resolutions: QueueItem[];
  /** The request body, built once from the items' captured JSON; identical on every attempt. */
  body: JsonOf<BatchRequest>;
}

export function buildBatch(key: string, items: QueueItem[]): Batch {
  const events: QueueItem[] = [];
  const resolutions: QueueItem[] = [];
  for (const item of items) (item.kind === 'event' ? events : resolutions).push(item);
  let body = `{"events":[${events.map((item) => item.json).join(',')}]`;
  if (resolutions.length > 0) body += `,"resolutions":[${resolutions.map((item) => item.json).join(',')}]`;
  body += '}';
  return { key, items, events, resolutions, body };
}

export interface BatchOutcome {
  /** Accepted or duplicate: done. */
  acked: QueueItem[];
  /** Rejected for good, with the server's error. */
  rejected: { item: QueueItem; error: ItemError | undefined }[];
  /** Rejected as retryable, or missing from the response: to be sent again, in queue order. */
  retry: QueueItem[];
  priced: PricedEvent[];
}

function resultFor<T extends { index: number }>(results: readonly T[], index: number): T | undefined {
  const positional = results[index];
  if (positional?.index === index) return positional;
  return results.find((result) => result.index === index);
}

function pricedFrom(result: BatchEventResult): PricedEvent | undefined {
  if (result.event_id === null || result.price === undefined || result.status === 'rejected')
    return undefined;
  return {
    event_id: result.event_id,
    status: result.status,
    price_charged: result.price_charged ?? Number(result.price.total),
    price: result.price,
    currency: result.currency ?? '',
    tier: result.tier ?? '',
    outcome_id: result.outcome_id ?? null,
  };
}

/**
 * Sorts a batch's members by the server's per-item results. An item whose result is missing, or
 * names another id, is sent again: the server dedupes by id, so resending is always safe.
 */
export function interpretResults(batch: Batch, response: BatchResponse): BatchOutcome {
  const outcome: BatchOutcome = { acked: [], rejected: [], retry: [], priced: [] };
  const retry = new Set<QueueItem>();
  const sort = (
    item: QueueItem,
    result: BatchEventResult | BatchResolutionResult | undefined,
    resultId: string | null | undefined,
  ) => {
    if (!result || (resultId !== null && resultId !== undefined && resultId !== item.id)) retry.add(item);
    else if (result.status === 'accepted' || result.status === 'duplicate') outcome.acked.push(item);
    else if (result.error?.retryable) retry.add(item);
    else outcome.rejected.push({ item, error: result.error });
  };
  const results = Array.isArray(response.results) ? response.results : [];
  batch.events.forEach((item, index) => {
    const result = resultFor(results, index);
    sort(item, result, result?.event_id);
    if (
      result &&
      (result.status === 'accepted' || result.status === 'duplicate') &&
      result.event_id === item.id
    ) {
      const priced = pricedFrom(result);
      if (priced) outcome.priced.push(priced);
    }
  });
  const resolutionResults = Array.isArray(response.resolution_results) ? response.resolution_results : [];
  batch.resolutions.forEach((item, index) => {
    const result = resultFor(resolutionResults, index);
    sort(item, result, result?.outcome_id);
  });
  outcome.retry = batch.items.filter((item) => retry.has(item));
  return outcome;
}

/** One `rejected` error per server error code, naming every item it rejected. */
export function rejectionReports(rejected: BatchOutcome['rejected']): MeterErrorInfo[] {
  const byCode = new Map<string, BatchOutcome['rejected']>();
  for (const entry of rejected) {
    const code = entry.error?.code ?? 'rejected';
    byCode.set(code, [...(byCode.get(code) ?? []), entry]);
  }
  return [...byCode].map(([code, entries]) => ({
    code: 'rejected',
    message: `The server rejected ${entries.length} item(s) (${code}): ${entries[0]?.error?.message ?? 'no reason given'}`,
    ids: entries.map((entry) => entry.item.id),
    cause: entries.map((entry) => ({ id: entry.item.id, error: entry.error })),
  }));
}
