// Test-only (not built, not exported): the shared recording Meter (test/support/recording-meter.ts),
// the events as the server receives them, and the mocked API's per-file lifecycle.
import { deriveEventId } from '@agentmeter/sdk/integration';
import type OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, expect, onTestFinished, vi } from 'vitest';
import {
  createRecordingMeter,
  expectEveryMeterClean,
  expectMeterClean,
  type RecordingMeter,
} from '../../../test/support/recording-meter.js';
import { CHAT_ID, newClient } from './test-fixtures.js';
import { CHAT_MODEL, createMockServer } from './test-fixtures-http.js';
import type { WithMeterOptions } from './types.js';
import { withMeter } from './with-meter.js';

export { createRecordingMeter, type RecordingMeter };

/**
 * The events as the server receives them, without the capture timestamp. Fails the test when an event
 * was rejected by the Meter's validation or a call was tracked twice.
 */
export function eventsOf(meter: RecordingMeter) {
  expectMeterClean(meter);
  return meter.events.map(({ timestamp, ...event }) => {
    expect(Date.parse(timestamp ?? '')).not.toBeNaN();
    return event;
  });
}

/**
 * For a test file: the mocked OpenAI API, listening during its tests; after each test its handlers
 * are reset and every Meter made is checked, read by the test or not (`expectEveryMeterClean()`).
 */
export function useMockServer(): ReturnType<typeof createMockServer> {
  const server = createMockServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    expectEveryMeterClean();
  });
  afterAll(() => server.close());
  return server;
}

/**
 * What the chat tests share: the wrapper's options, the question asked, and the event id the wrapper
 * derives for an answer (by default the one the chat fixtures answer with).
 */
export const CHAT = {
  options: { agent_id: 'support-bot', action: 'answer' },
  messages: [{ role: 'user' as const, content: 'Say hello.' }],
  eventId: (id = CHAT_ID) => deriveEventId('openai', id, 'support-bot', 'answer'),
  /**
   * The event of a chat stream that ended before its usage chunk (left early, or a server that
   * never sends one): the call, zero tokens, flagged usage_missing and incomplete.
   */
  usageMissingEvent: (id = CHAT_ID) => ({
    tokens_input: 0,
    tokens_output: 0,
    provider: 'openai',
    model: CHAT_MODEL,
    agent_id: 'support-bot',
    action: 'answer',
    event_id: deriveEventId('openai', id, 'support-bot', 'answer'),
    call: { response_id: id },
    usage_missing: true,
    metadata: { 'agentmeter.usage_incomplete': true },
  }),
};

/** The `[input, output]` token counts of every event, in order. */
export function tokensOf(meter: RecordingMeter): [number | undefined, number | undefined][] {
  return eventsOf(meter).map((event) => [event.tokens_input, event.tokens_output]);
}

/** A fresh recording Meter and a client of `Client` (openai 6 or 5) metered into it. */
export function meteredClient(
  Client: typeof OpenAI,
  options: WithMeterOptions,
): { meter: RecordingMeter; openai: OpenAI } {
  const meter = createRecordingMeter();
  return { meter, openai: withMeter(newClient(Client), meter, options) };
}

/**
 * Fakes the timers for the rest of the current test (setTimeout, setImmediate and their clears), so a
 * "nothing (more) recorded" check can first run every timer anything queued to its end
 * (`runQueuedTimers()`): an event recorded late on any of them, whatever its delay, is there by then.
 * Requests to the mocked API still complete (they wait on no timer).
 */
export function fakeTimers(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
  onTestFinished(() => {
    vi.useRealTimers();
  });
}

/** Runs every queued timer and immediate, and those they queue, to the end (with `fakeTimers()`). */
export async function runQueuedTimers(): Promise<void> {
  await vi.runAllTimersAsync();
}
