// Test-only: the shared recording Meter (test/support/recording-meter.ts) under the names these
// tests use, the mocked API's per-file lifecycle and the small helpers the tests share. Not
// exported, not built.
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  createRecordingMeter,
  expectEveryMeterClean,
  type RecordedEvent,
  type RecordingMeter,
} from '../../../test/support/recording-meter.js';
import {
  createAnthropicServer,
  createClient,
  jsonResponse,
  messageBody,
  sseResponse,
  textStreamEvents,
  type UsageFixture,
  usageBody,
} from './test-fixtures.js';
import type { WithMeterOptions } from './types.js';
import { withMeter } from './with-meter.js';

export type { RecordedEvent };
export type SpyMeter = RecordingMeter;
export const createSpyMeter = createRecordingMeter;
export const expectCleanMeters = expectEveryMeterClean;

/**
 * For a test file: the mocked Anthropic API (`createAnthropicServer()`), listening during its tests;
 * after each test its handlers are reset and every Meter made is checked with `expectCleanMeters()`.
 */
export function useAnthropicServer(): ReturnType<typeof createAnthropicServer> {
  const mocked = createAnthropicServer();
  beforeAll(() => mocked.server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    mocked.server.resetHandlers();
    expectCleanMeters();
  });
  afterAll(() => mocked.server.close());
  return mocked;
}

/** The options most tests meter with. */
export const OPTIONS = { agent_id: 'support-bot', action: 'reply' };

/** A fresh spy Meter and a client metered into it. */
export function meteredClient(options: WithMeterOptions = OPTIONS): { meter: SpyMeter; client: Anthropic } {
  const meter = createSpyMeter();
  return { meter, client: withMeter(createClient(), meter, options) };
}

/** A plain (JSON) answer: message `id` with `usage`. */
export function messageReply(id: string, usage: UsageFixture): Response {
  return jsonResponse(messageBody({ id, usage }));
}

/**
 * A streamed text answer (SSE) for message `id`: `message_start` reports `usage` with one output
 * token so far, the one `message_delta` `output` tokens in all.
 */
export function streamedReply(
  id: string,
  usage: Omit<UsageFixture, 'output_tokens'>,
  output: number,
): Response {
  return sseResponse(
    textStreamEvents({
      id,
      startUsage: usageBody({ ...usage, output_tokens: 1 }),
      deltaUsages: [{ output_tokens: output }],
    }),
  );
}

/** An event's token counts, by short name. */
export function tokens(event: RecordedEvent | undefined) {
  return {
    input: event?.tokens_input,
    cached: event?.tokens_cached_input,
    write: event?.tokens_cache_write,
    output: event?.tokens_output,
    reasoning: event?.tokens_reasoning,
  };
}

/** Reads a stream to its end; returns what it yielded. */
export async function drain(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const seen: unknown[] = [];
  for await (const event of iterable) seen.push(event);
  return seen;
}
