import { describe, expect, it } from 'vitest';
import { attributionOf } from './attribution.js';
import { attributionFromEnv } from './register-config.js';
import type { SpanView } from './span-usage.js';
import type { FinishedSpan } from './types.js';

// The server's Identifier is up to 128 characters counted as code points: 100 emoji are 200 UTF-16
// units but one valid agent id. Counting UTF-16 units dropped such ids for the fallback.
const EMOJI_100 = '😀'.repeat(100);
const EMOJI_129 = '😀'.repeat(129);

describe('otel attribution counts an Identifier in code points, as the server does', () => {
  it('attributionFromEnv takes an id of 100 astral characters and refuses 129', () => {
    const env = (values: Record<string, string>) => (name: string) => values[name];
    expect(attributionFromEnv(env({ AGENTMETER_AGENT_ID: EMOJI_100 })).agent_id).toBe(EMOJI_100);
    expect(attributionFromEnv(env({ OTEL_SERVICE_NAME: EMOJI_100 })).agent_id).toBe(EMOJI_100);
    expect(() => attributionFromEnv(env({ AGENTMETER_CUSTOMER_ID: EMOJI_129 }))).toThrow(
      /AGENTMETER_CUSTOMER_ID.*1 to 128 characters without control characters/,
    );
  });

  it("attributionOf takes a span's `agentmeter.*` ids of 100 astral characters", () => {
    const view = {
      attributes: { 'agentmeter.agent_id': EMOJI_100, 'agentmeter.customer_id': `${EMOJI_100}ü` },
      resource: { 'service.name': 'svc' },
    } as unknown as SpanView;
    const result = attributionOf(view, {} as FinishedSpan, {}, undefined, EMOJI_129);
    expect(result).toEqual({ agent_id: EMOJI_100, customer_id: `${EMOJI_100}ü`, action: 'chat' });
  });
});
