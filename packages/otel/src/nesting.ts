/** One span of a batch, for the nesting rule. */
export interface NestingNode {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** The span reports token usage (whatever its role). */
  usage: boolean;
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
 */
export class NestingRule {
  readonly #covered = new Map<string, true>();
  /** Spans metered, and spans seen under them. */
  readonly #metered = new Map<string, true>();

  /** Records that the span was metered: spans under it that arrive later are the same call. */
  metered(traceId: string, spanId: string): void {
    remember(this.#metered, `${traceId}:${spanId}`);
  }

  /**
   * The keys (`traceId:spanId`) of the batch's spans not to meter: those with a usage-reporting descendant,
   * and those under a span metered in an earlier batch (spans exported out of order: the outer call was
   * metered first, so its inner calls are the same call).
   */
  skipped(batch: readonly NestingNode[]): Set<string> {
    const key = (traceId: string, spanId: string) => `${traceId}:${spanId}`;
    const parents = new Map<string, string | undefined>();
    for (const node of batch) {
      parents.set(
        key(node.traceId, node.spanId),
        node.parentSpanId ? key(node.traceId, node.parentSpanId) : undefined,
      );
    }
    const covered = new Set<string>();
    const coverAncestors = (start: string) => {
      let parent = parents.get(start);
      while (parent !== undefined) {
        if (covered.has(parent)) return;
        covered.add(parent);
        if (!parents.has(parent)) {
          // The ancestor is not in this batch: remember it for when it ends.
          this.#remember(parent);
          return;
        }
        parent = parents.get(parent);
      }
    };
    for (const node of batch) {
      const self = key(node.traceId, node.spanId);
      // A span covered by an earlier batch passes the mark on to its own ancestors.
      const coveredBefore = this.#covered.delete(self);
      if (coveredBefore) covered.add(self);
      if (node.usage || coveredBefore) coverAncestors(self);
    }
    const skipped = covered;
    for (const node of batch) {
      const self = key(node.traceId, node.spanId);
      for (let parent = parents.get(self); parent !== undefined; parent = parents.get(parent)) {
        if (this.#metered.has(parent)) {
          skipped.add(self);
          remember(this.#metered, self);
          break;
        }
        if (!parents.has(parent)) break;
      }
    }
    return skipped;
  }

  #remember(spanKey: string): void {
    remember(this.#covered, spanKey);
  }
}

function remember(keys: Map<string, true>, spanKey: string): void {
  if (keys.size >= MAX_REMEMBERED) {
    const oldest = keys.keys().next().value;
    if (oldest !== undefined) keys.delete(oldest);
  }
  keys.set(spanKey, true);
}
