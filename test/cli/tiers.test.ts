import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLine, row, startTestServer, type TestServer } from './cli-harness.js';

let server: TestServer;
let directory: string;

beforeAll(async () => {
  server = await startTestServer('tiers');
  directory = mkdtempSync(join(tmpdir(), 'agentmeter-cli-tier-files-'));
});
afterAll(async () => {
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('agentmeter tiers', () => {
  it('set: the flags become the tier, printed as a table and stored exactly', async () => {
    const result = await server.run([
      'tiers',
      'set',
      'hybrid',
      '--base-fee',
      '0.01',
      '--token-rate-input',
      '0.125',
      '--token-unit',
      '1M',
      '--outcome-bonus',
      '5.00',
      '--bonus-for',
      'meeting.booked=7.5',
      '--description',
      'the guide hybrid',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Tier hybrid v1 — USD 0.01 per call + 0.125 per 1M input tokens + 5.00 per success + 7.50 per meeting.booked success',
    );
    expect(row(result.stdout, 'base fee')).toEqual(['base fee', '0.01', 'per call']);
    expect(row(result.stdout, 'input tokens')).toEqual(['input tokens', '0.125', 'per 1M']);
    expect(row(result.stdout, 'outcome bonus')).toEqual(['outcome bonus', '5.00', 'per success']);
    expect(row(result.stdout, 'bonus for meeting.booked')).toEqual([
      'bonus for meeting.booked',
      '7.50',
      'per success',
    ]);
    const { data } = await server.client.GET('/v1/tiers/{tier_id}', {
      params: { path: { tier_id: 'hybrid' } },
    });
    expect(data).toMatchObject({
      version: 1,
      base_fee: '0.01',
      token_rate_input: '0.125',
      token_rate_output: '0.00',
      token_unit: 1000000,
      outcome_bonus: '5.00',
      outcome_bonus_by_action: { 'meeting.booked': '7.50' },
      description: 'the guide hybrid',
      currency: 'USD',
    });
  });

  it('set --json prints the API response; a change publishes a new version', async () => {
    const first = await server.run(['tiers', 'set', 'per_call', '--base-fee', '0.05', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ tier_id: 'per_call', version: 1, base_fee: '0.05' });
    const second = await server.run([
      'tiers',
      'set',
      'per_call',
      '--base-fee',
      '0.06',
      '--currency',
      'eur',
      '--json',
    ]);
    expect(JSON.parse(second.stdout)).toMatchObject({ version: 2, base_fee: '0.06', currency: 'EUR' });
    const old = await server.run(['tiers', 'get', 'per_call', '--tier-version', '1']);
    expect(old.code).toBe(0);
    expect(old.stdout).toContain('Tier per_call v1 — USD 0.05 per call');
    const current = await server.run(['tiers', 'get', 'per_call', '--json']);
    expect(JSON.parse(current.stdout)).toMatchObject({ version: 2, base_fee: '0.06' });
  });

  it('set --file reads JSON or YAML, and flags override the file', async () => {
    const yamlPath = join(directory, 'tier.yaml');
    writeFileSync(
      yamlPath,
      'description: from yaml\nbase_fee: "0.01"\ntoken_rate_input: 0.003\ntoken_rate_output: "0.003"\noutcome_bonus_by_action:\n  email.sent: "5.00"\n',
    );
    const fromYaml = await server.run([
      'tiers',
      'set',
      'from-yaml',
      '--file',
      yamlPath,
      '--base-fee',
      '0.02',
      '--json',
    ]);
    expect(fromYaml.code).toBe(0);
    expect(JSON.parse(fromYaml.stdout)).toMatchObject({
      description: 'from yaml',
      base_fee: '0.02',
      token_rate_input: '0.003',
      token_rate_output: '0.003',
      token_unit: 1000,
      outcome_bonus_by_action: { 'email.sent': '5.00' },
    });
    const jsonPath = join(directory, 'tier.json');
    writeFileSync(jsonPath, JSON.stringify({ token_rate_input: '0.003', token_rate_output: '0.003' }));
    const fromJson = await server.run(['tiers', 'set', 'per_token', '--file', jsonPath]);
    expect(fromJson.code).toBe(0);
    expect(fromJson.stdout).toContain('Tier per_token v1 — USD 0.003 per 1K tokens');
  });

  it('list: one row per tier with its summary (table and --json)', async () => {
    await server.run(['tiers', 'set', 'outcome', '--base-fee', '0.01', '--outcome-bonus', '5']);
    const table = await server.run(['tiers', 'list']);
    expect(table.code).toBe(0);
    expect(row(table.stdout, 'outcome')).toEqual(['outcome', 'v1', 'USD 0.01 per call + 5.00 per success']);
    expect(row(table.stdout, 'default')).toEqual(['default', 'v1', 'USD nothing (every component is zero)']);
    const json = JSON.parse((await server.run(['tiers', 'list', '--json'])).stdout);
    expect(json.data.map((tier: { tier_id: string }) => tier.tier_id)).toContain('outcome');
    expect(json.data.find((tier: { tier_id: string }) => tier.tier_id === 'outcome')).toMatchObject({
      base_fee: '0.01',
      outcome_bonus: '5.00',
    });
  });

  it('a value the server refuses is one line naming the flag, exit 1', async () => {
    const result = await server.run([
      'tiers',
      'set',
      'bad',
      '--base-fee',
      'abc',
      '--token-rate-input',
      '0.1234567890123',
    ]);
    expect(result.code).toBe(1);
    const line = oneLine(result);
    expect(line).toContain('--base-fee must be a non-negative decimal');
    expect(line).toContain('--token-rate-input must be');
    expect(line).toContain('(400 validation_error)');
  });

  it('a bad field in --file is named by its flag; a broken file is one line, exit 2', async () => {
    const path = join(directory, 'bad.json');
    writeFileSync(path, JSON.stringify({ base_fee: '0.01', token_unit: 7 }));
    const refused = await server.run(['tiers', 'set', 'bad', '--file', path]);
    expect(refused.code).toBe(1);
    expect(oneLine(refused)).toBe(
      'agentmeter: invalid request: --token-unit must be one of 1000, 1000000 (400 validation_error)',
    );
    const broken = join(directory, 'broken.json');
    writeFileSync(broken, '{"base_fee": ');
    const unreadable = await server.run(['tiers', 'set', 'bad', '--file', broken]);
    expect(unreadable.code).toBe(2);
    expect(oneLine(unreadable)).toMatch(/^agentmeter: --file: .*broken\.json is not valid JSON/);
    const missing = await server.run(['tiers', 'set', 'bad', '--file', join(directory, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(oneLine(missing)).toMatch(/--file: cannot read .*nope\.yaml \(ENOENT\)/);
  });

  it('flag errors the CLI catches itself exit 2: --token-unit, --bonus-for, --tier-version', async () => {
    const unit = await server.run(['tiers', 'set', 'x', '--token-unit', '1G']);
    expect(unit.code).toBe(2);
    expect(oneLine(unit)).toBe('agentmeter: --token-unit must be 1K or 1M, got "1G".');
    const bonus = await server.run(['tiers', 'set', 'x', '--bonus-for', 'email.sent']);
    expect(oneLine(bonus)).toBe('agentmeter: --bonus-for must look like action=amount, got "email.sent".');
    const version = await server.run(['tiers', 'get', 'hybrid', '--tier-version', 'two']);
    expect(version.code).toBe(2);
    expect(oneLine(version)).toBe(
      'agentmeter: --tier-version must be an integer from 0 to 1000000000, got "two".',
    );
  });

  it('get of a missing tier is a one-line 404', async () => {
    const result = await server.run(['tiers', 'get', 'nope']);
    expect(result.code).toBe(1);
    expect(oneLine(result)).toBe('agentmeter: Tier "nope" was not found in this project. (404 not_found)');
  });
});
