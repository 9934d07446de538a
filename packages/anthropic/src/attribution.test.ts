import { describe, expect, it } from 'vitest';
import { createClient, jsonResponse, messageBody, REQUEST } from './test-fixtures.js';
import { createSpyMeter, OPTIONS, useAnthropicServer } from './test-support.js';
import { withMeter } from './with-meter.js';

const { answer } = useAnthropicServer();

describe('attribution and content', () => {
  it('takes customer, agent and action from the surrounding context over the defaults', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, {
      ...OPTIONS,
      customer_id: 'cus_default',
      tier: 'pro',
      metadata: { team: 'growth' },
    });
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01ctx1Xq7Lk2Vb9Tz', usage: { input_tokens: 2, output_tokens: 3 } }),
      ),
    );
    await client.messages.create(REQUEST);
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01ctx2Xq7Lk2Vb9Tz', usage: { input_tokens: 2, output_tokens: 3 } }),
      ),
    );
    await meter.withContext({ customer_id: 'cus_42', action: 'triage', metadata: { ticket: 7 } }, () =>
      client.messages.create(REQUEST),
    );

    expect(meter.events[0]).toMatchObject({
      customer_id: 'cus_default',
      action: 'reply',
      tier: 'pro',
      metadata: { team: 'growth' },
    });
    expect(meter.events[1]).toMatchObject({
      customer_id: 'cus_42',
      agent_id: 'support-bot',
      action: 'triage',
      tier: 'pro',
      metadata: { team: 'growth', ticket: 7 },
    });
  });

  it('never sends prompt or completion text unless captureContent is set', async () => {
    const meter = createSpyMeter();
    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01text1Xq7Lk2Vb9Tz', usage: { input_tokens: 2, output_tokens: 3 } }),
      ),
    );
    await withMeter(createClient(), meter, OPTIONS).messages.create(REQUEST);
    expect(JSON.stringify(meter.events)).not.toContain('Hello there');
    expect(JSON.stringify(meter.events)).not.toContain('Say hello');

    answer(() =>
      jsonResponse(
        messageBody({ id: 'msg_01text2Xq7Lk2Vb9Tz', usage: { input_tokens: 2, output_tokens: 3 } }),
      ),
    );
    await withMeter(createClient(), meter, { ...OPTIONS, captureContent: true }).messages.create({
      ...REQUEST,
      system: 'Be brief.',
    });
    expect(meter.events[1]?.metadata).toEqual({
      'agentmeter.prompt': JSON.stringify({ system: 'Be brief.', messages: REQUEST.messages }),
      'agentmeter.completion': 'Hello there!',
    });
  });

  it('truncates captured content to 1,000 characters each, and shortens it to keep the metadata within 8 KiB', async () => {
    const meter = createSpyMeter();
    const long = 'é'.repeat(10_000);
    const notes = 'n'.repeat(5_000); // the caller's own metadata leaves about 3 KiB for the content
    const client = withMeter(createClient(), meter, {
      ...OPTIONS,
      captureContent: true,
      metadata: { notes },
    });
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01long1Xq7Lk2Vb9Tz',
          usage: { input_tokens: 9000, output_tokens: 9000 },
          content: [{ type: 'text', text: long, citations: null }],
        }),
      ),
    );

    await client.messages.create({ ...REQUEST, messages: [{ role: 'user', content: long }] });

    const metadata = meter.events[0]?.metadata ?? {};
    const bytes = new TextEncoder().encode(JSON.stringify(metadata)).byteLength;
    expect(bytes).toBeLessThanOrEqual(8192);
    expect(bytes).toBeGreaterThan(7000);
    expect(metadata['notes']).toBe(notes);
    expect(metadata['agentmeter.content_truncated']).toBe(true);
    const completion = String(metadata['agentmeter.completion']);
    const prompt = String(metadata['agentmeter.prompt']);
    expect(completion).toMatch(/^é+$/);
    expect(prompt.startsWith('{"messages":[{"role":"user","content":"éé')).toBe(true);
    expect(completion.length).toBeLessThan(1000);
    expect(prompt.length).toBeLessThan(1000);
  });

  it('keeps short content whole and unmarked', async () => {
    const meter = createSpyMeter();
    const client = withMeter(createClient(), meter, { ...OPTIONS, captureContent: true });
    const text = 'x'.repeat(1000);
    answer(() =>
      jsonResponse(
        messageBody({
          id: 'msg_01exact1Xq7Lk2Vb9Tz',
          usage: { input_tokens: 9, output_tokens: 9 },
          content: [{ type: 'text', text, citations: null }],
        }),
      ),
    );

    await client.messages.create(REQUEST);

    expect(meter.events[0]?.metadata).toEqual({
      'agentmeter.prompt': JSON.stringify({ messages: REQUEST.messages }),
      'agentmeter.completion': text,
    });
  });
});
