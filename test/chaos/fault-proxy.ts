// A loopback HTTP proxy that injects faults between the SDK and the server, by a seeded schedule.
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { prng } from './workload.mjs';

/** Every fault the proxy injects. */
export const FAULTS = [
  /** Answers 500 without forwarding. */
  'status500',
  /** Answers 502 with an HTML body (a load balancer's) without forwarding. */
  'status502',
  /** Answers 503 without forwarding. */
  'status503',
  /** Answers 429 with `Retry-After` without forwarding. */
  'rateLimited',
  /** Holds the request until the client times out and leaves, then forwards it anyway (a late commit). */
  'delayed',
  /** Forwards, lets the server commit, then resets the connection instead of answering (the ambiguous case). */
  'commitThenReset',
  /** Forwards, then sends the headers and half of the body, and closes. */
  'truncated',
  /** Closes the connection as soon as the request starts arriving; nothing is forwarded. */
  'droppedRequest',
] as const;

export type Fault = (typeof FAULTS)[number];
export type Decision = Fault | 'pass';

/**
 * A seeded schedule: requests are dealt from decks that hold every fault once and `passesPerDeck`
 * clean passes, each deck shuffled by the seed. Every fault therefore happens at least once in any
 * `FAULTS.length + passesPerDeck` requests.
 */
export class FaultSchedule {
  readonly #random: () => number;
  readonly #passes: number;
  #deck: Decision[] = [];

  constructor(seed: number, passesPerDeck: number) {
    this.#random = prng(seed);
    this.#passes = passesPerDeck;
  }

  next(): Decision {
    if (this.#deck.length === 0) {
      const deck: Decision[] = [...FAULTS, ...Array.from({ length: this.#passes }, () => 'pass' as const)];
      for (let index = deck.length - 1; index > 0; index--) {
        const other = Math.floor(this.#random() * (index + 1));
        [deck[index], deck[other]] = [deck[other] as Decision, deck[index] as Decision];
      }
      this.#deck = deck;
    }
    return this.#deck.pop() as Decision;
  }
}

export interface FaultProxyOptions {
  /** The server, `http://127.0.0.1:port`. */
  upstream: string;
  seed: number;
  /** Clean requests per deck of faults. Default 20. */
  passesPerDeck?: number;
  /** The longest `delayed` holds a request whose client does not give up; make it longer than the client's timeout. */
  delayMs: number;
  /** The `Retry-After` of `rateLimited`, in seconds. Default 1. */
  retryAfterSeconds?: number;
  /** Called once per request with what the proxy did (diagnostics). */
  onRequest?: (entry: {
    at: number;
    decision: Decision;
    key: string | undefined;
    bytes: number;
    /** The server's status and time, for forwarded requests. */
    upstream?: { status: number | string; ms: number };
  }) => void;
}

export interface FaultProxy {
  url: string;
  /** Requests per decision, plus `upstreamDown` (the server refused the connection: 502) and `upstreamLost` (it died mid-request: reset). */
  counts: Record<Decision | 'upstreamDown' | 'upstreamLost', number>;
  close(): Promise<void>;
}

interface Upstream {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const FORWARDED = new Set<Decision>(['pass', 'delayed', 'commitThenReset', 'truncated']);
const PASSED_HEADERS = ['content-type', 'retry-after', 'www-authenticate'];

const problem = (status: number, code: string) =>
  JSON.stringify({ type: `https://proxy.test/${code}`, title: code, status, code });

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const { upstream, seed, passesPerDeck = 20, delayMs, retryAfterSeconds = 1 } = options;
  const target = new URL(upstream);
  const schedule = new FaultSchedule(seed, passesPerDeck);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts = Object.fromEntries(
    [...FAULTS, 'pass', 'upstreamDown', 'upstreamLost'].map((name) => [name, 0]),
  ) as FaultProxy['counts'];
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | string[] | undefined> = {
        ...incoming.headers,
        host: target.host,
        'content-length': String(body.length),
      };
      for (const hop of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[hop];
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers,
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const passed: Record<string, string> = {};
            for (const name of PASSED_HEADERS) {
              const value = response.headers[name];
              if (typeof value === 'string') passed[name] = value;
            }
            resolve({ status: response.statusCode ?? 502, headers: passed, body: Buffer.concat(chunks) });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const answer = (response: ServerResponse, status: number, type: string, body: string) => {
    if (response.destroyed) return;
    response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };

  const relay = async (
    decision: 'pass' | 'delayed' | 'commitThenReset' | 'truncated',
    incoming: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
  ) => {
    let result: Upstream;
    try {
      result = await forward(incoming, body);
    } catch (error) {
      incoming.emit('forwarded', (error as NodeJS.ErrnoException).code ?? 'error');
      if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
        counts.upstreamDown++;
        answer(response, 502, 'application/problem+json', problem(502, 'upstream_down'));
      } else {
        // The server died with the request in flight: the client cannot know whether it committed.
        counts.upstreamLost++;
        (incoming.socket as Socket).resetAndDestroy();
      }
      return;
    }
    incoming.emit('forwarded', response.destroyed ? `${result.status} (client gone)` : result.status);
    if (response.destroyed) return;
    if (decision === 'commitThenReset') {
      (incoming.socket as Socket).resetAndDestroy();
      return;
    }
    const headers = { ...result.headers, 'content-length': String(result.body.length) };
    response.writeHead(result.status, headers);
    if (decision === 'truncated') {
      response.write(result.body.subarray(0, Math.floor(result.body.length / 2)), () =>
        incoming.socket.destroy(),
      );
      return;
    }
    response.end(result.body);
  };

  const server = createServer({ keepAlive: true }, (incoming, response) => {
    response.on('error', () => {});
    incoming.on('error', () => {});
    const decision = closing ? 'pass' : schedule.next();
    counts[decision]++;
    const key = incoming.headers['idempotency-key'];
    const entry = {
      at: Date.now(),
      decision,
      key: typeof key === 'string' ? key : undefined,
      bytes: Number(incoming.headers['content-length'] ?? 0),
    };
    if (!FORWARDED.has(decision)) options.onRequest?.(entry);
    else
      incoming.once('forwarded', (status: number | string) =>
        options.onRequest?.({ ...entry, upstream: { status, ms: Date.now() - entry.at } }),
      );
    if (decision === 'droppedRequest') {
      incoming.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      switch (decision) {
        case 'status500':
          answer(response, 500, 'application/problem+json', problem(500, 'injected'));
          return;
        case 'status502':
          answer(response, 502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>');
          return;
        case 'status503':
          answer(response, 503, 'application/problem+json', problem(503, 'injected'));
          return;
        case 'rateLimited':
          if (!response.destroyed) {
            const text = problem(429, 'rate_limited');
            response.writeHead(429, {
              'content-type': 'application/problem+json',
              'content-length': Buffer.byteLength(text),
              'retry-after': String(retryAfterSeconds),
            });
            response.end(text);
          }
          return;
        case 'delayed': {
          // Held until the client gives up (or `delayMs`), then forwarded anyway: a late commit.
          const release = () => {
            if (!timers.has(timer)) return;
            timers.delete(timer);
            clearTimeout(timer);
            void relay('delayed', incoming, response, body);
          };
          const timer = setTimeout(release, delayMs);
          timers.add(timer);
          response.once('close', release);
          return;
        }
        default:
          void relay(decision, incoming, response, body);
      }
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}
