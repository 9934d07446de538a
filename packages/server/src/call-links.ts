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
  streamed?: boolean | undefined;
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
 * it, of the same provider, with the same token counts — or, when the event's call was streamed, none
 * recorded (instrumentations that record no usage on streams) — is taken for the same call, one for
 * one (`under:` keys; see `planLinks`). A span row holds one such key, its own parent's; `/v1/traces`
 * gives a span one only when nothing exact can name its call (no unique response id) and it is a chat
 * or completion call (a callback layer sees no embeddings).
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
    const counts = `${under}${facts.tokensInput}/${facts.tokensOutput}`;
    if (facts.source === 'span') keys.push(facts.usageMissing ? `${under}missing` : counts);
    else if (call.span_id === undefined) {
      // The call's own span is not known: a span under the same parent with the same counts, or, for a
      // streamed call, a span traced without counts.
      keys.push(counts);
      if (call.streamed === true) keys.push(`${under}missing`);
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
  /**
   * Stored events whose every `under:` key is to be deleted: a meter event whose call's span was found,
   * a span charge replaced (the write read only some holders, so these are deleted by event).
   */
  unlinkUnderOf: string[];
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
 * ids already stored among the rows that have links, and the stored holders of their links that can
 * matter, oldest first (the stores read a bounded set per link, `holderReads` in store/sql.ts; if these
 * rules change, those bounds must follow, and call-links-many-holders.test.ts checks them at random):
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
  // Sets keep insertion order (oldest holder first) and answer membership at once: a key many events
  // hold (a caller's span shared by every wrapped call under it) costs no more than a rare one.
  const byLink = new Map<string, Set<string>>();
  /** The `under:` keys each event holds, to spend them without a scan. */
  const underOf = new Map<string, Set<string>>();
  const hold = (linkKey: string, eventId: string) => {
    let set = byLink.get(linkKey);
    if (!set) {
      set = new Set();
      byLink.set(linkKey, set);
    }
    set.add(eventId);
    if (isUnder(linkKey)) {
      let keys = underOf.get(eventId);
      if (!keys) {
        keys = new Set();
        underOf.set(eventId, keys);
      }
      keys.add(linkKey);
    }
  };
  for (const holder of holders) {
    if (!events.has(holder.eventId))
      events.set(holder.eventId, { source: holder.source, supersededBy: holder.supersededBy });
    hold(holder.linkKey, holder.eventId);
  }
  const written = new Set<string>();
  const plan: LinkPlan = { decisions: [], links: [], supersede: [], unlink: [], unlinkUnderOf: [] };
  /** `under:` keys written by this write; one spent before the write ends is not written at all. */
  const pendingUnder = new Set<string>();
  const dropped = new Set<string>();
  /** Drops every `under:` key `eventId` holds: its call is matched, by its own span or the last resort. */
  const spend = (eventId: string) => {
    for (const linkKey of underOf.get(eventId) ?? []) {
      byLink.get(linkKey)?.delete(eventId);
      const pair = `${linkKey}\u0000${eventId}`;
      if (pendingUnder.delete(pair)) dropped.add(pair);
      else plan.unlink.push({ linkKey, eventId });
    }
    underOf.delete(eventId);
  };
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
      const exact = chargeOf(links, byLink, events);
      const existing = exact ?? underMatch(under, 'meter', byLink, events);
      if (existing !== undefined) {
        // The meter event found its call's span (exactly, or by the last resort): its own `under:`
        // keys are spent, stored or not (`unlinkUnderOf`), so they never take another call's span.
        if (existing.source === 'meter') {
          spend(existing.eventId);
          if (!written.has(existing.eventId)) plan.unlinkUnderOf.push(existing.eventId);
        }
        plan.decisions.push({ kind: 'linked', existing: existing.eventId });
        if (!events.has(existing.eventId))
          events.set(existing.eventId, { source: existing.source, supersededBy: null });
        for (const linkKey of links) {
          if (byLink.get(linkKey)?.has(existing.eventId)) continue;
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
    let matched = false;
    if (source === 'meter') {
      for (const linkKey of links) {
        for (const heldId of byLink.get(linkKey) ?? []) {
          const held = events.get(heldId) as HeldEvent;
          if (held.source !== 'span' || held.supersededBy !== null) continue;
          replace(heldId);
          // A replaced span charge is matched: its `under:` key goes, read by this write or not.
          spend(heldId);
          if (!written.has(heldId)) plan.unlinkUnderOf.push(heldId);
          matched = true;
        }
      }
      // Last resort, only when nothing exact named the call: one span charge under the span this event
      // names, of the same counts (or none, for a streamed call).
      const span = matched ? undefined : underMatch(under, 'span', byLink, events);
      if (span !== undefined) {
        replace(span.eventId);
        spend(span.eventId);
        matched = true;
      }
    }
    events.set(row.eventId, { source, supersededBy: null, decision });
    for (const linkKey of links) {
      hold(linkKey, row.eventId);
      plan.links.push({ linkKey, eventId: row.eventId, source });
    }
    if (!matched) {
      for (const linkKey of under) {
        hold(linkKey, row.eventId);
        plan.links.push({ linkKey, eventId: row.eventId, source });
        pendingUnder.add(`${linkKey}\u0000${row.eventId}`);
      }
    }
  }
  if (dropped.size > 0)
    plan.links = plan.links.filter((link) => !dropped.has(`${link.linkKey}\u0000${link.eventId}`));
  return plan;
}

/**
 * The first holder of one of the `under:` keys (in the order given: equal counts before "none
 * recorded") that came from `source` and still stands: a span charge not replaced, or any meter event.
 */
function underMatch(
  under: readonly string[],
  source: LinkSource,
  byLink: ReadonlyMap<string, ReadonlySet<string>>,
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
  byLink: ReadonlyMap<string, ReadonlySet<string>>,
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
