import type { Context } from 'hono';
import { type BodyLease, overloaded } from './load-shed.js';
import { ApiError } from './problem.js';
import { requestHeader } from './request-headers.js';

/** How a body is read: what it may take of the server's memory, how long it may pause, where aborts go. */
export interface BodyReadOptions {
  /** The request's share of the server-wide body budget; a body it cannot cover is refused (503). */
  lease?: BodyLease;
  /** Longest pause between two pieces of the body before it is refused (408). */
  idleTimeoutMs?: number;
  /** One line about a body its client abandoned (nothing is answered: nobody is listening). */
  debug?: (message: string) => void;
}

/**
 * A body its client stopped sending (the connection closed or reset mid-body). An `ApiError`, so it
 * is not reported as a server fault: every abandoned upload would otherwise log a stack trace.
 */
export class BodyAborted extends ApiError {
  constructor() {
    super(400, 'request_aborted', 'The client closed the connection before the request body ended.');
  }
}

const busy = () => overloaded('The server is holding as many request bodies as it can.');

/** How long the rest of a refused body is read (and dropped) before the refusal is answered. */
const DISCARD_MS = 2000;

/**
 * Reads and drops the rest of the body, for at most `DISCARD_MS`. A refusal sent while the body is
 * still arriving ends with the connection closed under it, and the client may see the reset
 * rather than the answer; once the body has ended, the answer is read and the connection reused.
 */
function discardRest(incoming: NodeIncoming): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      incoming.off('end', done);
      incoming.off('close', done);
      incoming.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, DISCARD_MS);
    incoming.on('end', done);
    incoming.on('close', done);
    incoming.on('error', done);
    incoming.resume();
  });
}

const timedOut = (ms: number) =>
  new ApiError(408, 'request_timeout', `The request body paused for over ${ms} ms; send it again.`, {
    // The connection is in an unknown state (part of a body sent): close it after the answer.
    headers: { connection: 'close' },
  });

/** The Node request @hono/node-server hands the app as `env.incoming`. */
interface NodeIncoming {
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
  resume(): unknown;
  readableEnded?: boolean;
}

function nodeIncoming(context: Context): NodeIncoming | undefined {
  const incoming = (context.env as { incoming?: Partial<NodeIncoming> } | undefined)?.incoming;
  return typeof incoming?.on === 'function' &&
    typeof incoming.off === 'function' &&
    typeof incoming.resume === 'function' &&
    incoming.readableEnded !== true
    ? (incoming as NodeIncoming)
    : undefined;
}

/** Collects the stream's bytes, refusing (and discarding the rest) past `limit` or past the lease. */
function readIncoming(
  incoming: NodeIncoming,
  limit: number,
  tooLarge: () => ApiError,
  options: BodyReadOptions,
): Promise<Buffer> {
  const { lease, idleTimeoutMs, debug } = options;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Taken from the budget as the bytes arrive, never on the word of a Content-Length: a client
    // declaring large bodies it never sends must not hold memory it does not use (nor refuse others).
    let covered = 0;
    const timer =
      idleTimeoutMs !== undefined && idleTimeoutMs > 0
        ? setTimeout(() => fail(timedOut(idleTimeoutMs), false), idleTimeoutMs)
        : undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const fail = (error: Error, drain: boolean) => {
      cleanup();
      chunks.length = 0;
      // Drain what is left, so the answer can still be read on this connection.
      if (drain) incoming.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge(), true);
      if (size > covered) {
        if (lease && !lease.take(size - covered)) {
          cleanup();
          chunks.length = 0;
          discardRest(incoming).then(() => reject(busy()));
          return;
        }
        covered = size;
      }
      timer?.refresh();
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const aborted = () => {
      debug?.(`request body abandoned by the client after ${size} bytes`);
      fail(new BodyAborted(), false);
    };
    const onError = () => aborted();
    const onClose = () => aborted();
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** The same through the Fetch API body, where no Node request is at hand (`app.request()`, other runtimes). */
async function readWebBody(
  context: Context,
  limit: number,
  tooLarge: () => ApiError,
  lease: BodyLease | undefined,
): Promise<Buffer> {
  const body = context.req.raw.body;
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    const refusal = size > limit ? tooLarge() : lease && !lease.take(value.byteLength) ? busy() : undefined;
    if (refusal) {
      await reader.cancel().catch(() => {});
      throw refusal;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** The declared `Content-Length` (without `Transfer-Encoding`), when there is a valid one. */
function declaredLength(context: Context): number | undefined {
  const declared = requestHeader(context, 'content-length');
  if (declared === undefined || requestHeader(context, 'transfer-encoding') !== undefined) return undefined;
  const length = Number.parseInt(declared, 10);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

const payloadTooLarge = (limit: number) =>
  new ApiError(413, 'payload_too_large', `The request body is over ${limit} bytes.`);

/**
 * Refuses (413 `payload_too_large`) a body whose `Content-Length` is over `limit`, before anything
 * else is done with the request: no byte of it is read.
 */
export function checkDeclaredLength(context: Context, limit: number): void {
  const declared = declaredLength(context);
  if (declared !== undefined && declared > limit) throw payloadTooLarge(limit);
}

/**
 * Reads the request body, at most `limit` bytes (a 413 `payload_too_large` beyond, before reading
 * anything when `Content-Length` says so), and no more than the lease can cover (a 503
 * `overloaded`). Under @hono/node-server it reads the Node request directly: going through the
 * Fetch API `Request` builds a web stream, an AbortController and an undici Request per request,
 * which cost more CPU than the rest of `POST /v1/meter` together.
 */
export async function readBody(
  context: Context,
  limit: number,
  options: BodyReadOptions = {},
): Promise<Buffer> {
  const tooLarge = () => payloadTooLarge(limit);
  const declared = declaredLength(context);
  if (declared !== undefined && declared > limit) throw tooLarge();
  const incoming = nodeIncoming(context);
  if (!incoming) return readWebBody(context, limit, tooLarge, options.lease);
  return readIncoming(incoming, limit, tooLarge, options);
}

/** `application/json` or any `application/<something>+json`, parameters aside. */
const JSON_MEDIA_TYPE = /^application\/(?:[a-z0-9!#$&^_.-]+\+)?json$/;

/**
 * Refuses (415 `unsupported_media_type`) a body sent as something other than JSON in UTF-8. A
 * request without a Content-Type is read as JSON: raw HTTP clients often send none, and the body
 * must still parse. A form post or `text/plain` (what a browser or `curl -d` sends by default) is
 * refused rather than guessed at.
 */
export function checkJsonContentType(context: Context): void {
  const value = requestHeader(context, 'content-type');
  if (value === undefined || value.trim() === '') return;
  const [type = '', ...parameters] = value.split(';');
  const charset = parameters
    .map((parameter) => /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(parameter)?.[1])
    .find((found) => found !== undefined);
  if (JSON_MEDIA_TYPE.test(type.trim().toLowerCase()) && (charset === undefined || /^utf-?8$/i.test(charset)))
    return;
  throw new ApiError(
    415,
    'unsupported_media_type',
    `Send the body as \`application/json\` (UTF-8), not ${JSON.stringify(value)}.`,
    { errors: [{ field: 'header.Content-Type', message: 'must be application/json' }] },
  );
}
