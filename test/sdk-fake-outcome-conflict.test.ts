// FakeIngest stands in for the server in the SDK's delivery tests, so it must refuse what the server
// refuses: an outcome resolved once is final, and resolving it the other way is a conflict (409 on
// the single route, a rejected resolution in a batch), never an "accepted" carrying the old status.
import { describe, expect, it } from 'vitest';
import { FakeIngest } from './sdk-fake-server.js';

async function send(fake: FakeIngest, path: string, body: unknown) {
  const response = await fake.handle(
    new Request(`http://fake.test${path}`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: (await response.json()) as any };
}

const pending = (id: string) => ({
  event_id: id,
  agent_id: 'agent',
  action: 'reply',
  timestamp: '2026-11-26T12:00:00.000Z',
  outcome: 'pending',
});

describe('FakeIngest, an outcome resolved one way and then the other', () => {
  it('answers 409 outcome_already_resolved on the resolve route, and the outcome stays as it was', async () => {
    const fake = new FakeIngest();
    await send(fake, '/v1/meter', pending('evt_conflict_1'));
    const path = '/v1/outcomes/out_evt_conflict_1/resolve';
    expect((await send(fake, path, { outcome: 'success' })).body.status).toBe('success');
    const other = await send(fake, path, { outcome: 'failure' });
    expect([other.status, other.body.code]).toEqual([409, 'outcome_already_resolved']);
    const again = await send(fake, path, { outcome: 'success' });
    expect([again.status, again.body.status, again.body.replayed]).toEqual([200, 'success', true]);
    expect(fake.contractViolations).toEqual([]);
  });

  it('rejects the resolution in a batch with outcome_already_resolved, as the server does', async () => {
    const fake = new FakeIngest();
    const { body } = await send(fake, '/v1/meter/batch', {
      events: [pending('evt_conflict_2')],
      resolutions: [
        { outcome_id: 'out_evt_conflict_2', outcome: 'failure' },
        { outcome_id: 'out_evt_conflict_2', outcome: 'success' },
        { outcome_id: 'out_evt_conflict_2', outcome: 'failure' },
      ],
    });
    expect(
      body.resolution_results.map((result: any) => [
        result.status,
        result.error?.code ?? result.outcome_status,
      ]),
    ).toEqual([
      ['accepted', 'failure'],
      ['rejected', 'outcome_already_resolved'],
      ['duplicate', 'failure'],
    ]);
    expect(fake.contractViolations).toEqual([]);
  });
});
