import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AgentmeterClient, createClient, DEFAULT_BASE_URL } from './create-client.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The one request a `GET /healthz` through the client built by `make` sends. */
async function healthzRequest(make: (fetch: typeof globalThis.fetch) => AgentmeterClient): Promise<Request> {
  const seen: Request[] = [];
  const fetch = async (input: Request) => {
    seen.push(input);
    return Response.json({ status: 'ok' });
  };
  await make(fetch as typeof globalThis.fetch).GET('/healthz');
  const [request] = seen;
  if (!request) throw new Error('no request was made');
  return request;
}

/** Runs `fn` with a process.env that throws for AGENTMETER_* names, as Deno's does without --allow-env. */
function underRefusingEnv<T>(fn: () => T): T {
  const env = process.env;
  process.env = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string' && name.startsWith('AGENTMETER_')) {
        throw new Error(`Requires env access to "${name}", run again with the --allow-env flag`);
      }
      return Reflect.get(target, name);
    },
  });
  try {
    return fn();
  } finally {
    process.env = env;
  }
}

describe('createClient', () => {
  it('takes its key and URL from the environment when not given', async () => {
    vi.stubEnv('AGENTMETER_API_KEY', 'from-env');
    vi.stubEnv('AGENTMETER_URL', 'http://meter.internal:9000/');
    const request = await healthzRequest((fetch) => createClient({ fetch }));
    expect(request.url).toBe('http://meter.internal:9000/healthz');
    expect(request.headers.get('authorization')).toBe('Bearer from-env');
  });

  it('starts where the runtime refuses to show the environment (Deno without --allow-env)', async () => {
    vi.stubEnv('AGENTMETER_API_KEY', 'from-env');
    vi.stubEnv('AGENTMETER_URL', 'http://meter.internal:9000');
    const explicit = await healthzRequest((fetch) =>
      underRefusingEnv(() => createClient({ apiKey: 'k', baseUrl: 'http://other.internal:9001', fetch })),
    );
    expect(explicit.url).toBe('http://other.internal:9001/healthz');
    expect(explicit.headers.get('authorization')).toBe('Bearer k');
    // What the runtime will not show counts as unset: the defaults apply.
    const implicit = await healthzRequest((fetch) => underRefusingEnv(() => createClient({ fetch })));
    expect(implicit.url).toBe(`${DEFAULT_BASE_URL}/healthz`);
    expect(implicit.headers.get('authorization')).toBeNull();
  });
});
