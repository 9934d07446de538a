import Anthropic from '@anthropic-ai/sdk';
import type { APIPromise } from '@anthropic-ai/sdk/core/api-promise';
import type { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { Message, RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { describe, expectTypeOf, it } from 'vitest';
import { createSpyMeter } from './test-support.js';
import { withMeter } from './with-meter.js';

describe('withMeter types', () => {
  const client = withMeter(new Anthropic({ apiKey: 'x' }), createSpyMeter(), {
    agent_id: 'a',
    action: 'b',
  });
  const request = {
    model: 'claude-haiku-4-5',
    max_tokens: 10,
    messages: [{ role: 'user' as const, content: 'hi' }],
  };

  it('returns the very type it was given', () => {
    expectTypeOf(client).toEqualTypeOf<Anthropic>();
    expectTypeOf(client.messages.create(request)).toEqualTypeOf<APIPromise<Message>>();
    expectTypeOf(client.messages.create({ ...request, stream: true })).toEqualTypeOf<
      APIPromise<Stream<RawMessageStreamEvent>>
    >();
    expectTypeOf(client.messages.stream(request)).toEqualTypeOf<MessageStream<null>>();
  });

  it('needs agent_id and action', () => {
    // @ts-expect-error action is required
    withMeter(new Anthropic({ apiKey: 'x' }), createSpyMeter(), { agent_id: 'a' });
    // @ts-expect-error not a client
    withMeter({ chat: {} }, createSpyMeter(), { agent_id: 'a', action: 'b' });
  });
});
