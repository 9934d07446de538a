import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveOptions } from './options.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    vi.stubEnv('AGENTMETER_URL', '');
    expect(resolveOptions({ apiKey: 'k' })).toMatchObject({
      baseUrl: 'http://127.0.0.1:8787',
      flushAt: 100,
      flushIntervalMs: 5000,
      maxBatchEvents: 500,
      maxBatchBytes: 512 * 1024,
      maxQueueEvents: 10_000,
      maxQueueBytes: 16 * 1024 * 1024,
      overflow: 'drop-newest',
      requestTimeoutMs: 10_000,
      maxRetries: 5,
      outbox: undefined,
    });
  });

  it('falls back to the environment, and the given value wins over it', () => {
    vi.stubEnv('AGENTMETER_API_KEY', 'from-env');
    vi.stubEnv('AGENTMETER_URL', 'http://meter.internal:9000');
    vi.stubEnv('AGENTMETER_FLUSH_AT', '7');
    vi.stubEnv('AGENTMETER_OVERFLOW', 'drop-oldest');
    vi.stubEnv('AGENTMETER_OUTBOX_DIR', '/var/lib/agentmeter');
    expect(resolveOptions()).toMatchObject({
      apiKey: 'from-env',
      baseUrl: 'http://meter.internal:9000',
      flushAt: 7,
      overflow: 'drop-oldest',
      outbox: { dir: '/var/lib/agentmeter', fsync: true, commitDelayMs: 2 },
    });
    expect(resolveOptions({ flushAt: 3, outbox: false })).toMatchObject({ flushAt: 3, outbox: undefined });
  });

  it("takes the deprecated overflow 'error', given or from AGENTMETER_OVERFLOW, as 'drop-newest'", () => {
    expect(resolveOptions({ apiKey: 'k', overflow: 'error' }).overflow).toBe('drop-newest');
    vi.stubEnv('AGENTMETER_OVERFLOW', 'error');
    expect(resolveOptions({ apiKey: 'k' }).overflow).toBe('drop-newest');
  });

  it.each([
    [{ apiKey: '' }, 'Expected `apiKey` (or AGENTMETER_API_KEY) to be a non-empty string, got "".'],
    [
      { baseUrl: 'localhost:8787' },
      'Expected `baseUrl` (or AGENTMETER_URL) to be an http(s) URL, got "localhost:8787".',
    ],
    [{ flushAt: -1 }, 'Expected `flushAt` to be a positive integer, got -1.'],
    [{ flushAt: 1.5 }, 'Expected `flushAt` to be a positive integer, got 1.5.'],
    [{ flushIntervalMs: '10' }, 'Expected `flushIntervalMs` to be a positive integer, got "10".'],
    [{ maxBatchEvents: 5000 }, 'Expected `maxBatchEvents` to be an integer from 1 to 1000, got 5000.'],
    [
      { maxBatchBytes: 2 * 1024 * 1024 },
      'Expected `maxBatchBytes` to be an integer from 256 to 1048576, got 2097152.',
    ],
    [{ maxQueueBytes: 1000 }, 'Expected `maxQueueBytes` to be at least `maxBatchBytes` (524288), got 1000.'],
    [{ maxRetries: -1 }, 'Expected `maxRetries` to be an integer from 0 to 100, got -1.'],
    [{ requestTimeoutMs: 0 }, 'Expected `requestTimeoutMs` to be a positive integer, got 0.'],
    [{ overflow: 'block' }, "Expected `overflow` to be 'drop-newest' or 'drop-oldest', got \"block\"."],
    [{ outbox: { dir: '' } }, 'Expected `outbox.dir` to be a non-empty string, got "".'],
    [{ outbox: { dir: 'x', fsync: 'yes' } }, 'Expected `outbox.fsync` to be a boolean, got "yes".'],
    [{ fetch: 'fetch' }, 'Expected `fetch` to be a function, got "fetch".'],
    [{ onError: {} }, 'Expected `onError` to be a function, got an object.'],
  ])('rejects %o with an exact message', (options, message) => {
    vi.stubEnv('AGENTMETER_API_KEY', 'k');
    vi.stubEnv('AGENTMETER_URL', '');
    expect(() => resolveOptions(options as never)).toThrow(new TypeError(message));
  });

  it('names the environment variable when the bad value came from it', () => {
    vi.stubEnv('AGENTMETER_API_KEY', 'k');
    vi.stubEnv('AGENTMETER_MAX_RETRIES', 'many');
    expect(() => resolveOptions()).toThrow(
      'Expected `maxRetries` (from AGENTMETER_MAX_RETRIES) to be an integer from 0 to 100, got "many".',
    );
  });

  // Deno's process.env throws for a variable --allow-env does not cover (NotCapable).
  it('starts with explicit options where the runtime refuses to show the environment (Deno without --allow-env)', () => {
    vi.stubEnv('AGENTMETER_FLUSH_AT', '7');
    const env = process.env;
    process.env = new Proxy(env, {
      get(target, name) {
        if (typeof name === 'string' && name.startsWith('AGENTMETER_')) {
          throw new Error(`Requires env access to "${name}", run again with the --allow-env flag`);
        }
        return Reflect.get(target, name);
      },
    });
    let explicit: unknown;
    let implicit: unknown;
    try {
      explicit = resolveOptions({ apiKey: 'k', baseUrl: 'http://meter.internal:9000' });
      implicit = (() => {
        try {
          return resolveOptions();
        } catch (error) {
          return error;
        }
      })();
    } finally {
      process.env = env;
    }
    // What the runtime will not show counts as unset: the defaults apply, not AGENTMETER_FLUSH_AT.
    expect(explicit).toMatchObject({
      apiKey: 'k',
      baseUrl: 'http://meter.internal:9000',
      flushAt: 100,
      maxQueueEvents: 10_000,
      outbox: undefined,
    });
    expect(implicit).toEqual(
      new TypeError('Expected `apiKey` (or AGENTMETER_API_KEY) to be a non-empty string, got undefined.'),
    );
  });
});
