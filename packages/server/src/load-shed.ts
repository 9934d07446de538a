import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from './problem.js';

/** Seconds an overloaded server asks a client to wait before it retries. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 1;

/**
 * The 503 every refusal for lack of capacity answers with. Its own class: it is the server working
 * as intended, not a fault to report (under overload there would be one report per request).
 */
export class Overloaded extends ApiError {
  constructor(detail: string) {
    super(503, 'overloaded', `${detail} Retry after \`Retry-After\` seconds.`, {
      headers: { 'retry-after': String(OVERLOAD_RETRY_AFTER_SECONDS) },
    });
  }
}

export const overloaded = (detail: string): ApiError => new Overloaded(detail);

/** What one request holds of a `ByteBudget`; `release()` gives it all back (idempotent). */
export interface BodyLease {
  /** Takes `bytes` more, or takes nothing and answers false when the budget cannot spare them. */
  take(bytes: number): boolean;
  release(): void;
}

/**
 * The request-body bytes the whole server may hold in memory at once, across every request being
 * read or handled. A request that would go over it is refused with a 503 before its bytes are kept.
 */
export class ByteBudget {
  #used = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  lease(): BodyLease {
    let held = 0;
    return {
      take: (bytes) => {
        if (this.#used + bytes > this.max) return false;
        this.#used += bytes;
        held += bytes;
        return true;
      },
      release: () => {
        this.#used -= held;
        held = 0;
      },
    };
  }
}

interface Waiter {
  run(): void;
  shed(): void;
  timer: NodeJS.Timeout;
}

/**
 * At most `maxInFlight` requests are handled at once; up to `maxQueued` more wait for a slot, each
 * at most `maxWaitMs`. Past either bound a request is shed (answered 503 at once), so under overload
 * the latency of what is handled stays bounded and nothing waits for a client's timeout.
 */
export class RequestGate {
  #inFlight = 0;
  readonly #queue = new Set<Waiter>();
  readonly #maxInFlight: number;
  readonly #maxQueued: number;
  readonly #maxWaitMs: number;

  constructor(options: { maxInFlight: number; maxQueued: number; maxWaitMs: number }) {
    this.#maxInFlight = options.maxInFlight;
    this.#maxQueued = options.maxQueued;
    this.#maxWaitMs = options.maxWaitMs;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Runs `run` now or once a slot frees (it must call the returned `leave` exactly once when done),
   * or calls `shed`. The returned `cancel` drops a request still waiting (its client went away).
   */
  admit(run: (leave: () => void) => void, shed: () => void): () => void {
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.#leave();
    };
    if (this.#inFlight < this.#maxInFlight) {
      this.#inFlight++;
      run(leave);
      return () => {};
    }
    if (this.#queue.size >= this.#maxQueued) {
      shed();
      return () => {};
    }
    const waiter: Waiter = {
      run: () => run(leave),
      shed,
      timer: setTimeout(() => {
        this.#queue.delete(waiter);
        shed();
      }, this.#maxWaitMs),
    };
    this.#queue.add(waiter);
    return () => {
      if (this.#queue.delete(waiter)) clearTimeout(waiter.timer);
    };
  }

  #leave(): void {
    this.#inFlight--;
    const next = this.#queue.values().next().value as Waiter | undefined;
    if (!next) return;
    this.#queue.delete(next);
    clearTimeout(next.timer);
    this.#inFlight++;
    next.run();
  }
}

/** How the server bounds what clients may make it hold: connections, requests, time. */
export interface ServerLimits {
  /** Requests handled at once (reading the body, the route, the response). Default 256. */
  maxInFlight: number;
  /** Requests waiting for a slot, past which a request is answered 503 at once. Default 1024. */
  maxQueued: number;
  /** How long a request may wait for a slot before it is answered 503. Default 2000 ms. */
  maxQueueWaitMs: number;
  /**
   * Open connections; a connection past this many is answered 503 + `Connection: close` on its
   * request (never reset, as `server.maxConnections` would). Default 4096.
   */
  maxConnections: number;
  /** Connections the kernel may hold before the server accepts them (listen backlog). Default 2048. */
  backlog: number;
  /** Request-body bytes held in memory across all requests. Default 64 MiB. */
  maxBufferedBytes: number;
  /** The request line and headers must arrive within this. Default 10 s. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. Default 30 s. */
  requestTimeoutMs: number;
  /** Longest pause between two pieces of a request body. Default 10 s. */
  bodyIdleTimeoutMs: number;
  /**
   * An idle keep-alive connection may be reused for this long (`Keep-Alive: timeout=`, whole
   * seconds); the server closes it `KEEP_ALIVE_GRACE_MS` later. Default 5 s (Node's).
   */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxInFlight: 256,
  maxQueued: 1024,
  maxQueueWaitMs: 2000,
  maxConnections: 4096,
  backlog: 2048,
  maxBufferedBytes: 64 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyIdleTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
};

/** How long a shed request's body is read (and dropped) so its 503 is not lost to a reset. */
const SHED_DRAIN_MS = 2000;
/** The most a shed request's body is read for that; a larger one closes the connection. */
const SHED_DRAIN_BYTES = 8 * 1024 * 1024;

function requestHasBody(request: IncomingMessage): boolean {
  if (request.readableEnded) return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Answers 503 `overloaded` without handling the request. The body is read and dropped first (up to
 * a bound): closing a socket whose request is still arriving makes the kernel reset it, and the
 * client would see ECONNRESET instead of the 503. `close` also ends the connection afterwards.
 */
function shed(request: IncomingMessage, response: ServerResponse, detail: string, close: boolean): void {
  const problem = overloaded(detail);
  const text = JSON.stringify(problem.toProblem(request.url?.split('?')[0]));
  let answered = false;
  let timer: NodeJS.Timeout | undefined;
  const answer = (mustClose: boolean) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    if (response.headersSent || response.destroyed) return;
    response.writeHead(503, {
      'content-type': 'application/problem+json',
      'content-length': Buffer.byteLength(text),
      ...problem.headers,
      ...(mustClose ? { connection: 'close' } : {}),
    });
    response.end(text);
  };
  if (!requestHasBody(request)) {
    answer(close);
    return;
  }
  let size = 0;
  timer = setTimeout(() => answer(true), SHED_DRAIN_MS);
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > SHED_DRAIN_BYTES) answer(true);
  });
  request.once('end', () => answer(close));
  request.once('error', () => answer(true));
  request.resume();
}

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * How much longer an idle keep-alive connection is really kept than the `Keep-Alive: timeout=` the
 * server advertises. A client reuses a connection until the advertised time (less a margin, checked
 * on a coarse timer, late when its event loop is busy); a server that closes right at that time
 * meets requests already on their way, which the client sees as ECONNRESET. Node 20 advertises its
 * real timeout; later versions add a buffer (`keepAliveTimeoutBuffer`), as this does.
 */
export const KEEP_ALIVE_GRACE_MS = 5000;

/**
 * Wraps the server's request listener with the connection and in-flight limits. `/healthz` is
 * never shed: a busy server is alive, and a load balancer should not take it out for being busy.
 */
export function guardListener(
  listener: Listener,
  limits: Pick<
    ServerLimits,
    'maxInFlight' | 'maxQueued' | 'maxQueueWaitMs' | 'maxConnections' | 'keepAliveTimeoutMs'
  >,
): { listener: Listener; attach(server: Server): void; gate: RequestGate } {
  const advertised = `timeout=${Math.max(1, Math.floor(limits.keepAliveTimeoutMs / 1000))}`;
  const gate = new RequestGate({
    maxInFlight: limits.maxInFlight,
    maxQueued: limits.maxQueued,
    maxWaitMs: limits.maxQueueWaitMs,
  });
  const over = new WeakSet<Socket>();
  let connections = 0;
  return {
    gate,
    attach(server) {
      server.keepAliveTimeout = limits.keepAliveTimeoutMs + KEEP_ALIVE_GRACE_MS;
      server.on('connection', (socket: Socket) => {
        connections++;
        if (connections > limits.maxConnections) over.add(socket);
        socket.once('close', () => {
          connections--;
        });
      });
    },
    listener(request, response) {
      // Set here, Node writes these instead of its own `Keep-Alive` (which would name the real timeout).
      if (response.shouldKeepAlive) {
        response.setHeader('connection', 'keep-alive');
        response.setHeader('keep-alive', advertised);
      }
      const path = request.url ?? '';
      if (path === '/healthz' || path.startsWith('/healthz?')) {
        listener(request, response);
        return;
      }
      if (over.has(request.socket)) {
        shed(request, response, 'The server has too many open connections.', true);
        return;
      }
      const cancel = gate.admit(
        (leave) => {
          response.once('finish', leave);
          response.once('close', leave);
          listener(request, response);
        },
        () => shed(request, response, 'The server is handling as many requests as it can.', false),
      );
      response.once('close', cancel);
    },
  };
}
