// A Meter's state is its own: nothing mutable lives at module level, where two Meters (or two
// tests) would share it, except the process-wide state every copy of the SDK shares on purpose.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const source = new URL('.', import.meta.url);
const SHARED_ON_PURPOSE = new Set(['shared-state.ts']);

describe('module state', () => {
  it('no source module declares a top-level let or var, but shared-state.ts', () => {
    const offenders = readdirSync(source)
      .filter((name) => name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(name))
      .filter((name) => !SHARED_ON_PURPOSE.has(name))
      .flatMap((name) =>
        readFileSync(new URL(name, source), 'utf8')
          .split('\n')
          .filter((line) => /^(export\s+)?(let|var)\s/.test(line))
          .map((line) => `${name}: ${line}`),
      );
    expect(offenders).toEqual([]);
  });
});
