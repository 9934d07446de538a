import type { Context } from 'hono';
import { ApiError } from './problem.js';
import { requestHeader } from './request-headers.js';

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

/** Collects the stream's bytes, refusing (and discarding the rest) past `limit`. */
function readIncoming(incoming: NodeIncoming, limit: number, tooLarge: () => ApiError): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        incoming.resume(); // drain what is left, so the 413 can still be answered on this connection
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('The request body was cut off before its end.'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/** The same through the Fetch API body, where no Node request is at hand (`app.request()`, other runtimes). */
async function readWebBody(context: Context, limit: number, tooLarge: () => ApiError): Promise<Buffer> {
  const body = context.req.raw.body;
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads the request body, at most `limit` bytes (a 413 `payload_too_large` beyond, before reading
 * anything when `Content-Length` says so). Under @hono/node-server it reads the Node request
 * directly: going through the Fetch API `Request` builds a web stream, an AbortController and an
 * undici Request per request, which cost more CPU than the rest of `POST /v1/meter` together.
 */
export async function readBody(context: Context, limit: number): Promise<Buffer> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `The request body is over ${limit} bytes.`);
  const declared = requestHeader(context, 'content-length');
  if (
    declared !== undefined &&
    requestHeader(context, 'transfer-encoding') === undefined &&
    Number.parseInt(declared, 10) > limit
  ) {
    throw tooLarge();
  }
  const incoming = nodeIncoming(context);
  return incoming ? readIncoming(incoming, limit, tooLarge) : readWebBody(context, limit, tooLarge);
}
