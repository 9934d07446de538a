import type { BatchResolution, MeterEvent } from '@agentmeter/client';
import { v7 as uuidv7 } from 'uuid';
import type { MeterContext, OutcomeResolution, TrackEvent } from './types.js';

/** The contract's `EventId` pattern. */
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:~-]*$/;
const NON_ASCII = /[\u0080-\uffff]/;

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** UTF-8 length of a string; one native regex test for the common all-ASCII case. */
export function utf8Length(text: string): number {
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

export type CaptureResult =
  | ({ ok: true } & Captured & { event: MeterEvent })
  | { ok: false; id: string; message: string };

function mergeMetadata(
  context: MeterContext | undefined,
  own: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!context?.metadata) return own;
  return own ? { ...context.metadata, ...own } : context.metadata;
}

/**
 * Applies the context, stamps `timestamp` and mints `event_id` (UUIDv7) when absent, checks the few
 * things the server would otherwise reject for certain, and serializes the event once.
 */
export function captureEvent(
  input: TrackEvent,
  context: MeterContext | undefined,
  now: number,
): CaptureResult {
  if (typeof input !== 'object' || input === null) {
    return { ok: false, id: uuidv7(), message: 'Expected the event to be an object.' };
  }
  const event = { ...input } as MeterEvent;
  if (event.event_id === undefined) event.event_id = uuidv7();
  const id = event.event_id;
  if (typeof id !== 'string' || id.length > 200 || !EVENT_ID.test(id)) {
    return {
      ok: false,
      id: String(id),
      message: `Expected \`event_id\` to match ${EVENT_ID} (at most 200 characters).`,
    };
  }
  if (event.timestamp === undefined) event.timestamp = new Date(now).toISOString();
  if (context) {
    if (event.customer_id === undefined && context.customer_id !== undefined)
      event.customer_id = context.customer_id;
    if (event.agent_id === undefined && context.agent_id !== undefined) event.agent_id = context.agent_id;
    if (event.action === undefined && context.action !== undefined) event.action = context.action;
    const metadata = mergeMetadata(context, event.metadata);
    if (metadata !== undefined) event.metadata = metadata;
  }
  if (typeof event.agent_id !== 'string' || event.agent_id.length === 0) {
    return {
      ok: false,
      id,
      message: 'Expected `agent_id` (on the event or from withContext) to be a non-empty string.',
    };
  }
  if (typeof event.action !== 'string' || event.action.length === 0) {
    return {
      ok: false,
      id,
      message: 'Expected `action` (on the event or from withContext) to be a non-empty string.',
    };
  }
  let json: string;
  try {
    json = JSON.stringify(event);
  } catch (error) {
    return { ok: false, id, message: `The event cannot be serialized as JSON: ${(error as Error).message}` };
  }
  return { ok: true, id, json, bytes: utf8Length(json), event };
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
