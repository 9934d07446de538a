// What identifies one model call across /v1/meter and /v1/traces (docs/call-identity.md): the links a
// record of the call carries. Two records sharing a link are the same call; the store keeps one charge.

/**
 * True when a provider response id is unique enough to identify one call: after a leading word and
 * `-` or `_` (`chatcmpl-`, `msg_`, `resp_`, `gen-`), at least 16 characters, not all digits (a counter
 * or a timestamp), with at least 8 different characters (`aaaa…` and `0000…` are placeholders).
 *
 * OpenAI, Anthropic, the Responses API, vLLM and OpenRouter ids pass; Ollama's `chatcmpl-0` …
 * `chatcmpl-998` (counting round) and a test server's `chatcmpl-123` for every call do not, so calls
 * answered with them are never merged by their id. `@agentmeter/sdk` keeps the same predicate: both
 * sides must agree on which ids link records.
 */
export function isUniqueResponseId(id: string): boolean {
  const body = id.replace(/^[A-Za-z]+[-_]/, '');
  if (body.length < 16 || /^\d+$/.test(body)) return false;
  return new Set(body).size >= 8;
}

/** The ids a record of a call carries (a meter event's `call`, or a span's own ids and response id). */
export interface CallIds {
  response_id?: string | undefined;
  trace_id?: string | undefined;
  span_id?: string | undefined;
  parent_span_id?: string | undefined;
}

/** What the last-resort match reads of a record besides its ids. */
export interface CallFacts {
  source: LinkSource;
  provider: string | undefined;
  tokensInput: number;
  tokensOutput: number;
  usageMissing: boolean;
}

/**
 * The link keys of a call: `id:<response id>` when the id is unique enough, `span:<trace>:<span>` when
 * both span ids are there. Empty when the record names nothing that could identify its call.
 *
 * Last resort, for a layer that cannot see the call's own span (a LangChain callback): its event names
 * the span that was active when the call started (`parent_span_id`), and a span charge directly under
 * it, of the same provider, with the same token counts (or none recorded), is taken for the same call —
 * one for one (`under:` keys; see `planLinks`). A span row holds one such key, its own parent's.
 */
export function linkKeys(call: CallIds | undefined, facts?: CallFacts): string[] {
  const keys: string[] = [];
  if (!call) return keys;
  if (call.response_id !== undefined && isUniqueResponseId(call.response_id))
    keys.push(`id:${call.response_id}`);
  if (call.trace_id !== undefined && call.span_id !== undefined)
    keys.push(`span:${call.trace_id}:${call.span_id}`);
  if (facts && call.trace_id !== undefined && call.parent_span_id !== undefined) {
    const under = `${UNDER}${call.trace_id}:${call.parent_span_id}:${(facts.provider ?? '').toLowerCase()}:`;
    if (facts.source === 'span')
      keys.push(
        facts.usageMissing ? `${under}missing` : `${under}${facts.tokensInput}/${facts.tokensOutput}`,
      );
    else if (call.span_id === undefined) {
      // The call's own span is not known: a span under the same parent with the same counts, or a span
      // of a call traced without counts.
      keys.push(`${under}${facts.tokensInput}/${facts.tokensOutput}`, `${under}missing`);
    }
  }
  return keys;
}

const UNDER = 'under:';
const isUnder = (linkKey: string) => linkKey.startsWith(UNDER);

/** Where a charged event came from: `/v1/meter`, or a span received on `/v1/traces`. */
export type LinkSource = 'meter' | 'span';

/** A stored event holding a link: what the store reads before it decides. */
export interface LinkHolder {
  linkKey: string;
  eventId: string;
  source: LinkSource;
  supersededBy: string | null;
}

/** One row of a write, as far as links go. */
export interface LinkedRow {
  eventId: string;
  links?: readonly string[] | undefined;
  source?: LinkSource | undefined;
}

/**
 * What to do with one row: write it (`supersededBy` set when a later meter row of the same write
 * replaces its charge); leave it, its id being taken already (a replay, or an id reused); or leave
 * it because its call is charged already, by `existing`.
 */
export type LinkDecision =
  | { kind: 'insert'; supersededBy: string | null }
  | { kind: 'taken' }
  | { kind: 'linked'; existing: string };

export interface LinkPlan {
  decisions: LinkDecision[];
  /** `call_links` rows to write. */
  links: { linkKey: string; eventId: string; source: LinkSource }[];
  /** `call_links` rows to delete: `under:` keys spent by a last-resort match (each matches once). */
  unlink: { linkKey: string; eventId: string }[];
  /** Events stored before this write whose charge a meter row of it replaces. */
  supersede: { eventId: string; by: string }[];
}

interface HeldEvent {
  source: LinkSource;
  supersededBy: string | null;
  /** The decision of the row that writes it, when it is written by this write. */
  decision?: { kind: 'insert'; supersededBy: string | null };
}

/**
 * Decides a write of events, row by row in order (a later row sees what an earlier one did), given the
 * ids already stored among the rows that have links, and every stored holder of their links:
 *
 * - a meter row is written (unless its id is taken) with its links, and every span charge holding one
 *   of them that is not replaced yet is replaced by it (`superseded_by`);
 * - a span row whose links any event holds already (meter or span) is not written: its call is charged
 *   by that event, which takes the span's other links as well (a meter event naming the call by
 *   either then finds the charge); otherwise it is written with its links.
 *
 * The caller holds the write lock on every link (a transaction on SQLite, advisory locks on
 * PostgreSQL), so what it read is still true while the plan is carried out.
 */
export function planLinks(
  rows: readonly LinkedRow[],
  storedIds: ReadonlySet<string>,
  holders: readonly LinkHolder[],
): LinkPlan {
  const events = new Map<string, HeldEvent>();
  const byLink = new Map<string, string[]>();
  const hold = (linkKey: string, eventId: string) => {
    const list = byLink.get(linkKey);
    if (!list) byLink.set(linkKey, [eventId]);
    else if (!list.includes(eventId)) list.push(eventId);
  };
  for (const holder of holders) {
    if (!events.has(holder.eventId))
      events.set(holder.eventId, { source: holder.source, supersededBy: holder.supersededBy });
    hold(holder.linkKey, holder.eventId);
  }
  const written = new Set<string>();
  const plan: LinkPlan = { decisions: [], links: [], supersede: [], unlink: [] };
  /** Drops every `under:` key `eventId` holds: its one last-resort match is made. */
  const spend = (eventId: string) => {
    for (const [linkKey, list] of byLink) {
      if (!isUnder(linkKey)) continue;
      const at = list.indexOf(eventId);
      if (at === -1) continue;
      list.splice(at, 1);
      if (pendingUnder.delete(`${linkKey}\u0000${eventId}`)) {
        plan.links = plan.links.filter((link) => link.linkKey !== linkKey || link.eventId !== eventId);
      } else plan.unlink.push({ linkKey, eventId });
    }
  };
  /** `under:` keys written by this write (spending one removes it from `plan.links` instead). */
  const pendingUnder = new Set<string>();
  for (const row of rows) {
    if (storedIds.has(row.eventId) || written.has(row.eventId)) {
      plan.decisions.push({ kind: 'taken' });
      continue;
    }
    const allLinks = row.links ?? [];
    const links = allLinks.filter((linkKey) => !isUnder(linkKey));
    const under = allLinks.filter(isUnder);
    const source = row.source ?? 'meter';
    if (source === 'span') {
      const existing = chargeOf(links, byLink, events) ?? underMatch(under, 'meter', byLink, events);
      if (existing !== undefined && under.some((linkKey) => byLink.get(linkKey)?.includes(existing.eventId)))
        spend(existing.eventId);
      if (existing !== undefined) {
        plan.decisions.push({ kind: 'linked', existing: existing.eventId });
        if (!events.has(existing.eventId))
          events.set(existing.eventId, { source: existing.source, supersededBy: null });
        for (const linkKey of links) {
          if (byLink.get(linkKey)?.includes(existing.eventId)) continue;
          hold(linkKey, existing.eventId);
          plan.links.push({ linkKey, eventId: existing.eventId, source: existing.source });
        }
        continue;
      }
    }
    const decision = { kind: 'insert' as const, supersededBy: null as string | null };
    plan.decisions.push(decision);
    written.add(row.eventId);
    const replace = (heldId: string) => {
      const held = events.get(heldId) as HeldEvent;
      held.supersededBy = row.eventId;
      if (held.decision) held.decision.supersededBy = row.eventId;
      else plan.supersede.push({ eventId: heldId, by: row.eventId });
    };
    let matchedUnder = false;
    if (source === 'meter') {
      for (const linkKey of links) {
        for (const heldId of byLink.get(linkKey) ?? []) {
          const held = events.get(heldId) as HeldEvent;
          if (held.source !== 'span' || held.supersededBy !== null) continue;
          replace(heldId);
        }
      }
      // Last resort: one span charge under the span this event names, of the same counts or none.
      const span = underMatch(under, 'span', byLink, events);
      if (span !== undefined) {
        replace(span.eventId);
        spend(span.eventId);
        matchedUnder = true;
      }
    }
    events.set(row.eventId, { source, supersededBy: null, decision });
    for (const linkKey of links) {
      hold(linkKey, row.eventId);
      plan.links.push({ linkKey, eventId: row.eventId, source });
    }
    if (!matchedUnder) {
      for (const linkKey of under) {
        hold(linkKey, row.eventId);
        plan.links.push({ linkKey, eventId: row.eventId, source });
        pendingUnder.add(`${linkKey}\u0000${row.eventId}`);
      }
    }
  }
  return plan;
}

/**
 * The first holder of one of the `under:` keys (in the order given: equal counts before "none
 * recorded") that came from `source` and still stands: a span charge not replaced, or any meter event.
 */
function underMatch(
  under: readonly string[],
  source: LinkSource,
  byLink: ReadonlyMap<string, string[]>,
  events: ReadonlyMap<string, HeldEvent>,
): { eventId: string; source: LinkSource } | undefined {
  for (const linkKey of under) {
    for (const eventId of byLink.get(linkKey) ?? []) {
      const held = events.get(eventId) as HeldEvent;
      if (held.source !== source) continue;
      if (source === 'span' && held.supersededBy !== null) continue;
      return { eventId, source };
    }
  }
  return undefined;
}

/**
 * The charge standing for a call named by `links`, if any event holds one of them: a meter event first,
 * then a span charge not replaced, then the meter event that replaced a span charge.
 */
function chargeOf(
  links: readonly string[],
  byLink: ReadonlyMap<string, string[]>,
  events: ReadonlyMap<string, HeldEvent>,
): { eventId: string; source: LinkSource } | undefined {
  let standing: string | undefined;
  let replacedBy: string | undefined;
  for (const linkKey of links) {
    for (const eventId of byLink.get(linkKey) ?? []) {
      const held = events.get(eventId) as HeldEvent;
      if (held.source === 'meter') return { eventId, source: 'meter' };
      if (held.supersededBy === null) standing ??= eventId;
      else replacedBy ??= held.supersededBy;
    }
  }
  if (standing !== undefined) return { eventId: standing, source: 'span' };
  if (replacedBy !== undefined) return { eventId: replacedBy, source: 'meter' };
  return undefined;
}
