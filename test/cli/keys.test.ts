import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneLine, row, startTestServer, type TestServer } from './cli-harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer('keys');
});
afterAll(async () => {
  await server?.stop();
});

describe('agentmeter keys', () => {
  it('create prints the secret once; the key works for its scope only; list shows it; revoke stops it', async () => {
    const created = await server.run(['keys', 'create', '--name', 'ci ingest', '--scope', 'ingest']);
    expect(created.code).toBe(0);
    const keyId = /Created ingest key (key_\w+) \(ci ingest\)\./.exec(created.stdout)?.[1];
    const secret = created.stdout.trim().split('\n').at(-1)?.trim();
    expect(keyId).toBeDefined();
    expect(secret).toMatch(/^\S{16,}$/);

    // The secret is a real ingest key: it meters, and it cannot read usage.
    const metered = await fetch(`${server.url}/v1/meter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'a', action: 'b' }),
    });
    expect(metered.status).toBe(200);
    const forbidden = await server.run(['usage'], { AGENTMETER_API_KEY: secret as string });
    expect(forbidden.code).toBe(1);
    expect(oneLine(forbidden)).toMatch(/Use an admin key\. \(403 \w+\)$/);

    const list = await server.run(['keys', 'list']);
    expect(list.code).toBe(0);
    const cells = row(list.stdout, keyId as string);
    expect(cells.slice(1, 3)).toEqual(['ci ingest', 'ingest']);
    expect(cells.at(-1)).toBe('active');
    expect(list.stdout).not.toContain(secret);

    const revoked = await server.run(['keys', 'revoke', keyId as string]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked ingest key ${keyId} \\(ci ingest\\) at \\d{4}-`));
    const after = await fetch(`${server.url}/v1/meter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'a', action: 'b' }),
    });
    expect(after.status).toBe(401);
    const listed = JSON.parse((await server.run(['keys', 'list', '--json'])).stdout);
    const entry = listed.data.find((key: { key_id: string }) => key.key_id === keyId);
    expect(entry).toMatchObject({ name: 'ci ingest', scope: 'ingest' });
    expect(entry.revoked_at).toEqual(expect.any(String));
    expect(row((await server.run(['keys', 'list'])).stdout, keyId as string).at(-1)).toMatch(
      /^revoked \d{4}-/,
    );
  });

  it('create --json returns the secret and the key record', async () => {
    const result = await server.run(['keys', 'create', '--scope', 'admin', '--json']);
    expect(result.code).toBe(0);
    const created = JSON.parse(result.stdout);
    expect(created).toMatchObject({ scope: 'admin', revoked_at: null, name: null });
    const works = await server.run(['tiers', 'list', '--json'], { AGENTMETER_API_KEY: created.key });
    expect(works.code).toBe(0);
    expect(JSON.parse(works.stdout).data.length).toBeGreaterThan(0);
  });

  it('a bad --scope is caught before any request (exit 2); an unknown key id is a one-line 404', async () => {
    const scope = await server.run(['keys', 'create', '--scope', 'root']);
    expect(scope.code).toBe(2);
    expect(oneLine(scope)).toBe('agentmeter: --scope must be one of ingest, admin, got "root".');
    const missing = await server.run(['keys', 'revoke', 'key_doesnotexist']);
    expect(missing.code).toBe(1);
    expect(oneLine(missing)).toBe(
      'agentmeter: Key "key_doesnotexist" was not found in this project. (404 not_found)',
    );
    const malformed = await server.run(['keys', 'revoke', 'nope']);
    expect(malformed.code).toBe(1);
    expect(oneLine(malformed)).toMatch(/^agentmeter: invalid request: <key_id> .+ \(400 validation_error\)$/);
  });
});
