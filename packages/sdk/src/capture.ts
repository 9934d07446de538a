import type { BatchResolution } from '@agentmeter/client';
import { v7 as uuidv7 } from 'uuid';
import type { MeterContext, OutcomeResolution, TrackEvent } from './types.js';

/** The contract's `EventId` pattern. */
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:~-]*$/;
const NON_ASCII = /[\u0080-\uffff]/;

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

/** ISO time of a millisecond, reused while the millisecond is the same; each Meter has its own. */
export class IsoClock {
  #at = Number.NaN;
  #stamp = '';

  iso(now: number): string {
    if (now !== this.#at) {
      this.#at = now;
      this.#stamp = new Date(now).toISOString();
    }
    return this.#stamp;
  }
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
  clock?: IsoClock,
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
  if (input.timestamp === undefined)
    tail += `,"timestamp":"${clock ? clock.iso(now) : new Date(now).toISOString()}"`;
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
