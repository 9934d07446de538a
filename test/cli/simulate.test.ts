import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLine, row, startTestServer, type TestServer } from './cli-harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('simulate');
  await server.run(['tiers', 'set', 'per_call', '--base-fee', '0.05']);
  await server.run(['tiers', 'set', 'outcome', '--base-fee', '0.01', '--outcome-bonus', '5.00']);
  // History: a research agent whose calls vary 8x in tokens and carry no outcome, and an outreach
  // agent with uniform calls and outcomes (one success out of four).
  const meter = async (body: Record<string, unknown>) => {
    const { data, error } = await server.client.POST('/v1/meter', { body: body as never });
    if (!data) throw new Error(JSON.stringify(error));
    return data;
  };
  const at = new Date(Date.now() - 3_600_000).toISOString();
  for (const [input, output] of [
    [1500, 500],
    [4000, 1000],
    [14000, 2000],
  ] as const) {
    await meter({
      agent_id: 'research',
      action: 'research.complete',
      customer_id: 'acme',
      tokens_input: input,
      tokens_output: output,
      timestamp: at,
    });
  }
  for (const outcome of ['success', 'failure', 'pending', 'pending'] as const) {
    const event = await meter({
      agent_id: 'outreach',
      action: 'email.sent',
      customer_id: 'globex',
      tokens_input: 1400,
      tokens_output: 380,
      outcome: outcome === 'pending' ? 'pending' : 'pending',
      timestamp: at,
    });
    if (outcome !== 'pending')
      await server.client.POST('/v1/outcomes/{outcome_id}/resolve', {
        params: { path: { outcome_id: event.outcome_id as string } },
        body: { outcome },
      });
  }
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('agentmeter simulate (a described workload)', () => {
  it('prices the reference example under the four reference models: 8.40, 50.00, 85.00, 85.25', async () => {
    const args = [
      'simulate',
      '--calls',
      '1000',
      '--tokens-in',
      '2000',
      '--tokens-out',
      '800',
      '--success-rate',
      '0.015',
    ];
    const table = await server.run(args);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(
      'Workload: 1,000 calls, 15 successes (1.5%), 2,000,000 input + 800,000 output tokens',
    );
    // MODEL CUR BASE TOKENS OUTCOME REVENUE PER CALL PER SUCCESS
    expect(row(table.stdout, 'per_token')).toEqual([
      'per_token',
      'USD',
      '0.00',
      '8.40',
      '0.00',
      '8.40',
      '0.0084',
      '0.56',
    ]);
    expect(row(table.stdout, 'per_call')).toEqual([
      'per_call',
      'USD',
      '50.00',
      '0.00',
      '0.00',
      '50.00',
      '0.05',
      '3.333333333333',
    ]);
    expect(row(table.stdout, 'outcome')).toEqual([
      'outcome',
      'USD',
      '10.00',
      '0.00',
      '75.00',
      '85.00',
      '0.085',
      '5.666666666667',
    ]);
    expect(row(table.stdout, '★ hybrid')).toEqual([
      '★ hybrid',
      'USD',
      '10.00',
      '0.25',
      '75.00',
      '85.25',
      '0.08525',
      '5.683333333333',
    ]);
    expect(table.stdout).toContain(
      'hybrid earns most: USD 85.25 (0.08525 per call, 5.683333333333 per success)',
    );
    const json = JSON.parse((await server.run([...args, '--json'])).stdout);
    expect(json.source).toBe('workload');
    expect(json.results.map((result: any) => [result.name, result.revenue.total])).toEqual([
      ['per_token', '8.40'],
      ['per_call', '50.00'],
      ['outcome', '85.00'],
      ['hybrid', '85.25'],
    ]);
  });

  it('--tier compares the project tiers named, with their versions; --successes sets the count', async () => {
    const table = await server.run([
      'simulate',
      '--calls',
      '10',
      '--successes',
      '2',
      '--tier',
      'per_call',
      '--tier',
      'outcome',
    ]);
    expect(table.code).toBe(0);
    expect(row(table.stdout, 'per_call v1').slice(0, 6)).toEqual([
      'per_call v1',
      'USD',
      '0.50',
      '0.00',
      '0.00',
      '0.50',
    ]);
    expect(row(table.stdout, '★ outcome v1').slice(0, 6)).toEqual([
      '★ outcome v1',
      'USD',
      '0.10',
      '0.00',
      '10.00',
      '10.10',
    ]);
    const unknown = await server.run(['simulate', '--calls', '10', '--tier', 'gold']);
    expect(unknown.code).toBe(1);
    expect(oneLine(unknown)).toBe(
      'agentmeter: There is no tier "gold" in this project. [--tier] (422 unknown_tier)',
    );
  });

  it('bad workload flags are one line: caught locally (exit 2) or named from the server (exit 1)', async () => {
    const none = await server.run(['simulate']);
    expect(none.code).toBe(2);
    expect(oneLine(none)).toBe(
      'agentmeter: give --calls <n> (a described workload) or --from-history FROM TO.',
    );
    const calls = await server.run(['simulate', '--calls', 'many']);
    expect(oneLine(calls)).toBe('agentmeter: --calls must be an integer from 0 to 1000000000, got "many".');
    const rate = await server.run(['simulate', '--calls', '10', '--success-rate', '1.5']);
    expect(rate.code).toBe(1);
    expect(oneLine(rate)).toMatch(
      /^agentmeter: invalid request: --success-rate .+ \(400 validation_error\)$/,
    );
  });
});

describe('agentmeter simulate --from-history', () => {
  const period = () => [
    '--from-history',
    new Date(Date.now() - 86_400_000).toISOString(),
    new Date(Date.now() + 60_000).toISOString(),
  ];

  it('reprices the real events and answers the framework: varying tokens, no outcome → per_token (developer)', async () => {
    const table = await server.run(['simulate', ...period(), '--agent', 'research', '--buyer', 'developer']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(
      '(agent research): 3 calls, 0 successes (0%), 19,500 input + 3,500 output tokens',
    );
    // 23,000 tokens at 0.003 per 1K = 0.069; 3 calls at 0.05 = 0.15
    expect(row(table.stdout, 'per_token').slice(0, 6)).toEqual([
      'per_token',
      'USD',
      '0.00',
      '0.069',
      '0.00',
      '0.069',
    ]);
    expect(row(table.stdout, '★ per_call').slice(0, 6)).toEqual([
      '★ per_call',
      'USD',
      '0.15',
      '0.00',
      '0.00',
      '0.15',
    ]);
    expect(table.stdout).toContain(
      '1. A discrete, measurable outcome?     no — none of 3 calls carried an outcome',
    );
    expect(table.stdout).toContain(
      '2. Tokens vary more than 5x per call?  yes — max/min = 8.0x (2,000 to 16,000 tokens per call)',
    );
    expect(table.stdout).toContain('→ The model they point to: per_token —');
    const business = JSON.parse(
      (await server.run(['simulate', ...period(), '--agent', 'research', '--buyer', 'business', '--json']))
        .stdout,
    );
    expect(business.source).toBe('history');
    expect(business.framework).toMatchObject({ model: 'per_call', tokensVary: { answer: true, ratio: 8 } });
  });

  it('outcomes and uniform tokens → outcome; the success rate and per-success revenue come from the ledger', async () => {
    const json = JSON.parse(
      (await server.run(['simulate', ...period(), '--customer', 'globex', '--json'])).stdout,
    );
    expect(json).toMatchObject({ source: 'history', calls: 4, successes: 1 });
    const outcome = json.results.find((result: any) => result.name === 'outcome');
    expect(outcome).toMatchObject({
      success_rate: '0.25',
      revenue: { base: '0.04', outcome: '5.00', total: '5.04' },
      revenue_per_call: '1.26',
      revenue_per_success: '5.04',
    });
    expect(json.framework).toMatchObject({
      model: 'outcome',
      outcome: { answer: true },
      tokensVary: { answer: false },
      buyer: { answer: null },
    });
    const table = await server.run(['simulate', ...period(), '--customer', 'globex']);
    expect(table.stdout).toContain(
      '1. A discrete, measurable outcome?     yes — 4 of 4 calls carried an outcome; 1 succeeded',
    );
    expect(table.stdout).toContain(
      '3. Who is the buyer?                   unknown — not in the data; pass --buyer developer|business',
    );
  });

  it('--from-history needs two values and a valid period (one line each)', async () => {
    const one = await server.run(['simulate', '--from-history', '2026-01-01']);
    expect(one.code).toBe(2);
    expect(oneLine(one)).toBe(
      'agentmeter: --from-history takes two values: FROM TO (dates or RFC 3339 times).',
    );
    const bad = await server.run(['simulate', '--from-history', 'soon', 'later']);
    expect(bad.code).toBe(1);
    expect(oneLine(bad)).toMatch(
      /^agentmeter: invalid request: --from-history <from> must match format "date-time"/,
    );
    const buyer = await server.run(['simulate', ...period(), '--buyer', 'cfo']);
    expect(oneLine(buyer)).toBe('agentmeter: --buyer must be one of developer, business, got "cfo".');
  });
});
