import createFetchClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './generated/schema.js';
import type { ClientOptions } from './types.js';
import { VERSION } from './version.js';

export type AgentmeterClient = Client<paths>;

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8787';

function readEnv(name: string): string | undefined {
  let value: string | undefined;
  try {
    value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  } catch {
    // Deno throws when the variable is not covered by --allow-env: a Meter or client given its
    // options explicitly must still start there, so a variable the runtime will not show is unset.
    return undefined;
  }
  return value === '' ? undefined : value;
}

/**
 * Creates a typed client for the agentmeter API. Every route, body and response type comes from
 * `openapi.yaml`; there is no hand-written endpoint code.
 *
 * ```ts
 * const client = createClient({ apiKey: process.env.AGENTMETER_API_KEY });
 * const { data, error } = await client.POST('/v1/meter', { body: { agent_id: 'a', action: 'b' } });
 * ```
 */
export function createClient(options: ClientOptions = {}): AgentmeterClient {
  const {
    apiKey = readEnv('AGENTMETER_API_KEY'),
    baseUrl = readEnv('AGENTMETER_URL') ?? DEFAULT_BASE_URL,
    fetch: fetchImpl,
    userAgent,
    headers,
  } = options;
  if (typeof baseUrl !== 'string' || !/^https?:\/\//.test(baseUrl)) {
    throw new TypeError(`Expected \`baseUrl\` to be an http(s) URL, got ${JSON.stringify(baseUrl)}.`);
  }
  if (apiKey !== undefined && (typeof apiKey !== 'string' || apiKey.length === 0)) {
    throw new TypeError('Expected `apiKey` to be a non-empty string.');
  }
  const client = createFetchClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(headers ? { headers } : {}),
  });
  client.use(identityMiddleware(apiKey, userAgent));
  return client;
}

function identityMiddleware(apiKey: string | undefined, userAgent: string | undefined): Middleware {
  const agent = `agentmeter-client/${VERSION}${userAgent ? ` ${userAgent}` : ''}`;
  return {
    onRequest({ request }) {
      if (apiKey && !request.headers.has('authorization')) {
        request.headers.set('authorization', `Bearer ${apiKey}`);
      }
      // Browsers refuse to set User-Agent; X-Agentmeter-Client carries the same value everywhere.
      request.headers.set('x-agentmeter-client', agent);
      if (!(globalThis as { window?: unknown }).window) request.headers.set('user-agent', agent);
      return request;
    },
  };
}
