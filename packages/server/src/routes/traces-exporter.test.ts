// The real OTLP exporters of the OpenTelemetry JS SDK (protobuf, gzip; and JSON), pointed at a running
// server's /v1/traces with an ingest key: what a user does instead of, or behind, a collector.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../../otel/src/test-spans.js';
import { type RunningServer, startServer } from '../server.js';

let server: RunningServer;
let directory: string;
let ingestKey: string;
beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'agentmeter-traces-'));
  server = await startServer({
    port: 0,
    dbPath: join(directory, 'agentmeter.db'),
    adminKey: 'admin-key-exporter-test-xyz-123',
    rateLimit: false,
  });
  const created = await fetch(`${server.url}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: 'ingest', name: 'collector' }),
  });
  ingestKey = ((await created.json()) as { key: string }).key;
});
afterAll(async () => {
  await server?.close();
  rmSync(directory, { recursive: true, force: true });
});

interface LedgerEvent {
  event_id: string;
  usage_missing: boolean;
  tokens: { input: number; output: number; cached_input: number };
}

async function events(): Promise<LedgerEvent[]> {
  const response = await fetch(`${server.url}/v1/events?limit=100`, {
    headers: { authorization: `Bearer ${server.adminKey}` },
  });
  return ((await response.json()) as { data: LedgerEvent[] }).data;
}

async function exportWith(exporter: SpanExporter, service: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  for (const scenario of SCENARIOS) scenario.emit(provider);
  await provider.forceFlush();
  await provider.shutdown();
}

describe('the OpenTelemetry SDK’s own OTLP exporters, pointed at /v1/traces', () => {
  it('protobuf with gzip, then JSON: every model call metered once, the rest ignored', async () => {
    // Each span is its own request (SimpleSpanProcessor), sent concurrently: parents and children arrive
    // in any order, and each call is still metered once.
    const headers = { Authorization: `Bearer ${ingestKey}` };
    await exportWith(
      new ProtobufExporter({ url: `${server.url}/v1/traces`, headers, compression: 'gzip' as never }),
      'proto-bot',
    );
    const afterProtobuf = await events();
    // Four calls with counts, and one embeddings call traced without any: charged, marked usage_missing.
    expect(afterProtobuf).toHaveLength(5);
    await exportWith(new JsonExporter({ url: `${server.url}/v1/traces`, headers }), 'json-bot');
    const all = await events();
    expect(all).toHaveLength(10);
    expect(all.every((event) => /^otel:[0-9a-f]{32}:[0-9a-f]{16}$/.test(event.event_id))).toBe(true);
    expect(all.map((event) => event.tokens.input).sort((a, b) => a - b)).toEqual([
      0, 0, 30, 30, 45, 45, 1500, 1500, 4212, 4212,
    ]);
    expect(all.filter((event) => event.usage_missing).map((event) => event.tokens.input)).toEqual([0, 0]);
  });

  it('reads the instrumentation scope version, protobuf and JSON: OpenLLMetry anthropic after 0.27 counts the cache in its input', async () => {
    const headers = { Authorization: `Bearer ${ingestKey}` };
    const before = new Set((await events()).map((event) => event.event_id));
    for (const exporter of [
      new ProtobufExporter({ url: `${server.url}/v1/traces`, headers }),
      new JsonExporter({ url: `${server.url}/v1/traces`, headers }),
    ]) {
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      for (const [version, input] of [
        ['0.27.0', 50], // Anthropic's own input_tokens: the cache is not in it
        ['0.28.0', 12_050], // the cache counted in, as the conventions say
      ] as const) {
        const span = provider
          .getTracer('@traceloop/instrumentation-anthropic', version)
          .startSpan('anthropic.chat', {
            kind: 2,
            attributes: {
              'gen_ai.provider.name': 'anthropic',
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'claude-sonnet-4-5',
              'gen_ai.usage.input_tokens': input,
              'gen_ai.usage.output_tokens': 300,
              'gen_ai.usage.cache_read.input_tokens': 12_000,
            },
          });
        span.end();
      }
      await provider.forceFlush();
      await provider.shutdown();
    }
    const added = (await events()).filter((event) => !before.has(event.event_id));
    expect(added.map((event) => [event.tokens.input, event.tokens.cached_input])).toEqual([
      [12_050, 12_000],
      [12_050, 12_000],
      [12_050, 12_000],
      [12_050, 12_000],
    ]);
  });
});
