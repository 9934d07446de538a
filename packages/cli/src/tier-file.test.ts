import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '@agentmeter/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tierInput } from './commands/tiers.js';
import { createProgram } from './program.js';
import { exactDecimal, parseTierText } from './tier-file.js';

describe('tier files keep amounts as written', () => {
  it('turns a numeral into the decimal string it names, digit for digit', () => {
    expect(exactDecimal('1234567.123456789012')).toBe('1234567.123456789012');
    expect(exactDecimal('1.50')).toBe('1.50');
    expect(exactDecimal('.5')).toBe('0.5');
    expect(exactDecimal('+2')).toBe('2');
    expect(exactDecimal('1.2e-3')).toBe('0.0012');
    expect(exactDecimal('12345678901234567890e-10')).toBe('1234567890.1234567890');
    expect(exactDecimal('3e2')).toBe('300');
    for (const other of ['-1', '0x1F', '.inf', '1e400']) expect(exactDecimal(other)).toBeUndefined();
  });

  it('sends YAML and JSON numbers as their source text; token_unit stays a number', () => {
    const yaml =
      'base_fee: 1234567.123456789012\ntoken_rate_input: 0.10\ntoken_unit: 1000\noutcome_bonus_by_action:\n  email.sent: 5.00\ndescription: "x"\n';
    expect(parseTierText(yaml, 'yaml')).toEqual({
      base_fee: '1234567.123456789012',
      token_rate_input: '0.10',
      token_unit: 1000,
      outcome_bonus_by_action: { 'email.sent': '5.00' },
      description: 'x',
    });
    const json =
      '{\n\t"base_fee": 1234567.123456789012, "token_unit": 1000000, "token_rate_output": "0.003"\n}';
    expect(parseTierText(json, 'json')).toEqual({
      base_fee: '1234567.123456789012',
      token_unit: 1000000,
      token_rate_output: '0.003',
    });
    expect(() => parseTierText('{"base_fee": ', 'json')).toThrow(SyntaxError);
    expect(() => parseTierText('a: [', 'yaml')).toThrow();
  });
});

describe('`agentmeter tiers set --file` against a server', () => {
  const ADMIN_KEY = 'adm_cli_tier_file_test_0123456789abcdef';
  let directory: string;
  let server: RunningServer;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'agentmeter-cli-tier-file-'));
    server = await startServer({
      port: 0,
      dbPath: join(directory, 'meter.db'),
      adminKey: ADMIN_KEY,
      dashboard: false,
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores a 19-digit base fee from a YAML or JSON file exactly (it was rounded on the way)', async () => {
    const yamlPath = join(directory, 'tier.yaml');
    writeFileSync(yamlPath, 'base_fee: 1234567.123456789012\ntoken_unit: 1000\n');
    const jsonPath = join(directory, 'tier.json');
    writeFileSync(jsonPath, '{"base_fee": 7654321.210987654321, "token_rate_input": 1e-3}');
    expect(tierInput({ file: yamlPath })).toEqual({ base_fee: '1234567.123456789012', token_unit: 1000 });
    const printed: string[] = [];
    // `--json` prints the server's answer on stdout.
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      for (const [tier, path] of [
        ['from_yaml', yamlPath],
        ['from_json', jsonPath],
      ] as const) {
        await createProgram().parseAsync(
          ['tiers', 'set', tier, '--file', path, '--json', '--url', server.url, '--api-key', ADMIN_KEY],
          { from: 'user' },
        );
      }
    } finally {
      write.mockRestore();
    }
    const [fromYaml, fromJson] = printed.map((line) => JSON.parse(line));
    expect(fromYaml).toMatchObject({ tier_id: 'from_yaml', base_fee: '1234567.123456789012' });
    expect(fromJson).toMatchObject({
      tier_id: 'from_json',
      base_fee: '7654321.210987654321',
      token_rate_input: '0.001',
    });
  });
});
