/**
 * Timer ownership. Idle timers never keep a process alive. Work timers (retry backoff, Retry-After
 * pauses, attempt deadlines) are referenced only while someone waits for the pipeline (a `flush()`,
 * `shutdown()` or `persisted()` in progress): a plain exit leaves them, an awaited flush keeps them.
 */
type Handle = ReturnType<typeof setTimeout>;

function setRef(handle: Handle, referenced: boolean): void {
  const timer = handle as { ref?: () => void; unref?: () => void };
  if (referenced) timer.ref?.();
  else timer.unref?.();
}

/** Raised inside the pipeline when its abort signal fires (the shutdown deadline). */
export class AbortedError extends Error {
  constructor(message = 'Aborted at the shutdown deadline.') {
    super(message);
    this.name = 'AbortedError';
  }
}

/**
 * The pipeline's abort signal, with one listener of its own: every wait and attempt subscribes here,
 * so any number of concurrent requests never pile listeners onto the signal.
 */
export class Cancellation {
  readonly signal: AbortSignal;
  readonly #callbacks = new Set<() => void>();

  constructor(signal: AbortSignal) {
    this.signal = signal;
    signal.addEventListener(
      'abort',
      () => {
        const callbacks = [...this.#callbacks];
        this.#callbacks.clear();
        for (const callback of callbacks) callback();
      },
      { once: true },
    );
  }

  get aborted(): boolean {
    return this.signal.aborted;
  }

  /** Calls `callback` once on abort; returns the unsubscribe function. */
  subscribe(callback: () => void): () => void {
    this.#callbacks.add(callback);
    return () => {
      this.#callbacks.delete(callback);
    };
  }
}

export class Timers {
  #owners = 0;
  readonly #work = new Set<Handle>();
  #pausedUntil = 0;

  /** Epoch ms before which no request may start (the server's Retry-After). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** Marks the start of a wait on the pipeline; the returned function marks its end. */
  own(): () => void {
    this.#owners++;
    if (this.#owners === 1) for (const handle of this.#work) setRef(handle, true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#owners--;
      if (this.#owners === 0) for (const handle of this.#work) setRef(handle, false);
    };
  }

  get owned(): boolean {
    return this.#owners > 0;
  }

  /** A one-shot timer that never keeps the process alive. */
  idle(callback: () => void, ms: number): Handle {
    const handle = setTimeout(callback, ms);
    setRef(handle, false);
    return handle;
  }

  /** A one-shot work timer, referenced while the pipeline is owned. */
  work(callback: () => void, ms: number): Handle {
    const handle = setTimeout(() => {
      this.#work.delete(handle);
      callback();
    }, ms);
    this.#work.add(handle);
    setRef(handle, this.#owners > 0);
    return handle;
  }

  clear(handle: Handle | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.#work.delete(handle);
  }

  /** Resolves after `ms`, or rejects with `AbortedError` when `cancel` aborts first. */
  sleep(ms: number, cancel: Cancellation): Promise<void> {
    if (cancel.aborted) return Promise.reject(new AbortedError());
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.clear(handle);
        reject(new AbortedError());
      };
      const handle = this.work(() => {
        unsubscribe();
        resolve();
      }, ms);
      const unsubscribe = cancel.subscribe(onAbort);
    });
  }

  /** Waits out a Retry-After pause; every request of the Meter calls this first. */
  async waitForPause(cancel: Cancellation): Promise<void> {
    for (let wait = this.#pausedUntil - Date.now(); wait > 0; wait = this.#pausedUntil - Date.now()) {
      await this.sleep(wait, cancel);
    }
  }

  /** Pauses every request until `until` (never shortens a pause already in force). */
  pause(until: number): void {
    if (until > this.#pausedUntil) this.#pausedUntil = until;
  }
}
