import { beforeAll, describe, expect, it } from 'vitest';
import { useCliServer } from './test-support.js';

describe('`agentmeter keys create --allow-tier-override`', () => {
  const server = useCliServer('keys-tier');
  const { run } = server;
  beforeAll(async () => {
    await fetch(`${server.url}/v1/tiers/free`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ base_fee: '0' }),
    });
  });
  const meterWithTier = (key: string) =>
    fetch(`${server.url}/v1/meter`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'a', action: 'b', tier: 'free' }),
    });

  it("creates an ingest key whose events may set their tier, and says so; a plain ingest key's may not", async () => {
    const allowed = await run(['keys', 'create', '--name', 'pricing-aware', '--allow-tier-override']);
    expect(allowed).toMatch(
      /^Created ingest key key_\w+ \(pricing-aware\), allowed to set an event's tier\.$/m,
    );
    const allowedSecret = allowed.trim().split('\n').at(-1)?.trim() as string;
    const plain = await run(['keys', 'create', '--name', 'plain']);
    expect(plain).toMatch(/^Created ingest key key_\w+ \(plain\)\.$/m);
    const plainSecret = plain.trim().split('\n').at(-1)?.trim() as string;

    const priced = await meterWithTier(allowedSecret);
    expect([priced.status, ((await priced.json()) as { tier: string }).tier]).toEqual([200, 'free']);
    const refused = await meterWithTier(plainSecret);
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([
      403,
      'tier_override_forbidden',
    ]);

    const list = await run(['keys', 'list']);
    const scopeOf = (name: string) =>
      list
        .split('\n')
        .map((line) => line.trim().split(/\s{2,}/))
        .find((cells) => cells[1] === name)?.[2];
    expect([scopeOf('pricing-aware'), scopeOf('plain')]).toEqual(['ingest+tier', 'ingest']);
    const json = JSON.parse(await run(['keys', 'list', '--json']));
    expect(
      json.data.map((key: { name: string; allow_tier_override: boolean }) => [
        key.name,
        key.allow_tier_override,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['pricing-aware', true],
        ['plain', false],
      ]),
    );
  });
});
