/**
 * An in-test stand-in for the batch endpoint that behaves like the contract (openapi.yaml): it
 * dedupes by `event_id`, answers every item with its own result, applies a batch's events before its
 * resolutions, and charges each event once. Faults are injected per request. It is the server's
 * contract, not a mock of the SDK: the tests assert what reached this "ledger".
 */
import { createServer, type Server } from 'node:http';
import { afterEach, expect } from 'vitest';
import { operations, schemaValidator } from '../packages/server/src/contract.js';

export interface RecordedRequest {
  path: string;
  key: string | null;
  attempt: string | null;
  body: string;
  at: number;
}

export type Fault =
  /** Answer with this status without applying anything. */
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Never answer; abort is honoured unless `ignoreAbort`. */
  | { stall: true; ignoreAbort?: boolean }
  /** Apply the request, then never answer (a timeout after commit). */
  | { commitThenStall: true }
  /** Fail like a reset keep-alive socket, before anything is applied. */
  | { reset: 'ECONNRESET' | 'EPIPE' };

export interface LedgerEntry {
  event: Record<string, unknown>;
  outcome: 'none' | 'pending' | 'success' | 'failure';
}

const BASE = '0.010000000000';
const BONUS = '0.500000000000';

function problem(status: number, code: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title: code, status, code }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** The contract's operation for a request, matched by method and path template. */
function operationFor(method: string, path: string) {
  return operations.find(
    (operation) =>
      operation.method === method &&
      new RegExp(`^${operation.path.replace(/\{[^/}]+\}/g, '[^/]+')}$`).test(path),
  );
}

/**
 * What is wrong with a response the fake sends, by openapi.yaml, or undefined. Every status the
 * operation declares is held to its schema, injected faults included. A fault may send a status
 * the operation does not declare (what a proxy or a crashed process in front of the server would
 * send): the point of injecting it; the fake's own answers may not.
 */
async function contractViolation(
  method: string,
  path: string,
  response: Response,
  injected: boolean,
): Promise<string | undefined> {
  const operation = operationFor(method, path);
  const where = `${method} ${path} answered ${response.status}`;
  const text = await response.clone().text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    return `${where} with a body that is not JSON`;
  }
  if (!operation) {
    // No such route: the server answers its problem document.
    const validate = schemaValidator('Problem');
    return validate(body) ? undefined : `${where}: ${explain(validate.errors)}`;
  }
  const status = String(response.status);
  if (!operation.responses.has(status))
    return injected ? undefined : `${where}, a status ${operation.operationId} does not declare`;
  const validate = operation.responses.get(status)?.();
  if (validate && !validate(body)) return `${where}: ${explain(validate.errors)}`;
  return undefined;
}

const explain = (errors: { instancePath: string; message?: string }[] | null | undefined) =>
  (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ');

const fakes: FakeIngest[] = [];

// A test that drew a response from a fake which the contract does not allow fails, whatever it
// asserted: what the SDK was tested against would not be what the server sends.
afterEach(() => {
  for (const fake of fakes.splice(0)) expect(fake.contractViolations).toEqual([]);
});

export class FakeIngest {
  /** Every response this fake sent that openapi.yaml does not allow (checked after each test). */
  readonly contractViolations: string[] = [];
  readonly ledger = new Map<string, LedgerEntry>();
  readonly requests: RecordedRequest[] = [];
  /** How many times each event id arrived in a request that was applied. */
  readonly deliveries = new Map<string, number>();
  /** Called for every request before it is applied; return a fault to inject one. */
  fault: (request: RecordedRequest, index: number) => Fault | undefined = () => undefined;
  /** Per-event rejection: return an error to reject the event in its result. */
  rejectEvent: (event: Record<string, unknown>) => { code: string; retryable: boolean } | undefined = () =>
    undefined;
  /** Batches with more events than this get a 413. */
  maxBatchEvents = Number.POSITIVE_INFINITY;
  /** Resolves when a request arrives; tests use it to act mid-flight. */
  onRequest: (request: RecordedRequest) => void = () => {};

  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    return this.handle(request);
  };

  get charged(): number {
    return this.ledger.size;
  }

  constructor() {
    fakes.push(this);
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    let injected = false;
    const response = await this.#answer(request, url, () => {
      injected = true;
    });
    const violation = await contractViolation(request.method, url.pathname, response, injected);
    if (violation) this.contractViolations.push(violation);
    return response;
  }

  async #answer(request: Request, url: URL, markInjected: () => void): Promise<Response> {
    const body = await request.text();
    const recorded: RecordedRequest = {
      path: url.pathname,
      key: request.headers.get('idempotency-key'),
      attempt: request.headers.get('x-agentmeter-attempt'),
      body,
      at: Date.now(),
    };
    const index = this.requests.push(recorded) - 1;
    this.onRequest(recorded);
    if (request.headers.get('authorization') !== 'Bearer test-key') return problem(401, 'unauthorized');
    const fault = this.fault(recorded, index);
    if (fault && 'status' in fault) {
      markInjected();
      return new Response(
        JSON.stringify(
          fault.body ?? { type: 'about:blank', title: 'x', status: fault.status, code: 'fault' },
        ),
        {
          status: fault.status,
          headers: { 'content-type': 'application/problem+json', ...fault.headers },
        },
      );
    }
    if (fault && 'reset' in fault) {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error(`write ${fault.reset}`), { code: fault.reset }),
      });
    }
    if (fault && 'stall' in fault) return this.#stall(request, fault.ignoreAbort ?? false);
    const response = this.#apply(url.pathname, JSON.parse(body) as Record<string, unknown>);
    if (fault && 'commitThenStall' in fault) return this.#stall(request, false);
    return response;
  }

  #stall(request: Request, ignoreAbort: boolean): Promise<Response> {
    return new Promise((_resolve, reject) => {
      if (!ignoreAbort)
        request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
    });
  }

  #apply(path: string, body: Record<string, unknown>): Response {
    if (path === '/v1/meter/batch') {
      const events = (body['events'] as Record<string, unknown>[]) ?? [];
      if (events.length > this.maxBatchEvents) return problem(413, 'payload_too_large');
      const results = events.map((event, index) => this.#meterOne(event, index));
      const resolutions =
        (body['resolutions'] as { outcome_id: string; outcome: 'success' | 'failure' }[]) ?? [];
      const resolution_results = resolutions.map((resolution, index) => this.#resolveOne(resolution, index));
      const count = (status: string) => results.filter((result) => result.status === status).length;
      return Response.json({
        results,
        resolution_results,
        summary: { accepted: count('accepted'), duplicate: count('duplicate'), rejected: count('rejected') },
      });
    }
    if (path === '/v1/meter') {
      const result = this.#meterOne(body, 0);
      if (result.status === 'rejected') return problem(422, String((result.error as { code: string }).code));
      const { index: _index, status, ...rest } = result;
      const timestamp = typeof body['timestamp'] === 'string' ? body['timestamp'] : new Date().toISOString();
      return Response.json({
        ...rest,
        replayed: status === 'duplicate',
        timestamp,
        expires_at:
          body['outcome'] === 'pending'
            ? new Date(Date.parse(timestamp) + 7 * 86_400_000).toISOString()
            : null,
      });
    }
    const match = /^\/v1\/outcomes\/([^/]+)\/resolve$/.exec(path);
    if (match?.[1]) {
      // ResolveRequest: additionalProperties false.
      if (Object.keys(body).some((key) => key !== 'outcome' && key !== 'metadata'))
        return problem(400, 'validation_error');
      const result = this.#resolveOne(
        { outcome_id: decodeURIComponent(match[1]), outcome: body['outcome'] as 'success' },
        0,
      );
      if (result.status === 'rejected') {
        const code = (result.error as { code: string }).code;
        return code === 'outcome_already_resolved' ? problem(409, code) : problem(404, 'not_found');
      }
      // ResolveResponse: the resolution's charge and the outcome as it now stands.
      const outcomeId = result.outcome_id;
      const eventId = outcomeId.slice(4);
      const event = this.ledger.get(eventId)?.event ?? {};
      const charged = result.price;
      const now = new Date().toISOString();
      const created = typeof event['timestamp'] === 'string' ? event['timestamp'] : now;
      return Response.json({
        outcome_id: outcomeId,
        event_id: eventId,
        status: result.outcome_status,
        price_charged: result.price_charged,
        price_breakdown: { base: 0, tokens: 0, outcome: result.price_charged },
        price: { total: charged, base: '0.00', tokens: '0.00', outcome: charged },
        currency: 'USD',
        replayed: result.status === 'duplicate',
        outcome: {
          outcome_id: outcomeId,
          event_id: eventId,
          status: result.outcome_status,
          agent_id: String(event['agent_id']),
          action: String(event['action']),
          customer_id: typeof event['customer_id'] === 'string' ? event['customer_id'] : null,
          currency: 'USD',
          bonus: BONUS,
          charged,
          expires_at: new Date(Date.parse(created) + 7 * 86_400_000).toISOString(),
          resolved_at: now,
          created_at: created,
          metadata: body['metadata'] ?? null,
        },
      });
    }
    return problem(404, 'not_found');
  }

  #meterOne(event: Record<string, unknown>, index: number): Record<string, unknown> & { status: string } {
    const id = String(event['event_id']);
    const rejection = this.rejectEvent(event);
    if (rejection) {
      return {
        index,
        event_id: id,
        status: 'rejected',
        error: { ...rejection, message: rejection.code, field: null },
      };
    }
    this.deliveries.set(id, (this.deliveries.get(id) ?? 0) + 1);
    const existing = this.ledger.get(id);
    const pending = event['outcome'] === 'pending';
    if (!existing) this.ledger.set(id, { event, outcome: pending ? 'pending' : 'none' });
    return {
      index,
      event_id: id,
      status: existing ? 'duplicate' : 'accepted',
      price_charged: 0.01,
      price_breakdown: { base: 0.01, tokens: 0, outcome: 0 },
      price: { total: BASE, base: BASE, tokens: '0.00', outcome: '0.00' },
      currency: 'USD',
      tier: 'default',
      tier_version: 1,
      outcome_id: pending ? `out_${id}` : null,
      outcome_status: pending ? 'pending' : 'none',
    };
  }

  #resolveOne(resolution: { outcome_id: string; outcome: 'success' | 'failure' }, index: number) {
    const entry = this.ledger.get(resolution.outcome_id.slice(4));
    if (!entry || entry.outcome === 'none') {
      return {
        index,
        outcome_id: resolution.outcome_id,
        status: 'rejected',
        error: { code: 'outcome_not_found', message: 'no such outcome', field: null, retryable: false },
      };
    }
    const replay = entry.outcome === resolution.outcome;
    // As the server: resolved once, an outcome is final; resolving it the other way is refused.
    if (entry.outcome !== 'pending' && !replay) {
      return {
        index,
        outcome_id: resolution.outcome_id,
        status: 'rejected',
        error: {
          code: 'outcome_already_resolved',
          message: `already resolved as ${entry.outcome}`,
          field: null,
          retryable: false,
        },
      };
    }
    if (entry.outcome === 'pending') entry.outcome = resolution.outcome;
    return {
      index,
      outcome_id: resolution.outcome_id,
      status: replay ? 'duplicate' : 'accepted',
      outcome_status: entry.outcome,
      price_charged: resolution.outcome === 'success' ? 0.5 : 0,
      price: resolution.outcome === 'success' ? BONUS : '0.00',
    };
  }

  /** The event ids of each batch request, in order. */
  batchIds(): string[][] {
    return this.requests
      .filter((request) => request.path === '/v1/meter/batch')
      .map((request) =>
        ((JSON.parse(request.body) as { events: { event_id: string }[] }).events ?? []).map(
          (e) => e.event_id,
        ),
      );
  }

  /** Serves this fake over HTTP on 127.0.0.1 (for child processes). */
  async listen(): Promise<{ url: string; close: () => Promise<void> }> {
    const server: Server = createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const controller = new AbortController();
        outgoing.on('close', () => controller.abort());
        const headers = new Headers();
        for (const [name, value] of Object.entries(incoming.headers))
          if (typeof value === 'string') headers.set(name, value);
        const request = new Request(`http://127.0.0.1${incoming.url}`, {
          method: incoming.method ?? 'GET',
          headers,
          body: incoming.method === 'GET' ? undefined : Buffer.concat(chunks),
          signal: controller.signal,
        });
        this.handle(request).then(
          async (response) => {
            outgoing.writeHead(response.status, Object.fromEntries(response.headers));
            outgoing.end(Buffer.from(await response.arrayBuffer()));
          },
          () => outgoing.destroy(),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${address.port}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
}
