import type { BatchResolution } from '@agentmeter/client';
import type { MeterContext, OutcomeResolution, TrackEvent } from './types.js';

/** The contract's `EventId` pattern. */
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:~-]*$/;
const NON_ASCII = /[\u0080-\uffff]/;

/** Random bytes for event ids, drawn 4 KiB at a time (`uuid` draws 256 bytes, a syscall, every 16 ids). */
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
let lastMs = Number.NEGATIVE_INFINITY;
let counter = 0;

/** The offset of `count` fresh random bytes in POOL, refilling it when it runs out. */
function randomBytes(count: number): number {
  if (poolAt > POOL.length - count) {
    globalThis.crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += count;
  return at;
}

/**
 * A UUIDv7 laid out as `uuid`'s `v7()` lays it out (RFC 9562 method 1: a 32-bit counter, seeded
 * at random each millisecond and incremented within one, so ids minted in order sort in order),
 * with no Uint8Array per id: `track()` mints one per call. Random bytes are drawn as used: 4 for
 * the counter's seed once a millisecond, 6 for the tail of every id.
 */
export function uuidv7(): string {
  const now = Date.now();
  if (now > lastMs) {
    const seed = randomBytes(4);
    counter =
      ((POOL[seed] as number) << 23) |
      ((POOL[seed + 1] as number) << 16) |
      ((POOL[seed + 2] as number) << 8) |
      (POOL[seed + 3] as number);
    lastMs = now;
  } else {
    counter = (counter + 1) | 0;
    if (counter === 0) lastMs++;
  }
  const at = randomBytes(6);
  const ms = lastMs;
  const hex = (byte: number) => HEX[byte & 0xff] as string;
  // A concatenation is a tree of its 21 pieces (~450 bytes held for as long as the id is queued);
  // toLowerCase returns one flat string, as `uuid`'s stringify does.
  return (
    `${hex(ms / 0x10000000000)}${hex(ms / 0x100000000)}${hex(ms / 0x1000000)}${hex(ms / 0x10000)}-` +
    `${hex(ms / 0x100)}${hex(ms)}-${hex(0x70 | ((counter >>> 28) & 0x0f))}${hex(counter >>> 20)}-` +
    `${hex(0x80 | ((counter >>> 14) & 0x3f))}${hex(counter >>> 6)}-${hex((counter << 2) | ((POOL[at] as number) & 0x03))}` +
    `${hex(POOL[at + 1] as number)}${hex(POOL[at + 2] as number)}${hex(POOL[at + 3] as number)}${hex(POOL[at + 4] as number)}${hex(POOL[at + 5] as number)}`
  ).toLowerCase();
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** Node's native UTF-8 length, where there is one (about twice as fast as the regex test below). */
const nativeByteLength = (globalThis as { Buffer?: { byteLength(text: string, encoding: 'utf8'): number } })
  .Buffer?.byteLength;

/** UTF-8 length of a string (a lone surrogate counts 3 bytes, as it encodes to U+FFFD). */
export function utf8Length(text: string): number {
  if (nativeByteLength) return nativeByteLength(text, 'utf8');
  return portableUtf8Length(text);
}

/** UTF-8 length without Node: one native regex test for the common all-ASCII case. */
export function portableUtf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index++;
    } else bytes += 3; // includes a lone surrogate, which encodes as U+FFFD
  }
  return bytes;
}

/** An item ready for the queue: serialized once, here, and sent byte for byte as captured. */
export interface Captured {
  id: string;
  json: string;
  bytes: number;
}

export type CaptureResult = ({ ok: true } & Captured) | { ok: false; id: string; message: string };

let stampedAt = Number.NaN;
let stamp = '';
/** ISO time of `now`, reused while the millisecond is the same. */
function isoTime(now: number): string {
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  return stamp;
}

const invalid = (id: string, message: string): CaptureResult => ({ ok: false, id, message });

/**
 * Applies the context, stamps `timestamp` and mints `event_id` (UUIDv7) when absent, checks the few
 * things the server would otherwise reject for certain, and serializes the event once: the caller's
 * object is serialized as it is, and the fields it lacks are appended to the JSON, with no copy.
 */
export function captureEvent(
  input: TrackEvent,
  context: MeterContext | undefined,
  now: number,
): CaptureResult {
  if (typeof input !== 'object' || input === null)
    return invalid(uuidv7(), 'Expected the event to be an object.');
  const id = input.event_id !== undefined ? input.event_id : uuidv7();
  // A minted id matches the pattern by construction; only the caller's is checked.
  if (input.event_id !== undefined && (typeof id !== 'string' || id.length > 200 || !EVENT_ID.test(id))) {
    return invalid(String(id), `Expected \`event_id\` to match ${EVENT_ID} (at most 200 characters).`);
  }
  const agentId = input.agent_id !== undefined ? input.agent_id : context?.agent_id;
  if (typeof agentId !== 'string' || agentId.length === 0) {
    return invalid(id, 'Expected `agent_id` (on the event or from withContext) to be a non-empty string.');
  }
  const action = input.action !== undefined ? input.action : context?.action;
  if (typeof action !== 'string' || action.length === 0) {
    return invalid(id, 'Expected `action` (on the event or from withContext) to be a non-empty string.');
  }
  let json: string;
  try {
    json = JSON.stringify(
      context?.metadata ? { ...input, metadata: { ...context.metadata, ...input.metadata } } : input,
    );
  } catch (error) {
    return invalid(id, `The event cannot be serialized as JSON: ${(error as Error).message}`);
  }
  let tail = '';
  if (input.event_id === undefined) tail += `,"event_id":"${id}"`;
  if (input.timestamp === undefined) tail += `,"timestamp":"${isoTime(now)}"`;
  if (input.agent_id === undefined) tail += `,"agent_id":${JSON.stringify(agentId)}`;
  if (input.action === undefined) tail += `,"action":${JSON.stringify(action)}`;
  if (input.customer_id === undefined && context?.customer_id !== undefined) {
    tail += `,"customer_id":${JSON.stringify(context.customer_id)}`;
  }
  if (tail) json = json.length > 2 ? `${json.slice(0, -1)}${tail}}` : `{${tail.slice(1)}}`;
  return { ok: true, id, json, bytes: utf8Length(json) };
}

/** `out_` + the event id: the contract's outcome id. An id already starting with `out_` is taken as an outcome id. */
export function toOutcomeId(outcomeIdOrEventId: string): string {
  return outcomeIdOrEventId.startsWith('out_') ? outcomeIdOrEventId : `out_${outcomeIdOrEventId}`;
}

export type ResolutionCapture =
  | ({ ok: true } & Captured & { resolution: BatchResolution })
  | { ok: false; id: string; message: string };

export function captureResolution(
  outcomeIdOrEventId: string,
  outcome: OutcomeResolution,
  metadata: Record<string, unknown> | undefined,
): ResolutionCapture {
  if (typeof outcomeIdOrEventId !== 'string' || outcomeIdOrEventId.length === 0) {
    return { ok: false, id: String(outcomeIdOrEventId), message: 'Expected an outcome id or event id.' };
  }
  const id = toOutcomeId(outcomeIdOrEventId);
  if (id.length > 204 || !EVENT_ID.test(id.slice(4))) {
    return {
      ok: false,
      id,
      message: `Expected an outcome id \`out_<event id>\`, got ${JSON.stringify(id)}.`,
    };
  }
  if (outcome !== 'success' && outcome !== 'failure') {
    return {
      ok: false,
      id,
      message: `Expected the outcome to be 'success' or 'failure', got ${JSON.stringify(outcome)}.`,
    };
  }
  const resolution: BatchResolution = { outcome_id: id, outcome };
  if (metadata !== undefined) resolution.metadata = metadata;
  let json: string;
  try {
    json = JSON.stringify(resolution);
  } catch (error) {
    return {
      ok: false,
      id,
      message: `The resolution cannot be serialized as JSON: ${(error as Error).message}`,
    };
  }
  return { ok: true, id, json, bytes: utf8Length(json), resolution };
}
