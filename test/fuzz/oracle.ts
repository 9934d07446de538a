// What every fuzzed response must satisfy, and how the stored state may move.
import type { Store } from '@agentmeter/server';
import { units } from '../chaos/expected.js';
import type { FuzzRequest } from './requests.js';

/** The state a request can change: the ledger's calls and money, resolutions, tiers, keys. */
export interface Fingerprint {
  calls: number;
  total: bigint;
  resolved: number;
  tiers: string;
  keys: string;
}

const END_OF_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 1;

/** Operations that change configuration (tiers, assignments, keys) rather than the ledger. */
export const CONFIGURATION = new Set(['putTier', 'putCustomer', 'putAgent', 'createKey', 'revokeKey']);

/**
 * The state now. `previous` is reused for tiers and keys unless `withConfiguration` (one query
 * instead of three after a metering request: those cannot touch configuration).
 */
export async function fingerprint(
  store: Store,
  projectId: string,
  now: number,
  previous?: Fingerprint,
  withConfiguration = true,
): Promise<Fingerprint> {
  const rows = await store.usage(projectId, { from: 0, to: END_OF_TIME }, [], now);
  let calls = 0;
  let total = 0n;
  let resolved = 0;
  for (const row of rows) {
    calls += row.calls;
    total += row.baseAmount + row.tokenAmount + row.outcomeAmount;
    resolved += row.success + row.failure;
  }
  if (previous && !withConfiguration)
    return { calls, total, resolved, tiers: previous.tiers, keys: previous.keys };
  const tiers = (await store.listTiers(projectId)).map((tier) => `${tier.tierId}@${tier.version}`).join(',');
  const keys = (await store.listKeys(projectId))
    .map((key) => `${key.keyId}:${key.revokedAt ?? '-'}`)
    .join(',');
  return { calls, total, resolved, tiers, keys };
}

/** Operations that may change stored state when they succeed. */
export const WRITES = new Set([
  'meterEvent',
  'meterBatch',
  'exportTraces',
  'resolveOutcome',
  'putTier',
  'putCustomer',
  'putAgent',
  'createKey',
  'revokeKey',
]);

const STACK = /\n\s+at |node_modules|\.[cm]?[jt]s:\d+|\/work\//;

/** Checks the response itself: never a 5xx, every error a problem with a code (and fields for a 400). */
export function responseViolations(status: number, headers: Headers, text: string): string[] {
  const problems: string[] = [];
  if (status >= 500) problems.push(`status ${status}: ${text.slice(0, 300)}`);
  if (STACK.test(text)) problems.push(`internals in the body: ${text.slice(0, 300)}`);
  if (status < 400) return problems;
  const type = headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json'))
    problems.push(`error ${status} with content-type ${type}`);
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    problems.push(`error ${status} with a body that is not JSON: ${text.slice(0, 100)}`);
    return problems;
  }
  if (typeof body?.code !== 'string' || body.code === '') problems.push(`error ${status} without a code`);
  if (body?.status !== status) problems.push(`problem.status ${body?.status} on a ${status}`);
  if (typeof body?.type !== 'string' || typeof body?.title !== 'string')
    problems.push(`problem without type/title: ${text.slice(0, 200)}`);
  if (status === 400) {
    const fields = Array.isArray(body?.errors) ? body.errors : [];
    if (fields.length === 0 || !fields.every((error: any) => typeof error?.field === 'string' && error.field))
      problems.push(`400 ${body?.code} without a failing field: ${text.slice(0, 200)}`);
  }
  if (Array.isArray(body?.errors) && !body.errors.every((error: any) => typeof error?.field === 'string'))
    problems.push(`problem errors[] without field: ${text.slice(0, 200)}`);
  return problems;
}

const same = (a: Fingerprint, b: Fingerprint, keys: (keyof Fingerprint)[]) =>
  keys.filter((key) => a[key] !== b[key]);

/** Checks how the state moved: a rejected request changes nothing; an accepted one, exactly what it reports. */
export function stateViolations(
  request: FuzzRequest,
  status: number,
  body: any,
  before: Fingerprint,
  after: Fingerprint,
): string[] {
  const id = request.operation.operationId;
  const all: (keyof Fingerprint)[] = ['calls', 'total', 'resolved', 'tiers', 'keys'];
  const changed = (keys: (keyof Fingerprint)[]) => same(before, after, keys);
  const report = (what: string, keys: (keyof Fingerprint)[]) =>
    keys.length === 0
      ? []
      : [
          `${what} changed ${keys.join(', ')}: ${keys.map((key) => `${before[key]} -> ${after[key]}`).join('; ')}`,
        ];
  if (status >= 400) return report(`a rejected ${id} (${status} ${body?.code})`, changed(all));
  if (!WRITES.has(id)) return report(`the read ${id}`, changed(all));
  const problems: string[] = [];
  if (id === 'meterEvent' || id === 'meterBatch' || id === 'resolveOutcome') {
    let calls = 0;
    let money = 0n;
    if (id === 'meterEvent' && !body.replayed) {
      calls = 1;
      money = units(body.price.total);
    }
    if (id === 'resolveOutcome' && !body.replayed) money = units(body.price.total);
    if (id === 'meterBatch') {
      for (const result of body.results) {
        if (result.status !== 'accepted') continue;
        calls++;
        money += units(result.price.total);
      }
      for (const result of body.resolution_results)
        if (result.status === 'accepted') money += units(result.price);
    }
    if (after.calls - before.calls !== calls)
      problems.push(`${id} reported ${calls} new event(s); the ledger gained ${after.calls - before.calls}`);
    if (after.total - before.total !== money)
      problems.push(`${id} reported charges of ${money}; the ledger gained ${after.total - before.total}`);
    problems.push(...report(id, changed(['tiers', 'keys'])));
  } else if (id !== 'exportTraces') {
    // Configuration never touches what was charged.
    problems.push(...report(`${id} (configuration)`, changed(['calls', 'total', 'resolved'])));
  }
  return problems;
}
