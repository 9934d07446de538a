import { validate, version } from 'uuid';
import { describe, expect, it } from 'vitest';
import { captureEvent } from './capture.js';

const timeOf = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);

/** The id track() mints for an event that has none. */
function mintedId(): string {
  const result = captureEvent({ agent_id: 'a', action: 'b' }, undefined, Date.now());
  if (!result.ok) throw new Error(result.message);
  return result.id;
}

describe('minted event ids', () => {
  it('are valid UUIDv7s carrying the time they were minted', () => {
    const before = Date.now();
    const id = mintedId();
    const after = Date.now();
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(timeOf(id)).toBeGreaterThanOrEqual(before);
    expect(timeOf(id)).toBeLessThanOrEqual(after);
  });

  it('are unique and sort in the order they were minted, within a millisecond and across many', async () => {
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (let index = 0; index < 20_000; index++) ids.push(mintedId());
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(new Set(ids).size).toBe(ids.length);
    for (let index = 1; index < ids.length; index++) {
      if (!((ids[index - 1] as string) < (ids[index] as string))) {
        throw new Error(`id ${index} (${ids[index]}) does not sort after ${ids[index - 1]}`);
      }
    }
    expect(ids.every((id) => version(id) === 7)).toBe(true);
  });

  it('are what track() gives an event that has none', () => {
    const result = captureEvent({ agent_id: 'a', action: 'b' }, undefined, Date.now());
    if (!result.ok) throw new Error(result.message);
    expect(version(result.id)).toBe(7);
    expect(JSON.parse(result.json).event_id).toBe(result.id);
  });
});
