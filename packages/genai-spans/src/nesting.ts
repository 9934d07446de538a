// "Meter the innermost model call only": which spans of a batch are the model calls to meter, when a
// framework span, an SDK span and an HTTP span may all describe one call.

/** One span of a batch, for the nesting rule. */
export interface NestingNode {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** The span reports token usage (whatever its role), or an agentmeter layer metered it. */
  usage: boolean;
  /**
   * The span is a model call that may be metered: with its usage, or, reporting none, as a call whose usage
   * is missing. Unset counts as false.
   */
  call?: boolean;
}

const MAX_REMEMBERED = 100_000;

/**
 * "Meter the innermost model call only." A span that reports usage and has a descendant reporting usage is
 * a sum (a framework or workflow span over its model calls), never a call of its own. Spans end child
 * first, and a batch may hold a child without its parent (or the reverse, when a parent ended first), so
 * the rule works batch by batch and remembers, across batches, which spans already have a usage-reporting
 * descendant: a bounded set of span keys, each dropped when its span is seen. When spans arrive out of
 * order (an exporter sending each span on its own) and the outer call was metered first, the inner spans
 * of the same call are skipped instead: a call is metered once either way.
 *
 * A call that reports no usage (`call` without `usage`: a streamed call some instrumentations trace
 * without counts) is the call only when nothing better covers it: it is skipped when a descendant reports
 * usage, when a descendant is itself a call without usage (the innermost one stands for both), when it
 * is under a call with usage metered in the same batch (the outer span has the counts), and when it is
 * under a span metered in an earlier batch. A call with usage is never skipped for a usage-less call below it.
 *
 * Parent links come from the sender and may be wrong: a span on a parent cycle (its own parent, or two
 * spans each other's parent) counts as having no parent. Each span's parent is looked up once and every
 * answer is kept, so a batch costs time linear in its spans, however deep its traces.
 */
export class NestingRule {
  readonly #covered = new Map<string, true>();
  /** Spans with a descendant that is a call without usage, seen in an earlier batch. */
  readonly #callCovered = new Map<string, true>();
  /** Spans metered, and spans seen under them. */
  readonly #metered = new Map<string, true>();

  /** `capacity`: the most span keys each of the rule's memories keeps (the oldest are dropped). */
  constructor(readonly capacity = MAX_REMEMBERED) {}

  /** The span keys remembered. */
  get size(): number {
    return this.#covered.size + this.#callCovered.size + this.#metered.size;
  }

  /** Records that the span was metered: spans under it that arrive later are the same call. */
  metered(traceId: string, spanId: string): void {
    remember(this.#metered, `${traceId}:${spanId}`, this.capacity);
  }

  /** Undoes `metered()` for a call whose event was not recorded after all. */
  forget(traceId: string, spanId: string): void {
    this.#metered.delete(`${traceId}:${spanId}`);
  }

  /**
   * The keys (`traceId:spanId`) of the batch's spans not to meter: those with a usage-reporting descendant,
   * and those under a span metered in an earlier batch (spans exported out of order: the outer call was
   * metered first, so its inner calls are the same call).
   */
  skipped(batch: readonly NestingNode[]): Set<string> {
    const work = this.decide(batch, () => false);
    for (;;) {
      const step = work.next();
      if (step.done) return step.value;
    }
  }

  /**
   * `skipped()`, a slice at a time: yields whenever `due()` says the slice is spent, for the caller to give
   * the event loop back (and to keep other batches from deciding until this one is done).
   */
  *decide(batch: readonly NestingNode[], due: () => boolean): Generator<void, Set<string>> {
    const graph = yield* graphOf(batch, due);
    const { keys, parentKeys, parentAt, usage, call } = graph;
    const count = keys.length;
    const skipped = new Set<string>();

    // Spans with a usage-reporting descendant (`covered`), and spans with a descendant that is a call
    // without usage (`callCovered`): from each span that is one (or was marked by an earlier batch), mark
    // its ancestors up to the first one already marked, whose ancestors are then marked too.
    const covered = new Uint8Array(count);
    const callCovered = new Uint8Array(count);
    for (let index = 0; index < count; index++) {
      const self = keys[index] as string;
      // A span covered by an earlier batch passes the mark on to its own ancestors.
      const coveredBefore = this.#covered.delete(self);
      if (coveredBefore) covered[index] = 1;
      if (usage[index] || coveredBefore) markAncestors(index, covered, graph, this.#covered, this.capacity);
      const callCoveredBefore = this.#callCovered.delete(self);
      if (callCoveredBefore) callCovered[index] = 1;
      if ((call[index] && !usage[index]) || callCoveredBefore)
        markAncestors(index, callCovered, graph, this.#callCovered, this.capacity);
      if (due()) yield;
    }
    for (let index = 0; index < count; index++) {
      const usageLess = call[index] && !usage[index];
      if (covered[index] || (usageLess && callCovered[index])) skipped.add(keys[index] as string);
    }

    // Spans under a span metered earlier, and calls without usage under a call with usage metered in this
    // batch: decided parent first, each answer kept for its children.
    const under = new Uint8Array(count); // 0 not decided yet, 1 under a metered span, 2 not
    const belowCall = new Uint8Array(count); // 1: under a call with usage that this batch meters
    const path: number[] = [];
    for (let start = 0; start < count; start++) {
      let at = start;
      while (under[at] === 0) {
        path.push(at);
        const parent = parentAt[at] as number;
        if (parent === -1) break;
        at = parent;
      }
      while (path.length > 0) {
        const index = path.pop() as number;
        const parent = parentAt[index] as number;
        const parentKey = parentKeys[index];
        const isUnder =
          (parentKey !== undefined && this.#metered.has(parentKey)) || (parent !== -1 && under[parent] === 1);
        under[index] = isUnder ? 1 : 2;
        if (
          parent !== -1 &&
          (belowCall[parent] === 1 ||
            (call[parent] && usage[parent] && covered[parent] === 0 && under[parent] === 2))
        )
          belowCall[index] = 1;
        if (isUnder || (belowCall[index] === 1 && call[index] && !usage[index])) {
          const self = keys[index] as string;
          skipped.add(self);
          remember(this.#metered, self, this.capacity);
        }
      }
      if (due()) yield;
    }
    return skipped;
  }
}

/**
 * Marks the ancestors of the span at `index` in `marks`, up to the first one already marked; when the walk
 * leaves the batch, the ancestor outside it is remembered in `memory`, for when it arrives.
 */
function markAncestors(
  index: number,
  marks: Uint8Array,
  { parentAt, parentKeys }: { parentAt: Int32Array; parentKeys: (string | undefined)[] },
  memory: Map<string, true>,
  capacity: number,
): void {
  let top = index;
  let parent = parentAt[index] as number;
  while (parent !== -1 && marks[parent] === 0) {
    marks[parent] = 1;
    top = parent;
    parent = parentAt[parent] as number;
  }
  const outside = parentKeys[top];
  if (parent === -1 && outside !== undefined) remember(memory, outside, capacity);
}

/**
 * The batch as a graph: one entry per span key (a span sent twice keeps its last parent, and reports
 * usage, or is a call, if either copy does), the parent's index when the parent is in the batch (else -1), and the
 * parent's key. Spans on a parent cycle lose their parent.
 */
function* graphOf(batch: readonly NestingNode[], due: () => boolean) {
  const indexOf = new Map<string, number>();
  const keys: string[] = [];
  const parentKeys: (string | undefined)[] = [];
  const usage: boolean[] = [];
  const call: boolean[] = [];
  for (const node of batch) {
    const self = `${node.traceId}:${node.spanId}`;
    const parent = node.parentSpanId ? `${node.traceId}:${node.parentSpanId}` : undefined;
    const index = indexOf.get(self);
    if (index === undefined) {
      indexOf.set(self, keys.length);
      keys.push(self);
      parentKeys.push(parent);
      usage.push(node.usage);
      call.push(node.call === true);
    } else {
      parentKeys[index] = parent;
      usage[index] = usage[index] || node.usage;
      call[index] = call[index] || node.call === true;
    }
    if (due()) yield;
  }
  const count = keys.length;
  const parentAt = new Int32Array(count);
  for (let index = 0; index < count; index++) {
    const parent = parentKeys[index];
    parentAt[index] = parent === undefined ? -1 : (indexOf.get(parent) ?? -1);
  }
  // Walk up from each span not walked yet; reaching a span of the current walk again closes a cycle.
  const state = new Uint8Array(count); // 0 not walked, 1 on the current walk, 2 done
  const walk: number[] = [];
  for (let start = 0; start < count; start++) {
    let at = start;
    while (at !== -1 && state[at] === 0) {
      state[at] = 1;
      walk.push(at);
      at = parentAt[at] as number;
    }
    if (at !== -1 && state[at] === 1) {
      for (let position = walk.length - 1; position >= 0; position--) {
        const member = walk[position] as number;
        parentAt[member] = -1;
        parentKeys[member] = undefined;
        if (member === at) break;
      }
    }
    for (const member of walk) state[member] = 2;
    walk.length = 0;
    if (due()) yield;
  }
  return { keys, parentKeys, parentAt, usage, call };
}

function remember(keys: Map<string, true>, spanKey: string, capacity: number): void {
  if (keys.size >= capacity) {
    const oldest = keys.keys().next().value;
    if (oldest !== undefined) keys.delete(oldest);
  }
  keys.set(spanKey, true);
}
