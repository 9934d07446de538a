// `agentmeter tiers set` gives usage the providers bill apart its own rates, from flags or a tier
// file, exactly as written; the table and the one-line summary show them only when the tier has them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from './errors.js';
import { useCliServer } from './test-support.js';

describe('`agentmeter tiers set` with the rates of separately billed usage', () => {
  const server = useCliServer('separate');
  const { run } = server;
  /** The cells of the table row whose first cell is `first`. */
  const row = (output: string, first: string) =>
    output
      .split('\n')
      .map((line) => line.trim().split(/\s{2,}/))
      .find((cells) => cells[0] === first);

  it('sets each rate from its flag, shows it, and prices a metered call with it', async () => {
    const output = await run([
      'tiers',
      'set',
      'voice',
      '--token-rate-input',
      '0.003',
      '--token-rate-output',
      '0.006',
      '--token-rate-cache-write-1h',
      '0.006',
      '--token-rate-audio-input',
      '0.04',
      '--token-rate-audio-output',
      '0.08',
      '--web-search-request-fee',
      '0.01',
    ]);
    expect(output).toContain(
      'Tier voice v1 — USD 0.003 per 1K input tokens + 0.006 per 1K output tokens + 0.006 per 1K 1-hour cache-write tokens + 0.04 per 1K audio input tokens + 0.08 per 1K audio output tokens + 0.01 per web search',
    );
    expect(row(output, '1-hour cache-write tokens')).toEqual([
      '1-hour cache-write tokens',
      '0.006',
      'per 1K',
    ]);
    expect(row(output, 'audio input tokens')).toEqual(['audio input tokens', '0.04', 'per 1K']);
    expect(row(output, 'audio output tokens')).toEqual(['audio output tokens', '0.08', 'per 1K']);
    expect(row(output, 'web searches')).toEqual(['web searches', '0.01', 'per search']);

    const tier = JSON.parse(await run(['tiers', 'get', 'voice', '--json']));
    expect(tier).toMatchObject({
      token_rate_cache_write_1h: '0.006',
      token_rate_audio_input: '0.04',
      token_rate_audio_output: '0.08',
      web_search_request_fee: '0.01',
    });

    // 1000 input (400 of them audio) and 500 output (200 audio), 2 searches:
    // 600 × 0.003 + 400 × 0.04 + 300 × 0.006 + 200 × 0.08 (per 1000) + 2 × 0.01 = 0.0356 + 0.02.
    const metered = await fetch(`${server.url}/v1/meter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        agent_id: 'bot',
        action: 'talk',
        tier: 'voice',
        tokens_input: 1000,
        tokens_audio_input: 400,
        tokens_output: 500,
        tokens_audio_output: 200,
        web_search_requests: 2,
      }),
    });
    expect(((await metered.json()) as { price: { tokens: string } }).price.tokens).toBe('0.0556');
  });

  it('a tier without them shows none of them', async () => {
    const output = await run(['tiers', 'set', 'plain', '--token-rate-input', '0.003']);
    for (const first of [
      '1-hour cache-write tokens',
      'audio input tokens',
      'audio output tokens',
      'web searches',
    ])
      expect(row(output, first)).toBeUndefined();
    expect(output).not.toContain('audio');
  });

  it('reads them from a tier file digit for digit, the flags winning', async () => {
    const file = join(server.directory, 'voice.yaml');
    writeFileSync(
      file,
      [
        'token_rate_input: 0.003',
        'token_rate_audio_input: 0.000000000001',
        'token_rate_audio_output: 1234567.123456789012',
        'token_rate_cache_write_1h: 1.5e-3',
        'web_search_request_fee: 0.5',
      ].join('\n'),
    );
    const tier = JSON.parse(
      await run(['tiers', 'set', 'from-file', '--file', file, '--web-search-request-fee', '0.025', '--json']),
    );
    expect(tier).toMatchObject({
      token_rate_audio_input: '0.000000000001',
      token_rate_audio_output: '1234567.123456789012',
      token_rate_cache_write_1h: '0.0015',
      web_search_request_fee: '0.025',
    });
  });

  it('names the flag of a rate the server refuses', async () => {
    const refused = run(['tiers', 'set', 'bad', '--token-rate-audio-output', '0.0000000000001']);
    await expect(refused).rejects.toBeInstanceOf(CliError);
    await expect(refused).rejects.toThrow(/--token-rate-audio-output/);
  });
});
