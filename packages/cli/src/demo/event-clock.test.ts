import { withMeter } from '@agentmeter/openai';
import { createTestMeter } from '@agentmeter/sdk/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventClock } from './event-clock.js';
import { type MockOpenAI, startMockOpenAI } from './mock-openai.js';

let mock: MockOpenAI;

beforeAll(async () => {
  mock = await startMockOpenAI();
});
afterAll(async () => {
  await mock.close();
});

describe('the demo event clock', () => {
  it("stamps the events metered by withMeter inside at() (and only those) and reports each one's id", async () => {
    const meter = createTestMeter();
    const clock = createEventClock(meter);
    const client = withMeter(new OpenAI({ apiKey: 'sk-test', baseURL: mock.baseURL }), clock.meter, {
      agent_id: 'outreach-agent',
      action: 'email.sent',
    });
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello' }],
      });
    const stamp = {
      timestamp: '2026-01-01T09:00:00.000Z',
      outcome: 'pending' as const,
      expires_at: '2026-01-08T09:00:00.000Z',
    };
    const { eventId, event } = await clock.at(stamp, ask);
    expect(event).toMatchObject({ ...stamp, agent_id: 'outreach-agent', action: 'email.sent' });
    expect(event.tokens_input).toBeGreaterThan(0);
    await ask();
    await meter.flush();
    const tracked = meter.events;
    expect(tracked).toHaveLength(2);
    expect(tracked[0]).toMatchObject({ event_id: eventId, timestamp: stamp.timestamp, outcome: 'pending' });
    expect(tracked[1]?.timestamp).not.toBe(stamp.timestamp);
    expect(tracked[1]?.outcome).toBeUndefined();
  });
});
