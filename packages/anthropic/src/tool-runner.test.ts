import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { createClient, jsonResponse, messageBody, REQUEST } from './test-fixtures.js';
import { createSpyMeter, useAnthropicServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const { answer } = useAnthropicServer();

// beta.messages.toolRunner() and its tool helpers exist from 0.63. The helper module is loaded only
// where the runner exists, through a specifier held in a variable: a literal one is resolved when the
// file is transformed, and fails the whole file on a line without it.
const hasToolRunner = typeof Anthropic.Beta.Messages.prototype.toolRunner === 'function';
const JSON_SCHEMA_HELPERS = '@anthropic-ai/sdk/helpers/beta/json-schema';
type JsonSchemaHelpers = typeof import('@anthropic-ai/sdk/helpers/beta/json-schema');

describe.runIf(hasToolRunner)('helpers that call back into the client', () => {
  it('meters each turn of beta.messages.toolRunner() once', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, { agent_id: 'support-bot', action: 'reply' });
    let turn = 0;
    const bodies = answer(() => {
      turn++;
      if (turn === 1) {
        return jsonResponse(
          messageBody({
            id: 'msg_01runner1Xq7Lk2Vb9Tz',
            usage: { input_tokens: 377, cache_creation_input_tokens: 100, output_tokens: 65 },
            stop_reason: 'tool_use',
            content: [
              { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { location: 'Paris' } },
            ],
          }),
        );
      }
      return jsonResponse(
        messageBody({
          id: 'msg_01runner2Xq7Lk2Vb9Tz',
          usage: { input_tokens: 30, cache_read_input_tokens: 100, output_tokens: 12 },
          content: [{ type: 'text', text: 'It is sunny in Paris.', citations: null }],
        }),
      );
    });
    const { betaTool } = (await import(JSON_SCHEMA_HELPERS)) as JsonSchemaHelpers;
    const weather = betaTool({
      name: 'get_weather',
      description: 'The weather in a city',
      inputSchema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
      run: ({ location }) => `Sunny in ${location}`,
    });

    // The runner starts when awaited, so it is awaited inside the context.
    const final = await meter.withContext(
      { customer_id: 'cus_tools' },
      async () => await client.beta.messages.toolRunner({ ...REQUEST, tools: [weather] }),
    );

    expect(final.id).toBe('msg_01runner2Xq7Lk2Vb9Tz');
    expect(bodies).toHaveLength(2);
    expect(
      meter.events.map((event) => [
        event.event_id?.split(':')[1],
        event.customer_id,
        event.tokens_input,
        event.tokens_cached_input,
        event.tokens_cache_write,
        event.tokens_output,
      ]),
    ).toEqual([
      ['msg_01runner1Xq7Lk2Vb9Tz', 'cus_tools', 477, undefined, 100, 65],
      ['msg_01runner2Xq7Lk2Vb9Tz', 'cus_tools', 130, 100, undefined, 12],
    ]);
  });
});
