// Two metering layers on one call: a provider wrapper (`@agentmeter/openai`'s `withMeter`) under a
// framework integration (the AI SDK middleware, the LangChain handler). The tests tell the layers
// apart by the agent each bills by default, and check that a call is metered once, by the layer
// nearest the provider.
import { withMeter } from '@agentmeter/openai';
import OpenAI from 'openai';
import { expect } from 'vitest';
import { chatCompletions, chunks, completion, lastUserText, type useMockServer } from './openai-api.js';
import type { RecordedEvent, RecordingMeter } from './recording-meter.js';

export const PROVIDER_LAYER = { agent_id: 'provider-layer', action: 'answer' };
export const FRAMEWORK_LAYER = { agent_id: 'framework-layer', action: 'answer' };

// Real OpenAI ids are long and random (`chatcmpl-` + 29 characters); @agentmeter/openai trusts only
// such ids to identify a call.
export const LONG_ID_TAIL = 'Qw3rTy8uIoPaSdFgHjKlZx';

/** An OpenAI client wrapped by the provider layer, billing `PROVIDER_LAYER`. */
export function providerLayerClient(meter: RecordingMeter, baseURL?: string): OpenAI {
  return withMeter(new OpenAI({ apiKey: 'sk-test', maxRetries: 0, baseURL }), meter, PROVIDER_LAYER);
}

/**
 * Answers every chat completion with a long, unique id (`chatcmpl-<tag>g-<prompt>-…` when generated,
 * `…<tag>s-…` when streamed; unique per test, as the registry of provider-metered ids is process-wide)
 * and usage that names the prompt: `1000 + length` input tokens, `cached` of them cached, `length` output.
 */
export function answerEveryPromptWithLongIds(
  server: ReturnType<typeof useMockServer>,
  tag: string,
  cached: number,
): void {
  server.use(
    chatCompletions((body) => {
      const prompt = lastUserText(body);
      const spec = { prompt: 1000 + prompt.length, completion: prompt.length, cached };
      return body.stream
        ? { sse: chunks(`chatcmpl-${tag}s-${prompt}-${LONG_ID_TAIL}`, 'gpt-4o', ['o', 'k'], spec) }
        : { json: completion(`chatcmpl-${tag}g-${prompt}-${LONG_ID_TAIL}`, 'gpt-4o', ['ok'], spec) };
    }),
  );
}

/** Each event as `[response id without the tail, agent, customer, input, cached input, output]`. */
export function layerRows(events: readonly RecordedEvent[]) {
  return events.map((event) => [
    event.event_id.split(':')[1]?.replace(`-${LONG_ID_TAIL}`, ''),
    event.agent_id,
    event.customer_id,
    event.tokens_input,
    event.tokens_cached_input,
    event.tokens_output,
  ]);
}

/**
 * `count` calls through a client wrapped by the provider layer, at `baseURL`, each answered before
 * the next; then one turn of the event loop, so the wrapper's bookkeeping of those calls is done.
 */
export async function callThroughProviderLayer(meter: RecordingMeter, baseURL: string, count: number) {
  const wrapped = providerLayerClient(meter, baseURL);
  for (let i = 0; i < count; i++) {
    await wrapped.chat.completions.create({
      model: 'local-model',
      messages: [{ role: 'user', content: `w${i}` }],
    });
  }
  await new Promise((resolve) => setImmediate(resolve));
}

/** The meter holds `provider` events billed by the provider layer, then `framework` by the framework's. */
export function expectLayersInOrder(meter: RecordingMeter, provider: number, framework: number): void {
  expect(meter.events.map((event) => event.agent_id)).toEqual([
    ...Array(provider).fill(PROVIDER_LAYER.agent_id),
    ...Array(framework).fill(FRAMEWORK_LAYER.agent_id),
  ]);
}
