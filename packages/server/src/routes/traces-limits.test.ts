// POST /v1/traces against hostile shapes of traces: parent cycles, very deep traces, exports with more
// spans than are read, and large exports that must not hold up the server while they are read.
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs/light.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness, T0 } from '../../../../test/support/api.js';
import { openTestStore, STORE_KINDS } from '../../../../test/support/stores.js';
import { ApiError } from '../problem.js';
import type { Store } from '../store/types.js';
import { otlpJsonExport, tracesApp, writeKeyValue } from './otlp-test-writer.js';
import { inTurn, TraceMemories, traceMemoriesOf } from './traces.js';
import { decodeRequest, decodeResponse, MAX_SPANS_PER_EXPORT, Slicer } from './traces-otlp.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const END_MS = T0 - 60_000;
const TIER = { base_fee: '0.001', token_rate_input: '0.003' };

interface TestSpan {
  id: number;
  parent?: number;
  /** `gen_ai.usage.input_tokens`, when the span reports usage. */
  input?: number;
  /** A tool span (`gen_ai.operation.name` `execute_tool`): it reports usage as a sum, never as a call. */
  tool?: boolean;
}

const spanId = (id: number) => id.toString(16).padStart(16, '0');

/** An OTLP/JSON export of one trace, as an OpenLLMetry-instrumented OpenAI client would send it. */
function jsonBody(spans: TestSpan[]): string {
  return otlpJsonExport(
    '@traceloop/instrumentation-openai',
    spans.map((span) => ({
      traceId: TRACE,
      spanId: spanId(span.id),
      ...(span.parent === undefined ? {} : { parentSpanId: spanId(span.parent) }),
      name: 'chat gpt-4o-mini',
      kind: 3,
      endTimeUnixNano: `${END_MS}000000`,
      attributes:
        span.input === undefined
          ? []
          : [
              { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
              { key: 'gen_ai.usage.input_tokens', value: { intValue: String(span.input) } },
            ],
    })),
  );
}

/**
 * The same export as binary protobuf, written field by field (as upstream numbers them); `scopeLast` puts
 * the resource and scope after the spans they apply to, which protobuf allows.
 */
function protobufBody(spans: TestSpan[], { scopeLast = false } = {}): Uint8Array {
  const writer = protobuf.Writer.create();
  const keyValue = (field: number, key: string, value: string | number) =>
    writeKeyValue(writer, field, key, value);
  const resource = () => {
    writer.uint32(10).fork();
    keyValue(1, 'service.name', 'support-bot');
    writer.ldelim();
  };
  const scope = () =>
    writer.uint32(10).fork().uint32(10).string('@traceloop/instrumentation-openai').ldelim();
  writer.uint32(10).fork(); // resource_spans
  if (!scopeLast) resource();
  writer.uint32(18).fork(); // scope_spans
  if (!scopeLast) scope();
  for (const span of spans) {
    writer.uint32(18).fork();
    writer.uint32(10).bytes(Buffer.from(TRACE, 'hex'));
    writer.uint32(18).bytes(Buffer.from(spanId(span.id), 'hex'));
    if (span.parent !== undefined) writer.uint32(34).bytes(Buffer.from(spanId(span.parent), 'hex'));
    writer.uint32(42).string('chat gpt-4o-mini');
    writer.uint32(48).int32(3);
    writer.uint32(65).fixed64(END_MS * 1_000_000);
    if (span.tool) keyValue(9, 'gen_ai.operation.name', 'execute_tool');
    if (span.input !== undefined) {
      keyValue(9, 'gen_ai.provider.name', 'openai');
      keyValue(9, 'gen_ai.usage.input_tokens', span.input);
    }
    writer.ldelim();
  }
  if (scopeLast) scope();
  writer.ldelim();
  if (scopeLast) resource();
  writer.ldelim();
  return writer.finish();
}

/** `length` spans, 1 the outermost, each the parent of the next, every one reporting usage (its id). */
const chain = (length: number, first = 1): TestSpan[] =>
  Array.from({ length }, (_, index) => ({
    id: first + index,
    ...(first + index > 1 ? { parent: first + index - 1 } : {}),
    input: first + index,
  }));

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const GZIP_PROTOBUF = { ...PROTOBUF, 'content-encoding': 'gzip' };

describe('reading an export a slice at a time', () => {
  it('gives the event loop back while it decodes a large protobuf export', async () => {
    const spans = Array.from({ length: 20_000 }, (_, index) => ({ id: index + 1, input: 1 }));
    const body = protobufBody(spans);
    let ranBeforeDecoded = false;
    setImmediate(() => {
      ranBeforeDecoded = true;
    });
    const slicer = new Slicer();
    const decoded = decodeRequest(body, 'protobuf', { slicer });
    expect(ranBeforeDecoded).toBe(false);
    const { spans: read } = await decoded;
    expect(read).toHaveLength(20_000);
    expect(ranBeforeDecoded).toBe(true);
    // At least once per 1,000 spans.
    expect(slicer.pauses).toBeGreaterThanOrEqual(19);
  });

  it('reads the resource and scope that come after the spans in the bytes', async () => {
    const body = protobufBody([{ id: 1, input: 9 }], { scopeLast: true });
    const { spans } = await decodeRequest(body, 'protobuf');
    expect(spans.map(({ resource, scope, attributes }) => ({ resource, scope, attributes }))).toEqual([
      {
        resource: { 'service.name': 'support-bot' },
        scope: '@traceloop/instrumentation-openai',
        attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 9 },
      },
    ]);
  });

  it('counts the spans past the limit without reading them, in protobuf and in JSON', async () => {
    const spans = Array.from({ length: 25 }, (_, index) => ({ id: index + 1 }));
    for (const [format, body] of [
      ['protobuf', protobufBody(spans)],
      ['json', new TextEncoder().encode(jsonBody(spans))],
    ] as const) {
      const decoded = await decodeRequest(body, format, { maxSpans: 10 });
      expect([decoded.spans.length, decoded.unreadable, decoded.overLimit]).toEqual([10, 0, 15]);
      expect(decoded.spans.map((span) => span.spanId)).toEqual(
        spans.slice(0, 10).map((span) => spanId(span.id)),
      );
    }
  });

  it('refuses a truncated or overrunning protobuf body as invalid_protobuf', async () => {
    const body = protobufBody(chain(3));
    for (const broken of [
      body.subarray(0, body.length - 3),
      Uint8Array.from([0x0a, 0x05, 0x12, 0x09, 0x00]),
    ]) {
      const error = await decodeRequest(broken, 'protobuf').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('invalid_protobuf');
    }
  });
});

describe('deciding one request at a time', () => {
  it('starts a request’s decisions only once the one before has decided, though both give the loop back', async () => {
    const memory = { turn: Promise.resolve() };
    const steps: string[] = [];
    const decide = (name: string, failing = false) =>
      inTurn(memory, async () => {
        for (let step = 0; step < 3; step++) {
          steps.push(`${name}${step}`);
          await new Promise(setImmediate);
        }
        if (failing) throw new Error(`${name} failed`);
        return name;
      });
    const results = await Promise.allSettled([decide('a', true), decide('b'), decide('c')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(steps).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0', 'c1', 'c2']);
  });
});

/** The app over a store (or a wrapper of it), with a project, its admin key and the default tier. */
async function appOver(store: Store, wrapped: Store = store) {
  const app = await tracesApp(store, TIER, T0, { wrapped, onError: () => {} });
  const { projectId } = app;
  const call = async (method: string, path: string, body?: Uint8Array | string, headers = {}) =>
    app.call(path, { method, headers, ...(body === undefined ? {} : { body }) });
  return {
    projectId,
    send: (body: Uint8Array | string, headers: Record<string, string>) =>
      call('POST', '/v1/traces', body, headers),
    /** The input tokens of every event recorded, sorted. */
    async inputs(): Promise<number[]> {
      const rows: number[] = [];
      let cursor: string | undefined;
      do {
        const response = await call('GET', `/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
        const page = (await response.json()) as {
          data: { tokens: { input: number } }[];
          next_cursor: string | null;
        };
        for (const row of page.data) rows.push(row.tokens.input);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return rows.sort((a, b) => a - b);
    },
  };
}

describe.each(STORE_KINDS)('POST /v1/traces with hostile traces, on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let api: ApiHarness;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    cleanup = opened.cleanup;
    api = await apiHarness(store);
    await api.call('PUT', '/v1/tiers/default', { body: TIER });
  });
  afterEach(async () => cleanup());

  const inputs = async () =>
    ((await api.call('GET', '/v1/events?limit=1000')).body.data as { tokens: { input: number } }[])
      .map((row) => row.tokens.input)
      .sort((a, b) => a - b);
  const exportJson = (spans: TestSpan[]) => api.call('POST', '/v1/traces', { body: jsonBody(spans) });

  it('answers spans that are their own parent or in a 2- or 3-cycle, metering each call once', async () => {
    const response = await exportJson([
      { id: 1, parent: 1, input: 1 }, // its own parent
      { id: 2, parent: 3, input: 2 }, // 2 and 3: each other's parent
      { id: 3, parent: 2, input: 3 },
      { id: 4, parent: 6, input: 4 }, // 4 → 6 → 5 → 4
      { id: 5, parent: 4, input: 5 },
      { id: 6, parent: 5, input: 6 },
      { id: 7, parent: 4, input: 7 }, // under 4: 4 is the sum of 7, not a call of its own
    ]);
    expect([response.status, response.body]).toEqual([200, {}]);
    expect(await inputs()).toEqual([1, 2, 3, 5, 6, 7]);
  });

  it('ends a cycle closed across two exports: the span metered first stays the only call', async () => {
    expect((await exportJson([{ id: 1, parent: 2, input: 1 }])).status).toBe(200);
    expect((await exportJson([{ id: 2, parent: 1, input: 2 }])).status).toBe(200);
    // Longer: 10 under 11 first; then 11 under 12, 12 under 13, 13 under 10.
    expect((await exportJson([{ id: 10, parent: 11, input: 10 }])).status).toBe(200);
    const closing = await exportJson([
      { id: 11, parent: 12, input: 11 },
      { id: 12, parent: 13, input: 12 },
      { id: 13, parent: 10, input: 13 },
    ]);
    expect([closing.status, closing.body]).toEqual([200, {}]);
    expect(await inputs()).toEqual([1, 10]);
    // 20 under 21 first; then 21 and 22, each other's parent: neither has a parent, 21 is skipped as the
    // sum over 20 (marked by the first export), 22 is a call on its own.
    expect((await exportJson([{ id: 20, parent: 21, input: 20 }])).status).toBe(200);
    const cycle = await exportJson([
      { id: 21, parent: 22, input: 21 },
      { id: 22, parent: 21, input: 22 },
    ]);
    expect([cycle.status, cycle.body]).toEqual([200, {}]);
    expect(await inputs()).toEqual([1, 10, 20, 22]);
  });

  it('reads a chain of 20,000 spans (as many as an export holds), every one with usage: only the innermost is metered', async () => {
    const { send, inputs: recorded } = await appOver(store);
    const response = await send(gzipSync(protobufBody(chain(MAX_SPANS_PER_EXPORT))), GZIP_PROTOBUF);
    expect(response.status).toBe(200);
    expect(decodeResponse(new Uint8Array(await response.arrayBuffer()))).toEqual({});
    expect(await recorded()).toEqual([MAX_SPANS_PER_EXPORT]);
  }, 120_000);

  it('reads a chain of 50,000 spans sent in three exports, innermost first: only the innermost is metered', async () => {
    const { send, inputs: recorded } = await appOver(store);
    for (const [first, length] of [
      [30_001, 20_000],
      [10_001, 20_000],
      [1, 10_000],
    ] as const) {
      const response = await send(gzipSync(protobufBody(chain(length, first))), GZIP_PROTOBUF);
      expect(decodeResponse(new Uint8Array(await response.arrayBuffer()))).toEqual({});
    }
    expect(await recorded()).toEqual([50_000]);
  }, 180_000);

  it(`reads the first ${MAX_SPANS_PER_EXPORT} spans of a larger export and answers the rest as rejected, recording exactly the calls among the first`, async () => {
    const { send, inputs: recorded } = await appOver(store);
    const total = MAX_SPANS_PER_EXPORT + 500;
    // One span in 100 is a model call reporting usage (its own position as its token count).
    const spans = Array.from({ length: total }, (_, index) => ({
      id: index + 1,
      ...(index % 100 === 0 ? { input: index + 1 } : {}),
    }));
    const response = await send(gzipSync(protobufBody(spans)), GZIP_PROTOBUF);
    expect(response.status).toBe(200);
    const answer = decodeResponse(new Uint8Array(await response.arrayBuffer()));
    expect(answer.partialSuccess?.rejectedSpans).toBe('500');
    expect(answer.partialSuccess?.errorMessage).toBe(
      `too_many_spans: an export is read up to its first ${MAX_SPANS_PER_EXPORT} spans; the 500 after them were not read (send smaller batches)`,
    );
    const expected = spans.slice(0, MAX_SPANS_PER_EXPORT).flatMap((span) => (span.input ? [span.input] : []));
    expect(expected).toHaveLength(200);
    expect(await recorded()).toEqual(expected);
  }, 120_000);

  it('refuses an OTLP/JSON body over 4 MiB once inflated with a 413, recording nothing, and takes the same spans as protobuf', async () => {
    const { send, inputs: recorded } = await appOver(store);
    // 30,000 spans with usage: about 7 MiB of JSON, well inside the protobuf limits.
    const spans = Array.from({ length: 30_000 }, (_, index) => ({ id: index + 1, input: 1 }));
    const json = jsonBody(spans);
    expect(json.length).toBeGreaterThan(4 * 1024 * 1024);
    const refused = await send(gzipSync(json), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    });
    expect(refused.status).toBe(413);
    expect(((await refused.json()) as { code: string }).code).toBe('payload_too_large');
    expect(await recorded()).toEqual([]);
    const small = spans.slice(0, 3);
    expect((await send(protobufBody(small), PROTOBUF)).status).toBe(200);
    expect(await recorded()).toEqual([1, 1, 1]);
  }, 120_000);

  it('meters a call once when it and its parent come in two large exports at the same time', async () => {
    const { send, inputs: recorded } = await appOver(store);
    // Each export also carries 15,000 spans of other traces, so both take many slices to decide.
    const filler = (first: number) =>
      Array.from({ length: 15_000 }, (_, index) => ({ id: first + index, parent: first + index + 1 }));
    for (let round = 0; round < 3; round++) {
      const parent = 100 + round * 2;
      const child = { id: parent + 1, parent, input: 2 };
      const answers = await Promise.all([
        send(gzipSync(protobufBody([...filler(1_000_000 + round * 40_000), child])), GZIP_PROTOBUF),
        send(
          gzipSync(protobufBody([...filler(1_020_000 + round * 40_000), { id: parent, input: 1 }])),
          GZIP_PROTOBUF,
        ),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    }
    // One event per call: the child's or, when its parent was decided first, the parent's.
    expect((await recorded()).length).toBe(3);
  }, 120_000);

  it('records a large export in writes of 250 events; after a write fails, the retry meters the rest once', async () => {
    const writes: number[] = [];
    let failOn = 2;
    const wrapped = new Proxy(store, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'insertEvents') return typeof value === 'function' ? value.bind(target) : value;
        return async (projectId: string, rows: unknown[]) => {
          writes.push(rows.length);
          if (writes.length === failOn) {
            failOn = 0;
            throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
          }
          return (value as Store['insertEvents']).call(target, projectId, rows as never);
        };
      },
    });
    const { send, inputs: recorded } = await appOver(store, wrapped);
    const spans = Array.from({ length: 2_500 }, (_, index) => ({ id: index + 1, input: index + 1 }));
    const body = gzipSync(protobufBody(spans));
    const refused = await send(body, GZIP_PROTOBUF);
    expect(refused.status).toBe(503);
    // The first write was recorded; the one that failed and those after it were not.
    const [first = 0] = writes;
    expect(first).toBeGreaterThan(0);
    expect(writes.length).toBe(2);
    expect(await recorded()).toEqual(spans.slice(0, first).map((span) => span.input));
    const retried = await send(body, GZIP_PROTOBUF);
    expect(retried.status).toBe(200);
    expect(decodeResponse(new Uint8Array(await retried.arrayBuffer()))).toEqual({});
    expect(await recorded()).toEqual(spans.map((span) => span.input));
    // 250 a write: the two of the refused request, then the ten of its retry (the first a replay).
    expect(writes).toEqual(Array.from({ length: 12 }, () => 250));
  }, 120_000);
});

/** A store whose `insertEvents` throws SQLite's "database is locked" while `busy()` says so. */
function busyWhen(store: Store, busy: () => boolean): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key !== 'insertEvents') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (busy()) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
        return (value as (...rest: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe.each(STORE_KINDS)('POST /v1/traces sent again, on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    cleanup = opened.cleanup;
  });
  afterEach(async () => cleanup());

  const JSON_TYPE = { 'content-type': 'application/json' };
  // C, a model call, under P, the framework span that reports C's usage as its own (a sum); X, another call.
  const C = { id: 2, parent: 1, input: 10 };
  const P = { id: 1, input: 11 };
  const X = { id: 9, input: 5 };

  it('after a 503, the retry of an export holding the outer span of a call metered before does not meter it', async () => {
    let busy = false;
    const { send, inputs: recorded } = await appOver(
      store,
      busyWhen(store, () => busy),
    );
    expect((await send(jsonBody([C]), JSON_TYPE)).status).toBe(200);
    busy = true;
    expect((await send(jsonBody([P, X]), JSON_TYPE)).status).toBe(503);
    busy = false;
    const retried = await send(jsonBody([P, X]), JSON_TYPE);
    expect([retried.status, await retried.json()]).toEqual([200, {}]);
    expect(await recorded()).toEqual([5, 10]);
  });

  it('an outer span sent again after a 200 (alone, or with its call) stays skipped', async () => {
    const { send, inputs: recorded } = await appOver(store);
    // Skipped for a mark left by an earlier export, then sent again.
    expect((await send(jsonBody([C]), JSON_TYPE)).status).toBe(200);
    expect((await send(jsonBody([P]), JSON_TYPE)).status).toBe(200);
    expect((await send(jsonBody([P]), JSON_TYPE)).status).toBe(200);
    expect((await send(jsonBody([P, C]), JSON_TYPE)).status).toBe(200);
    // Skipped as the sum over a call in its own export, then sent again alone.
    const C2 = { id: 12, parent: 11, input: 20 };
    const P2 = { id: 11, input: 21 };
    expect((await send(jsonBody([C2, P2]), JSON_TYPE)).status).toBe(200);
    expect((await send(jsonBody([P2]), JSON_TYPE)).status).toBe(200);
    // Skipped as under a call metered before (spans out of order), then sent again alone.
    const P3 = { id: 21, input: 31 };
    const C3 = { id: 22, parent: 21, input: 30 };
    expect((await send(jsonBody([P3]), JSON_TYPE)).status).toBe(200);
    expect((await send(jsonBody([C3]), JSON_TYPE)).status).toBe(200);
    expect((await send(jsonBody([C3]), JSON_TYPE)).status).toBe(200);
    expect(await recorded()).toEqual([10, 20, 31]);
  });
});

describe('trace memory, per project', () => {
  it('keeps each project’s memory apart, bounded per project, in all, and in projects, the least recently used dropped first', () => {
    const memories = new TraceMemories({ projectKeys: 10, totalKeys: 25, maxProjects: 3 });
    const use = (projectId: string, keys = 0) => {
      const memory = memories.take(projectId);
      for (let key = 0; key < keys; key++) memory.nesting.metered('t', `${projectId}${key}`);
      memories.release(memory);
      return memory;
    };
    const a = use('a', 15);
    // One project's keys push out only its own, and no more than its bound are kept.
    expect(a.nesting.size).toBe(10);
    const b = use('b');
    expect(use('a')).toBe(a);
    expect(b).not.toBe(a);
    expect(memories.projects()).toEqual(['b', 'a']);
    // Over three projects: the least recently used goes.
    use('c');
    use('d');
    expect(memories.projects()).toEqual(['a', 'c', 'd']);
    expect(use('b')).not.toBe(b);
    // Over 25 keys in all: the least recently used goes, not the project at work.
    use('c', 10);
    expect(memories.projects()).toEqual(['d', 'b', 'c']);
    use('d', 10);
    expect(memories.projects()).toEqual(['b', 'c', 'd']);
    use('b', 10);
    expect(memories.projects()).toEqual(['d', 'b']);
    // A project whose request is still at work is kept, whatever the bounds.
    const busy = memories.take('busy');
    use('e');
    use('f');
    use('g');
    expect(memories.projects()).toContain('busy');
    expect(memories.take('busy')).toBe(busy);
    memories.release(busy);
    memories.release(busy);
  });
});

describe.each(STORE_KINDS)('POST /v1/traces keeps projects apart, on %s', (kind) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const opened = await openTestStore(kind);
    store = opened.store;
    cleanup = opened.cleanup;
  });
  afterEach(async () => cleanup());

  const JSON_TYPE = { 'content-type': 'application/json' };

  it('a project flooding the trace memory does not push out another project’s: its outer span is still not metered', async () => {
    const quiet = await appOver(store);
    const flood = await appOver(store);
    // The quiet project's call C, whose outer span P comes in a later export.
    expect((await quiet.send(jsonBody([{ id: 2, parent: 1, input: 10 }]), JSON_TYPE)).status).toBe(200);
    // 6 exports of 17,000 tool spans reporting usage, each under a span not sent yet: 102,000 marks.
    for (let round = 0; round < 6; round++) {
      const first = 1_000_000 + round * 17_000;
      const spans = Array.from({ length: 17_000 }, (_, index) => ({
        id: first + index,
        parent: 10_000_000 + first + index,
        input: 1,
        tool: true,
      }));
      const response = await flood.send(gzipSync(protobufBody(spans)), GZIP_PROTOBUF);
      expect(response.status).toBe(200);
    }
    expect((await quiet.send(jsonBody([{ id: 1, input: 11 }]), JSON_TYPE)).status).toBe(200);
    expect(await quiet.inputs()).toEqual([10]);
    expect(await flood.inputs()).toEqual([]);
  }, 180_000);

  it('a project’s requests do not wait for another project’s decisions', async () => {
    const held = await appOver(store);
    const other = await appOver(store);
    // Hold the first project's turn, as a request deciding a large export would.
    const memories = traceMemoriesOf(store);
    const memory = memories.take(held.projectId);
    let release = () => {};
    const holding = inTurn(
      memory,
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    let heldAnswered = false;
    const heldSend = held.send(jsonBody([{ id: 1, input: 1 }]), JSON_TYPE).then((response) => {
      heldAnswered = true;
      return response;
    });
    try {
      // Answered while the first project's turn is held (a shared turn would keep it waiting).
      const answer = await Promise.race([
        other.send(jsonBody([{ id: 2, input: 2 }]), JSON_TYPE),
        new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 10_000)),
      ]);
      expect(answer === 'still waiting' ? answer : answer.status).toBe(200);
      expect(await other.inputs()).toEqual([2]);
      // The held project's own request still waits for its turn.
      expect(heldAnswered).toBe(false);
    } finally {
      release();
      await holding;
      memories.release(memory);
    }
    expect((await heldSend).status).toBe(200);
    expect(await held.inputs()).toEqual([1]);
  });
});

describe('POST /v1/traces gives the event loop back while it works', () => {
  // On SQLite every store call answers without waiting on I/O, so before the route gave the loop back
  // of its own, nothing else ran from the start of a request to its answer.
  it('runs callbacks queued meanwhile, many times, during one large identity-encoded export', async () => {
    const opened = await openTestStore('sqlite');
    try {
      const { send, inputs: recorded } = await appOver(opened.store);
      const spans = Array.from({ length: 20_000 }, (_, index) => ({
        id: index + 1,
        ...(index % 4 === 0 ? { input: 1 } : {}),
      }));
      const body = protobufBody(spans);
      let ticks = 0;
      let running = true;
      const tick = () => {
        ticks++;
        if (running) setImmediate(tick);
      };
      setImmediate(tick);
      const response = await send(body, PROTOBUF);
      running = false;
      expect(response.status).toBe(200);
      expect((await recorded()).length).toBe(5_000);
      // 20,000 spans decoded 1,000 at a time, classified likewise, 5,000 events written in several writes.
      expect(ticks).toBeGreaterThanOrEqual(20);
    } finally {
      await opened.cleanup();
    }
  }, 120_000);
});
