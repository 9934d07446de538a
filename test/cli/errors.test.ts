import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/processes.js';
import { cli, oneLine, startTestServer, type TestServer } from './cli-harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('errors');
});
afterAll(async () => {
  await server?.stop();
});

const READS = [
  ['keys', 'list'],
  ['tiers', 'list'],
  ['tiers', 'get', 'default'],
  ['customers', 'get', 'acme'],
  ['agents', 'get', 'bot'],
  ['usage'],
  ['invoice', '--customer', 'acme'],
  ['simulate', '--calls', '1'],
];

describe('errors are one line and a non-zero exit, never a stack trace', () => {
  it('a wrong API key: the 401 in one line, for every read', async () => {
    for (const args of READS) {
      const result = await server.run(args, { AGENTMETER_API_KEY: 'not-a-key-of-this-project' });
      expect(result.code, args.join(' ')).toBe(1);
      expect(oneLine(result)).toBe(
        'agentmeter: The API key is unknown or revoked. Pass --api-key or set AGENTMETER_API_KEY. (401 invalid_api_key)',
      );
      expect(result.stdout).toBe('');
    }
  });

  it('--url and --api-key flags win over the environment, before or after the command', async () => {
    const after = await cli(
      ['tiers', 'get', 'default', '--json', '--url', server.url, '--api-key', server.adminKey],
      {
        AGENTMETER_URL: 'http://127.0.0.1:9',
        AGENTMETER_API_KEY: 'wrong-key-wrong-key',
      },
    );
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).tier_id).toBe('default');
    const before = await cli(['--url', server.url, '--api-key', server.adminKey, 'tiers', 'list', '--json']);
    expect(before.code).toBe(0);
  });

  it('no API key at all is a one-line usage error (exit 2)', async () => {
    const result = await cli(['usage'], { AGENTMETER_URL: server.url });
    expect(result.code).toBe(2);
    expect(oneLine(result)).toBe(
      'agentmeter: no API key: pass --api-key or set AGENTMETER_API_KEY (the admin key `agentmeter serve` printed).',
    );
  });

  it('a server that is down is named in one line', async () => {
    const port = await freePort();
    const result = await cli(['usage', '--api-key', 'whatever-key-123', '--url', `http://127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(oneLine(result)).toBe(
      `agentmeter: cannot reach the agentmeter server at http://127.0.0.1:${port} (connection refused). Start one with \`agentmeter serve\`, or pass --url.`,
    );
  });

  it('something that is not an agentmeter server is said so', async () => {
    const { createServer } = await import('node:http');
    const other = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<h1>nope</h1>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as { port: number };
    try {
      const result = await cli([
        'tiers',
        'list',
        '--api-key',
        'whatever-key-123',
        '--url',
        `http://127.0.0.1:${port}`,
      ]);
      expect(result.code).toBe(1);
      expect(oneLine(result)).toBe(
        `agentmeter: the server at http://127.0.0.1:${port} answered 404 Not Found (is it an agentmeter server?)`,
      );
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('unknown options, commands and extra arguments exit 2 with one line', async () => {
    const option = await server.run(['usage', '--colour']);
    expect(option.code).toBe(2);
    expect(oneLine(option)).toBe("agentmeter: unknown option '--colour' (see --help)");
    const command = await server.run(['invoices']);
    expect(command.code).toBe(2);
    expect(oneLine(command)).toBe(
      "agentmeter: unknown command 'invoices' (Did you mean invoice?) (see --help)",
    );
    const extra = await server.run(['usage', 'now']);
    expect(oneLine(extra)).toMatch(/^agentmeter: too many arguments for 'usage'/);
    const url = await cli(['usage', '--url', 'localhost:8787', '--api-key', 'k'.repeat(20)]);
    expect(url.code).toBe(2);
    expect(oneLine(url)).toBe('agentmeter: --url must be an http(s) URL, got "localhost:8787".');
  });
});

describe('--help', () => {
  const COMMANDS = [
    [],
    ['serve'],
    ['demo'],
    ['keys'],
    ['keys', 'create'],
    ['keys', 'list'],
    ['keys', 'revoke'],
    ['tiers'],
    ['tiers', 'set'],
    ['tiers', 'get'],
    ['tiers', 'list'],
    ['customers', 'set'],
    ['customers', 'get'],
    ['agents', 'set'],
    ['agents', 'get'],
    ['usage'],
    ['invoice'],
    ['simulate'],
  ];

  it('every command has --help (exit 0); every read documents --json; the globals are listed', async () => {
    for (const command of COMMANDS) {
      const result = await cli([...command, '--help']);
      const name = command.join(' ') || '(root)';
      expect(result.code, name).toBe(0);
      expect(result.stdout, name).toContain(
        `Usage: agentmeter${command.length ? ` ${command.join(' ')}` : ''}`,
      );
      const isGroup = ['keys', 'tiers'].includes(command.join(' ')) || command.length === 0;
      if (!isGroup && command[0] !== 'serve') expect(result.stdout, name).toContain('--json');
      if (command.length > 0 && !isGroup) expect(result.stdout, name).toContain('--api-key <key>');
    }
  }, 120_000);
});
