import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NestingNode, NestingRule } from './nesting.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const node = (spanId: string, parentSpanId: string | undefined, usage = true): NestingNode => ({
  traceId: TRACE,
  spanId,
  parentSpanId,
  usage,
});
const skippedIds = (skipped: Set<string>) =>
  [...skipped].map((key) => key.split(':')[1]).sort((a, b) => String(a).localeCompare(String(b)));

/** A chain of `length` spans, `s0` the outermost, each the parent of the next. */
function chain(length: number, usage: (depth: number) => boolean = () => true): NestingNode[] {
  return Array.from({ length }, (_, depth) =>
    node(`s${depth}`, depth === 0 ? undefined : `s${depth - 1}`, usage(depth)),
  );
}

describe('NestingRule: parent cycles count as no parent', () => {
  it('a span that is its own parent is a call on its own', () => {
    expect(skippedIds(new NestingRule().skipped([node('a', 'a')]))).toEqual([]);
  });

  it('two spans that are each other’s parent are both calls; a child of one makes that one a sum', () => {
    expect(skippedIds(new NestingRule().skipped([node('a', 'b'), node('b', 'a')]))).toEqual([]);
    expect(skippedIds(new NestingRule().skipped([node('a', 'b'), node('b', 'a'), node('c', 'a')]))).toEqual([
      'a',
    ]);
  });

  it('three spans in a cycle, and a chain hanging under it, settle', () => {
    const cycle = [node('a', 'c'), node('b', 'a'), node('c', 'b')];
    expect(skippedIds(new NestingRule().skipped(cycle))).toEqual([]);
    // d under b, e under d: d and b have a usage-reporting descendant; a and c are not b's ancestors.
    expect(skippedIds(new NestingRule().skipped([...cycle, node('d', 'b'), node('e', 'd')]))).toEqual([
      'b',
      'd',
    ]);
  });

  it('a span sent twice in one batch with itself as parent is still one call', () => {
    expect(skippedIds(new NestingRule().skipped([node('a', 'a'), node('a', 'a')]))).toEqual([]);
  });

  it('a cycle across two batches ends: the span metered first stays the only call', () => {
    const rule = new NestingRule();
    expect(skippedIds(rule.skipped([node('a', 'b')]))).toEqual([]);
    rule.metered(TRACE, 'a');
    // b (a's parent in the first batch) names a as its parent: it was marked as having a metered
    // descendant, and it sits under a metered span; either way it is skipped, and the walk ends.
    expect(skippedIds(rule.skipped([node('b', 'a')]))).toEqual(['b']);
    // Longer: c under b, d under c, and a (metered) named as d's parent.
    const longer = new NestingRule();
    longer.skipped([node('a', 'b')]);
    longer.metered(TRACE, 'a');
    expect(skippedIds(longer.skipped([node('b', 'c'), node('c', 'd'), node('d', 'a')]))).toEqual([
      'b',
      'c',
      'd',
    ]);
    // A span marked by an earlier batch, in a cycle with another span in the next batch.
    const marked = new NestingRule();
    marked.skipped([node('x', 'p')]);
    marked.metered(TRACE, 'x');
    expect(skippedIds(marked.skipped([node('p', 'q'), node('q', 'p')]))).toEqual(['p']);
    // All four in one batch close the cycle: it ends too.
    expect(
      longer.skipped([node('a', 'b'), node('b', 'c'), node('c', 'd'), node('d', 'a')]).size,
    ).toBeLessThan(5);
  });
});

/** A model call that reports no usage. */
const usageLess = (spanId: string, parentSpanId: string | undefined): NestingNode => ({
  ...node(spanId, parentSpanId, false),
  call: true,
});
/** A model call that reports usage. */
const withUsage = (spanId: string, parentSpanId: string | undefined): NestingNode => ({
  ...node(spanId, parentSpanId, true),
  call: true,
});

describe('NestingRule: calls that report no usage', () => {
  it('alone, it is the call', () => {
    expect(skippedIds(new NestingRule().skipped([usageLess('t', undefined)]))).toEqual([]);
  });

  it('under a call with usage (a framework span with the counts over a streamed SDK span), the outer one wins', () => {
    expect(skippedIds(new NestingRule().skipped([usageLess('t', 'u'), withUsage('u', undefined)]))).toEqual([
      't',
    ]);
  });

  it('over a call with usage, it is the same call, and yields', () => {
    expect(skippedIds(new NestingRule().skipped([withUsage('c', 's'), usageLess('s', undefined)]))).toEqual([
      's',
    ]);
  });

  it('over another call without usage, the innermost one stands for both', () => {
    expect(
      skippedIds(
        new NestingRule().skipped([usageLess('t', 's'), usageLess('s', 'r'), usageLess('r', undefined)]),
      ),
    ).toEqual(['r', 's']);
  });

  it('under a sum (a span with usage over two calls), it is one of the calls', () => {
    // w sums c (with usage) and t (without): w is skipped as a sum, and metered nothing for t.
    expect(
      skippedIds(
        new NestingRule().skipped([withUsage('c', 'w'), usageLess('t', 'w'), withUsage('w', undefined)]),
      ),
    ).toEqual(['w']);
  });

  it('under an agent or workflow span with usage (not a call), it is the call', () => {
    expect(
      skippedIds(new NestingRule().skipped([usageLess('t', 'agent'), node('agent', undefined, true)])),
    ).toEqual([]);
  });

  it('across batches: the outer call without usage yields to the inner one decided earlier; an outer one with usage is still metered', () => {
    const rule = new NestingRule();
    expect(skippedIds(rule.skipped([usageLess('t', 's'), usageLess('t2', 'u')]))).toEqual([]);
    rule.metered(TRACE, 't');
    rule.metered(TRACE, 't2');
    expect(skippedIds(rule.skipped([usageLess('s', undefined), withUsage('u', undefined)]))).toEqual(['s']);
  });

  it('under a span metered in an earlier batch, it is skipped', () => {
    const rule = new NestingRule();
    expect(skippedIds(rule.skipped([withUsage('u', undefined)]))).toEqual([]);
    rule.metered(TRACE, 'u');
    expect(skippedIds(rule.skipped([usageLess('t', 'u')]))).toEqual(['t']);
  });
});

describe('NestingRule: deep traces', () => {
  it('a chain of 50,000 spans that all report usage: only the innermost is a call', () => {
    const skipped = new NestingRule().skipped(chain(50_000));
    expect(skipped.size).toBe(49_999);
    expect(skipped.has(`${TRACE}:s49999`)).toBe(false);
  }, 120_000);

  it('a chain of 50,000 spans under a span metered in an earlier batch: all skipped', () => {
    const rule = new NestingRule();
    rule.metered(TRACE, 'root');
    const batch = chain(50_000, () => false);
    batch[0] = node('s0', 'root', false);
    expect(rule.skipped(batch).size).toBe(50_000);
  }, 120_000);

  it('a chain of 50,000 spans whose outermost is in a cycle: only the innermost is a call', () => {
    const batch = chain(50_000);
    batch[0] = node('s0', 'x');
    batch.push(node('x', 's0'));
    const skipped = new NestingRule().skipped(batch);
    expect(skipped.size).toBe(49_999);
    expect(skipped.has(`${TRACE}:s49999`)).toBe(false);
    expect(skipped.has(`${TRACE}:x`)).toBe(false);
  }, 120_000);
});

/**
 * The rule as first written (a walk per span, no memory of answers), run on the same batches with every
 * parent link on a cycle removed first: the new rule must decide exactly as it did. Extended, walk by walk
 * too, with the calls that report no usage.
 */
class ReferenceRule {
  readonly covered = new Set<string>();
  readonly callCovered = new Set<string>();
  readonly meteredKeys = new Set<string>();

  metered(traceId: string, spanId: string) {
    this.meteredKeys.add(`${traceId}:${spanId}`);
  }

  skipped(raw: readonly NestingNode[]): Set<string> {
    const key = (traceId: string, spanId: string) => `${traceId}:${spanId}`;
    const lastParent = new Map<string, string | undefined>();
    for (const n of raw)
      lastParent.set(key(n.traceId, n.spanId), n.parentSpanId ? key(n.traceId, n.parentSpanId) : undefined);
    const onCycle = new Set<string>();
    for (const start of lastParent.keys()) {
      const seen = new Set<string>([start]);
      for (let at = lastParent.get(start); at !== undefined && lastParent.has(at); at = lastParent.get(at)) {
        if (at === start) {
          onCycle.add(start);
          break;
        }
        if (seen.has(at)) break;
        seen.add(at);
      }
    }
    const batch = raw.map((n) =>
      onCycle.has(key(n.traceId, n.spanId)) ? { ...n, parentSpanId: undefined } : n,
    );
    const parents = new Map<string, string | undefined>();
    const usage = new Map<string, boolean>();
    const call = new Map<string, boolean>();
    for (const n of batch) {
      const self = key(n.traceId, n.spanId);
      parents.set(self, n.parentSpanId ? key(n.traceId, n.parentSpanId) : undefined);
      usage.set(self, usage.get(self) === true || n.usage);
      call.set(self, call.get(self) === true || n.call === true);
    }
    const usageLess = (self: string) => call.get(self) === true && usage.get(self) !== true;
    const ancestors = (self: string) => {
      const found: string[] = [];
      for (let parent = parents.get(self); parent !== undefined; parent = parents.get(parent)) {
        found.push(parent);
        if (!parents.has(parent)) break;
      }
      return found;
    };
    const walkUp = (marks: Set<string>, memory: Set<string>, start: string) => {
      let parent = parents.get(start);
      while (parent !== undefined) {
        if (marks.has(parent)) return;
        marks.add(parent);
        if (!parents.has(parent)) {
          memory.add(parent);
          return;
        }
        parent = parents.get(parent);
      }
    };
    const covered = new Set<string>();
    const callCovered = new Set<string>();
    for (const n of batch) {
      const self = key(n.traceId, n.spanId);
      const coveredBefore = this.covered.delete(self);
      if (coveredBefore) covered.add(self);
      if (n.usage || coveredBefore) walkUp(covered, this.covered, self);
      const callCoveredBefore = this.callCovered.delete(self);
      if (callCoveredBefore) callCovered.add(self);
      if ((n.call && !n.usage) || callCoveredBefore) walkUp(callCovered, this.callCovered, self);
    }
    const skipped = new Set<string>();
    for (const self of parents.keys())
      if (covered.has(self) || (usageLess(self) && callCovered.has(self))) skipped.add(self);
    // Metered in an earlier batch, as the batch starts.
    const before = new Set(this.meteredKeys);
    const underBefore = (self: string) => ancestors(self).some((a) => before.has(a));
    // A call with usage that this batch meters: not a sum, not under a span metered earlier.
    const meteredHere = (self: string) =>
      parents.has(self) &&
      call.get(self) === true &&
      usage.get(self) === true &&
      !covered.has(self) &&
      !underBefore(self);
    const belowCall = new Set(
      [...parents.keys()].filter((self) => usageLess(self) && ancestors(self).some(meteredHere)),
    );
    for (const self of parents.keys()) {
      const under = ancestors(self).some((a) => before.has(a) || belowCall.has(a));
      if (under || belowCall.has(self)) {
        skipped.add(self);
        this.meteredKeys.add(self);
      }
    }
    return skipped;
  }
}

describe('NestingRule decides as the per-span walk did, on any parent links', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const spanArbitrary = fc.record({
    traceId: fc.constantFrom(TRACE, '1bf7651916cd43dd8448eb211c80319d'),
    spanId: fc.constantFrom(...ids),
    parentSpanId: fc.option(fc.constantFrom(...ids, 'outside'), { nil: undefined }),
    usage: fc.boolean(),
    call: fc.boolean(),
  });

  it('batch after batch, metering what is not skipped', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(spanArbitrary, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        (batches) => {
          const rule = new NestingRule();
          const reference = new ReferenceRule();
          for (const batch of batches) {
            const skipped = rule.skipped(batch);
            expect(skipped).toEqual(reference.skipped(batch));
            for (const n of batch) {
              if ((!n.usage && !n.call) || skipped.has(`${n.traceId}:${n.spanId}`)) continue;
              rule.metered(n.traceId, n.spanId);
              reference.metered(n.traceId, n.spanId);
            }
          }
        },
      ),
      { numRuns: 2_000, seed: 4242 },
    );
  });
});

describe('NestingRule decided a slice at a time', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const spanArbitrary = fc.record({
    traceId: fc.constantFrom('t1', 't2'),
    spanId: fc.constantFrom(...ids),
    parentSpanId: fc.option(fc.constantFrom(...ids, 'outside'), { nil: undefined }),
    usage: fc.boolean(),
    call: fc.boolean(),
  });

  it('skips what skipped() skips, batch after batch, with a pause at every step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(spanArbitrary, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        (batches) => {
          const whole = new NestingRule();
          const sliced = new NestingRule();
          for (const batch of batches) {
            const skipped = whole.skipped(batch);
            const work = sliced.decide(batch, () => true);
            let pauses = 0;
            let step = work.next();
            while (!step.done) {
              pauses++;
              step = work.next();
            }
            expect(step.value).toEqual(skipped);
            if (batch.length > 0) expect(pauses).toBeGreaterThan(0);
            for (const { traceId, spanId, usage, call } of batch) {
              if ((!usage && !call) || skipped.has(`${traceId}:${spanId}`)) continue;
              whole.metered(traceId, spanId);
              sliced.metered(traceId, spanId);
            }
          }
        },
      ),
      { numRuns: 1_000, seed: 1126 },
    );
  });
});

describe('NestingRule memory', () => {
  it('keeps at most `capacity` keys in each memory, the oldest dropped first', () => {
    const rule = new NestingRule(3);
    for (const spanId of ['a', 'b', 'c', 'd', 'e']) rule.metered(TRACE, spanId);
    expect(rule.size).toBe(3);
    // `a` and `b` are forgotten: a span under them is a call again; one under `e` is still the same call.
    expect(skippedIds(rule.skipped([node('x', 'a'), node('y', 'e')]))).toEqual(['y']);
  });

  it('forget() undoes metered(): a span under a forgotten call is a call of its own', () => {
    const rule = new NestingRule();
    rule.metered(TRACE, 'outer');
    rule.forget(TRACE, 'outer');
    expect(skippedIds(rule.skipped([node('inner', 'outer')]))).toEqual([]);
  });
});
