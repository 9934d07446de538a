import type { Context } from 'hono';

/** HTTP whitespace at either end, which the Fetch API's Headers drops from a value. */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/**
 * A request header, as `context.req.header(name)` gives it (every value of that name, joined by
 * ", "), for a lower-case `name`. Under @hono/node-server it reads the Node request's raw header
 * list: Hono's own lookup first builds a Fetch API Headers object from it, ~4 µs per request.
 */
export function requestHeader(context: Context, name: string): string | undefined {
  const raw = (context.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming?.rawHeaders;
  if (!Array.isArray(raw)) return context.req.header(name);
  let value: string | undefined;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const key = raw[index] as string;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const part = (raw[index + 1] as string).replace(EDGE_WHITESPACE, '');
    value = value === undefined ? part : `${value}, ${part}`;
  }
  return value;
}
