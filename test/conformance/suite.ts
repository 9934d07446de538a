// The one contract every agentmeter integration meets, written once: `conformanceSuite(driver)` runs it
// against the integration a driver adapts (driver.ts), over the real provider packages with only the
// network answered. Each case asserts the exact events recorded: how many, who they bill, their tokens
// and the metadata flags `agentmeter.usage_incomplete` / `agentmeter.error_type`. A case the integration
// cannot express is skipped under a name that says why, never passed silently.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRecordingMeter,
  expectEveryMeterClean,
  type RecordedEvent,
  type RecordingMeter,
} from '../support/recording-meter.js';
import type { Calls, Capability, ConformanceDriver, Reply, SeenSoFar } from './driver.js';
import { delay } from './provider-server.js';

const DEFAULTS = { agent_id: 'conformance-bot', action: 'answer' };
const FULL = {
  agent_id: 'options-agent',
  action: 'options-action',
  customer_id: 'cus_options',
  tier: 'pro',
  metadata: { team: 'options' },
};
const CONTEXT = { customer_id: 'cus_context', agent_id: 'context-agent', action: 'context-action' };

const INCOMPLETE = 'agentmeter.usage_incomplete';
const ERROR_TYPE = 'agentmeter.error_type';

/** What the cases compare: who an event bills, its tokens and its metadata (flags included). */
function billed(event: RecordedEvent | undefined) {
  if (!event) return undefined;
  const { agent_id, action, customer_id, tier, metadata, tokens_input, tokens_output } = event;
  return { agent_id, action, customer_id, tier, metadata, tokens_input, tokens_output };
}

/**
 * Lets a call's recording finish wherever the integration does it (a microtask, an immediate, a stream's
 * end or a short timer), so that a second, late event would be there to count.
 */
async function settled(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    await delay(10);
  }
}

/** The rejection of `promise` (fails the test if it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** The events, after checking the Meter refused none and was handed no event twice. */
function eventsOf(meter: RecordingMeter): RecordedEvent[] {
  expect(meter.errors).toEqual([]);
  expect(meter.trackCalls, 'track() calls, duplicates included').toBe(meter.events.length);
  return meter.events;
}

function named(title: string, capability: Capability): string {
  return capability === true ? title : `${title} (not run: ${capability.unsupported})`;
}

const reply = (text: string, input: number, output: number): Reply => ({ text, usage: { input, output } });

export function conformanceSuite(driver: ConformanceDriver): void {
  const { capabilities: can, provider } = driver;
  const streaming = can.streaming === true;

  afterEach(expectEveryMeterClean);

  /** The event a successful call with `usage` records under `attribution`. */
  const complete = (attribution: Record<string, unknown>, input: number, output: number) => ({
    agent_id: attribution['agent_id'],
    action: attribution['action'],
    customer_id: attribution['customer_id'],
    tier: attribution['tier'],
    metadata: attribution['metadata'],
    tokens_input: input,
    tokens_output: output,
  });

  /** The event of a stream cut after its first piece of text. */
  const cut = (seen: SeenSoFar, errorType: string | undefined) => ({
    ...DEFAULTS,
    customer_id: undefined,
    tier: undefined,
    metadata: errorType ? { [INCOMPLETE]: true, [ERROR_TYPE]: errorType } : { [INCOMPLETE]: true },
    tokens_input: seen.tokens_input,
    tokens_output: seen.tokens_output,
  });

  describe(`${driver.name} conformance`, () => {
    describe('options', () => {
      /** Calls `wrap` and returns what it threw. */
      const refusal = (meter: unknown, options: unknown): Record<string, unknown> => {
        let thrown: unknown;
        try {
          driver.wrap(meter, options);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, 'construction was refused').toBeInstanceOf(Error);
        expect(driver.isIntegrationError(thrown), "the integration's own error class").toBe(true);
        return thrown as Record<string, unknown>;
      };

      it('accepts valid options and meters with them', async () => {
        provider.answer(() => reply('Hello there.', 21, 5));
        const meter = createRecordingMeter();
        const reported: unknown[] = [];
        const calls = driver.wrap(meter, {
          ...FULL,
          onError: (error: unknown) => reported.push(error),
          ...(can.meterErrors === true ? { meterErrors: false } : {}),
          ...(can.captureContent === true ? { captureContent: false } : {}),
        });
        expect(await calls.call('hi')).toBe('Hello there.');
        await settled();
        expect(eventsOf(meter).map(billed)).toEqual([complete(FULL, 21, 5)]);
        expect(reported).toEqual([]);
      });

      it('refuses an unknown option at construction, suggesting the known one', () => {
        const meter = createRecordingMeter();
        const error = refusal(meter, { ...DEFAULTS, customerId: 'cus_1' });
        expect({ code: error['code'], field: error['field'], message: error['message'] }).toEqual({
          code: 'invalid_option',
          field: 'customerId',
          message: 'Unknown option `customerId`; did you mean `customer_id`?',
        });
      });

      it.each([
        ['agent_id', { ...DEFAULTS, agent_id: '' }],
        ['agent_id', { action: 'answer' }],
        ['action', { ...DEFAULTS, action: 7 }],
        ['customer_id', { ...DEFAULTS, customer_id: 'cus\u0000' }],
        ['tier', { ...DEFAULTS, tier: 'Gold Tier' }],
        ['metadata', { ...DEFAULTS, metadata: 'team=a' }],
        ['metadata', { ...DEFAULTS, metadata: ['team'] }],
      ])('refuses a bad `%s` at construction, naming it', (field, options) => {
        const error = refusal(createRecordingMeter(), options);
        expect({ code: error['code'], field: error['field'] }).toEqual({ code: 'invalid_option', field });
        expect(String(error['message'])).toContain(`\`${field}\``);
      });

      it.each([
        ['an object without track()', { currentContext: () => undefined }],
        ['undefined', undefined],
        ['the options in its place', DEFAULTS],
      ])('refuses a meter that is not a Meter (%s), naming it', (_what, meter) => {
        const error = refusal(meter, DEFAULTS);
        expect({ code: error['code'], field: error['field'] }).toEqual({
          code: 'invalid_meter',
          field: 'meter',
        });
      });

      it('changes nothing when it refuses: no event, and the provider is still called bare', async () => {
        provider.answer(() => reply('Hello there.', 21, 5));
        const meter = createRecordingMeter();
        for (const options of [
          { ...DEFAULTS, customerId: 'cus_1' },
          { ...DEFAULTS, tier: 'Gold Tier' },
        ]) {
          expect(() => driver.wrap(meter, options)).toThrow();
        }
        expect(await driver.bare().call('hi')).toBe('Hello there.');
        await settled();
        expect(meter.trackCalls).toBe(0);
        expect(meter.events).toEqual([]);
      });
    });

    describe('attribution', () => {
      it('bills plain and streamed calls to the options: agent, action, customer, tier, metadata', async () => {
        provider.answer(() => reply('Hello there.', 30, 4));
        const meter = createRecordingMeter();
        const calls = driver.wrap(meter, FULL);
        await calls.call('hi');
        if (streaming) await calls.stream('hi');
        await settled();
        expect(eventsOf(meter).map(billed)).toEqual(
          Array.from({ length: streaming ? 2 : 1 }, () => complete(FULL, 30, 4)),
        );
      });

      it('lets meter.withContext() win for customer, agent and action; tier and metadata stay the options', async () => {
        provider.answer(() => reply('Hello there.', 30, 4));
        const meter = createRecordingMeter();
        const calls = driver.wrap(meter, FULL);
        await meter.withContext(CONTEXT, async () => {
          await calls.call('hi');
          if (streaming) await calls.stream('hi');
        });
        await settled();
        const expected = complete({ ...FULL, ...CONTEXT }, 30, 4);
        expect(eventsOf(meter).map(billed)).toEqual(
          Array.from({ length: streaming ? 2 : 1 }, () => expected),
        );
      });
    });

    describe('context', () => {
      it('keeps each concurrent call under its own withContext() attribution', async () => {
        // Each prompt names its call; the provider answers it with that call's own usage, after a delay
        // that reorders the answers.
        provider.answer((prompt) => {
          const index = Number(/call-(\d+)/.exec(prompt)?.[1]);
          return {
            text: `answer ${index}`,
            usage: { input: 100 + index, output: 1 + index },
            delayMs: (index * 7) % 13,
          };
        });
        const meter = createRecordingMeter();
        const calls = driver.wrap(meter, DEFAULTS);
        const count = 12;
        await Promise.all(
          Array.from({ length: count }, (_, index) =>
            meter.withContext({ customer_id: `cus_${index}`, action: `action-${index}` }, () =>
              streaming && index % 2 === 1 ? calls.stream(`call-${index}`) : calls.call(`call-${index}`),
            ),
          ),
        );
        await settled();
        const events = eventsOf(meter).map(billed);
        const byCustomer = <T extends { customer_id?: unknown } | undefined>(list: T[]) =>
          [...list].sort((a, b) => String(a?.customer_id).localeCompare(String(b?.customer_id)));
        expect(byCustomer(events)).toEqual(
          byCustomer(
            Array.from({ length: count }, (_, index) =>
              complete(
                { ...DEFAULTS, customer_id: `cus_${index}`, action: `action-${index}` },
                100 + index,
                1 + index,
              ),
            ),
          ),
        );
      });
    });

    describe('failed calls', () => {
      /** The caller's error from the metered call, next to the same call's error without the integration. */
      const failures = async (calls: Calls) => {
        provider.rateLimit();
        const bare = (await rejectionOf(driver.bare().call('hi'))) as Error;
        const metered = (await rejectionOf(calls.call('hi'))) as Error;
        return { bare, metered };
      };

      const expectUnchanged = (metered: Error, bare: Error) => {
        expect(metered.constructor).toBe(bare.constructor);
        expect(metered.name).toBe(bare.name);
        expect(metered.message).toBe(bare.message);
        expect((metered as { status?: unknown }).status).toBe((bare as { status?: unknown }).status);
      };

      it('HTTP 429 without meterErrors: no event, and the caller gets the provider error unchanged', async () => {
        const meter = createRecordingMeter();
        const calls = driver.wrap(meter, DEFAULTS);
        const { bare, metered } = await failures(calls);
        expectUnchanged(metered, bare);
        if (streaming) {
          const bareStream = (await rejectionOf(driver.bare().stream('hi'))) as Error;
          expectUnchanged((await rejectionOf(calls.stream('hi'))) as Error, bareStream);
        }
        await settled();
        expect(meter.trackCalls).toBe(0);
        expect(meter.events).toEqual([]);
      });

      describe.runIf(can.meterErrors === true)(named('with meterErrors', can.meterErrors), () => {
        it("HTTP 429: one complete zero-token event typed with the provider's error type; the error is unchanged", async () => {
          const meter = createRecordingMeter();
          const { bare, metered } = await failures(driver.wrap(meter, { ...DEFAULTS, meterErrors: true }));
          expectUnchanged(metered, bare);
          await settled();
          expect(eventsOf(meter).map(billed)).toEqual([
            { ...complete(DEFAULTS, 0, 0), metadata: { [ERROR_TYPE]: driver.rateLimitErrorType } },
          ]);
          // A rejected call used no tokens: zero is its count, not an unknown one.
          expect(meter.events[0]?.usage_missing).toBeUndefined();
        });

        it.runIf(streaming)(
          'HTTP 429 on a streamed call: the same one complete zero-token event',
          async () => {
            provider.rateLimit();
            const meter = createRecordingMeter();
            const bare = (await rejectionOf(driver.bare().stream('hi'))) as Error;
            const metered = (await rejectionOf(
              driver.wrap(meter, { ...DEFAULTS, meterErrors: true }).stream('hi'),
            )) as Error;
            expectUnchanged(metered, bare);
            await settled();
            expect(eventsOf(meter).map(billed)).toEqual([
              { ...complete(DEFAULTS, 0, 0), metadata: { [ERROR_TYPE]: driver.rateLimitErrorType } },
            ]);
            expect(meter.events[0]?.usage_missing).toBeUndefined();
          },
        );

        it('records one zero-token event, incomplete, typed `connection_error`, for a provider it cannot reach', async () => {
          provider.unreachable();
          const meter = createRecordingMeter();
          const bare = (await rejectionOf(driver.bare().call('hi'))) as Error;
          const metered = (await rejectionOf(
            driver.wrap(meter, { ...DEFAULTS, meterErrors: true }).call('hi'),
          )) as Error;
          expectUnchanged(metered, bare);
          await settled();
          expect(eventsOf(meter).map(billed)).toEqual([
            {
              ...complete(DEFAULTS, 0, 0),
              metadata: { [INCOMPLETE]: true, [ERROR_TYPE]: 'connection_error' },
            },
          ]);
        });
      });
    });

    describe('aborts', () => {
      describe.runIf(can.meterErrors === true)(named('before the provider answers', can.meterErrors), () => {
        it('with meterErrors: one zero-token event, incomplete, typed `aborted`', async () => {
          const { received } = provider.hang();
          const meter = createRecordingMeter();
          const calls = driver.wrap(meter, { ...DEFAULTS, meterErrors: true });
          const controller = new AbortController();
          const call = rejectionOf(calls.call('hi', { signal: controller.signal }));
          await received;
          controller.abort();
          await call;
          await settled();
          expect(eventsOf(meter).map(billed)).toEqual([
            { ...complete(DEFAULTS, 0, 0), metadata: { [INCOMPLETE]: true, [ERROR_TYPE]: 'aborted' } },
          ]);
        });
      });

      describe.runIf(can.meterErrors === true)(named('by a timeout', can.meterErrors), () => {
        it('with meterErrors: one zero-token event, incomplete, typed `timeout`', async () => {
          provider.hang();
          const meter = createRecordingMeter();
          const calls = driver.wrap(meter, { ...DEFAULTS, meterErrors: true });
          await rejectionOf(calls.call('hi', { timeoutMs: 100 }));
          await settled();
          expect(eventsOf(meter).map(billed)).toEqual([
            { ...complete(DEFAULTS, 0, 0), metadata: { [INCOMPLETE]: true, [ERROR_TYPE]: 'timeout' } },
          ]);
        });
      });

      describe.runIf(streaming)(named('mid-stream', can.streaming), () => {
        it('one event with the usage seen so far, incomplete, typed `aborted`; never two', async () => {
          const usage = { input: 42, output: 17 };
          const { received } = provider.stallStream({ text: 'Hello there, how are you?', usage });
          const meter = createRecordingMeter();
          const options = can.meterErrors === true ? { ...DEFAULTS, meterErrors: true } : DEFAULTS;
          const calls = driver.wrap(meter, options);
          const controller = new AbortController();
          const texts: string[] = [];
          await calls
            .stream('hi', {
              signal: controller.signal,
              onText: (text) => {
                texts.push(text);
                controller.abort();
              },
            })
            .catch(() => {
              // Whether the caller's loop ends quietly or with an abort error is the provider package's.
            });
          await received;
          expect(texts).toHaveLength(1);
          await settled();
          expect(eventsOf(meter).map(billed)).toEqual([cut(driver.seenSoFar(usage), 'aborted')]);
          const missing = driver.seenSoFar(usage).usage_missing;
          expect(meter.events[0]?.usage_missing).toBe(missing);
        });
      });
    });

    describe.runIf(streaming)(named('a stream the provider breaks off with an error', can.streaming), () => {
      it("one event with the usage seen so far, incomplete, typed with the provider's error type; the caller gets the error", async () => {
        const usage = { input: 42, output: 17 };
        const { errorType } = provider.failStream({ text: 'Hello there, how are you?', usage });
        const meter = createRecordingMeter();
        const calls = driver.wrap(meter, DEFAULTS);
        const texts: string[] = [];
        await rejectionOf(calls.stream('hi', { onText: (text) => texts.push(text) }));
        expect(texts).toHaveLength(1);
        await settled();
        expect(eventsOf(meter).map(billed)).toEqual([cut(driver.seenSoFar(usage), errorType)]);
        expect(meter.events[0]?.usage_missing).toBe(driver.seenSoFar(usage).usage_missing);
      });
    });

    describe.runIf(streaming && can.earlyBreak === true)(
      named('early break of a stream', can.streaming === true ? can.earlyBreak : can.streaming),
      () => {
        it('one event with the usage seen so far, incomplete; never none, never two', async () => {
          const usage = { input: 42, output: 17 };
          provider.answer(() => ({ text: 'Hello there, how are you?', usage }));
          const meter = createRecordingMeter();
          const calls = driver.wrap(meter, DEFAULTS);
          const text = await calls.stream('hi', { breakAfter: 1 });
          expect(text.length).toBeGreaterThan(0);
          expect(text).not.toBe('Hello there, how are you?');
          await settled();
          const events = eventsOf(meter);
          expect(events).toHaveLength(1);
          const seen = driver.seenSoFar(usage);
          // A caller leaving early is no error: incomplete, with no error type, in every integration.
          expect(billed(events[0])).toEqual({ ...cut(seen, undefined) });
          expect(events[0]?.usage_missing).toBe(seen.usage_missing);
        });
      },
    );

    describe.runIf(can.layering === true)(
      named(`layering${driver.layering ? `: ${driver.layering.description}` : ''}`, can.layering),
      () => {
        it('one event per provider call, plain and streamed', async () => {
          const layering = driver.layering;
          if (!layering) throw new Error('the driver declares layering but gives none');
          provider.answer((prompt) => reply('Hello there.', 50 + prompt.length, 6));
          const meter = createRecordingMeter();
          const inner = { agent_id: 'inner-layer', action: 'answer' };
          const outer = { agent_id: 'outer-layer', action: 'answer' };
          const calls = layering.build(meter, inner, outer);
          await calls.call('a');
          if (streaming) await calls.stream('bb');
          await settled();
          const winner = layering.winner === 'inner' ? inner : outer;
          expect(eventsOf(meter).map(billed)).toEqual(
            [complete(winner, 51, 6), complete(winner, 52, 6)].slice(0, streaming ? 2 : 1),
          );
        });
      },
    );

    describe('privacy', () => {
      const PROMPT = 'PROMPT-SECRET-4417 my order number';
      const COMPLETION = 'COMPLETION-SECRET-9182 is on its way';

      const meterSecrets = async (options: Record<string, unknown>) => {
        provider.answer(() => reply(COMPLETION, 12, 9));
        const meter = createRecordingMeter();
        const calls = driver.wrap(meter, options);
        expect(await calls.call(PROMPT)).toBe(COMPLETION);
        if (streaming) expect(await calls.stream(PROMPT)).toBe(COMPLETION);
        await settled();
        expect(eventsOf(meter)).toHaveLength(streaming ? 2 : 1);
        return meter;
      };

      it('without captureContent: no prompt or completion text anywhere in the events', async () => {
        const meter = await meterSecrets(DEFAULTS);
        const everything = JSON.stringify([meter.events, meter.tracked]);
        for (const secret of ['PROMPT-SECRET-4417', 'COMPLETION-SECRET-9182']) {
          expect(everything).not.toContain(secret);
        }
      });

      describe.runIf(can.captureContent === true)(named('with captureContent', can.captureContent), () => {
        it("puts the prompt and the completion in each event's metadata", async () => {
          const meter = await meterSecrets({ ...DEFAULTS, captureContent: true });
          for (const event of meter.events) {
            const metadata = JSON.stringify(event.metadata ?? {});
            expect(metadata).toContain('PROMPT-SECRET-4417');
            expect(metadata).toContain('COMPLETION-SECRET-9182');
          }
        });
      });
    });
  });
}
