export interface RateLimitOptions {
  /** Sustained requests per second per API key. */
  requestsPerSecond: number;
  /** Requests allowed in a burst. Default: 2 × requestsPerSecond. */
  burst?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per API key, in memory (each replica limits on its own). `take` returns 0 when
 * the request may go, or the whole seconds to wait (for `Retry-After`).
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (!(options.requestsPerSecond > 0)) {
      throw new TypeError(
        `Expected \`requestsPerSecond\` to be a positive number, got ${options.requestsPerSecond}.`,
      );
    }
    this.#rate = options.requestsPerSecond;
    this.#burst = options.burst ?? options.requestsPerSecond * 2;
  }

  take(key: string, now: number): number {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size > 100_000) this.#buckets.clear();
      bucket = { tokens: this.#burst, updatedAt: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.#rate);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate));
  }
}
