// collector.yaml, read as the Collector would: a valid pipeline, content stripped by its patterns, and
// what its `otlphttp` exporter sends (gzip'd protobuf, the bearer header) accepted and metered by the
// server's POST /v1/traces.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createApp, createProject, openStore } from '@agentmeter/server';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCENARIOS } from '../../../packages/otel/src/test-spans.js';

type Json = Record<string, any>;
const config = parse(readFileSync(new URL('../collector.yaml', import.meta.url), 'utf8')) as Json;
const openapi = parse(readFileSync(new URL('../../../openapi.yaml', import.meta.url), 'utf8')) as Json;
const pipeline = config['service']['pipelines']['traces/agentmeter'] as Json;
const exporter = config['exporters']['otlphttp/agentmeter'] as Json;

/** `${env:NAME}` as the Collector expands it. */
const expand = (text: string, env: Record<string, string>) =>
  text.replace(/\$\{env:([A-Z_]+)\}/g, (_, name: string) => env[name] ?? '');

/** The attributes processor's delete actions, applied to one span's attributes. */
function strip(attributes: Record<string, unknown>): Record<string, unknown> {
  const actions = config['processors']['attributes/strip-content']['actions'] as Json[];
  return Object.fromEntries(
    Object.entries(attributes).filter(
      ([key]) =>
        !actions.some(
          (action) =>
            action['action'] === 'delete' &&
            (action['key'] === key || (action['pattern'] && new RegExp(action['pattern']).test(key))),
        ),
    ),
  );
}

function scenarioSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  for (const scenario of SCENARIOS) scenario.emit(provider);
  return exporter.getFinishedSpans();
}

const CONTENT = /messages|instructions|\.value$|entity\.(input|output)|prompts?\.|completion\.\d/;
const USAGE = /usage|token_count/;

describe('examples/otel/collector.yaml', () => {
  it('is a complete pipeline from the OTLP receiver to agentmeter, with no sampling or filtering', () => {
    for (const [kind, names] of [
      ['receivers', pipeline['receivers']],
      ['processors', pipeline['processors']],
      ['exporters', pipeline['exporters']],
    ] as const) {
      for (const name of names as string[]) expect(config[kind], `${kind}.${name}`).toHaveProperty([name]);
    }
    expect(pipeline['exporters']).toEqual(['otlphttp/agentmeter']);
    expect((pipeline['processors'] as string[]).filter((name) => /filter|sampl/.test(name))).toEqual([]);
    expect(config['receivers']['otlp']['protocols']['http']['endpoint']).toMatch(/^127\.0\.0\.1:/);
  });

  it('exports to an operation of openapi.yaml that takes the encoding it sends', () => {
    const url = new URL(
      `${expand(exporter['endpoint'], { AGENTMETER_URL: 'http://127.0.0.1:8787' })}/v1/traces`,
    );
    const operation = openapi['paths'][url.pathname]?.['post'] as Json | undefined;
    expect(operation?.['operationId']).toBe('exportTraces');
    expect(exporter['encoding']).toBe('proto');
    expect(Object.keys(operation?.['requestBody']['content'])).toContain('application/x-protobuf');
    expect(exporter['headers']['Authorization']).toMatch(/^Bearer \$\{env:AGENTMETER_API_KEY\}$/);
  });

  it('strips every prompt and completion the instrumentations record, and no usage count', () => {
    const spans = scenarioSpans();
    const recorded = spans.flatMap((span) => Object.keys(span.attributes).filter((key) => CONTENT.test(key)));
    expect(recorded.length).toBeGreaterThanOrEqual(10);
    for (const span of spans) {
      const kept = strip(span.attributes);
      expect(
        Object.keys(kept).filter((key) => CONTENT.test(key)),
        span.name,
      ).toEqual([]);
      expect(
        Object.keys(kept).filter((key) => USAGE.test(key)),
        span.name,
      ).toEqual(Object.keys(span.attributes).filter((key) => USAGE.test(key)));
    }
  });

  it('sends what the server meters: gzip-compressed protobuf with the bearer key', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'agentmeter-collector-'));
    const store = await openStore({ dbPath: join(directory, 'meter.db') });
    try {
      const { adminKey } = await createProject(store, { adminKey: 'am_admin_collector_example' });
      const app = createApp({ store, rateLimit: false, validateResponses: true });
      const spans = scenarioSpans().map(
        (span) => Object.create(span, { attributes: { value: strip(span.attributes) } }) as ReadableSpan,
      );
      const response = await app.request('/v1/traces', {
        method: 'POST',
        headers: {
          Authorization: expand(exporter['headers']['Authorization'], { AGENTMETER_API_KEY: adminKey }),
          'Content-Type': 'application/x-protobuf',
          'Content-Encoding': exporter['compression'],
        },
        body: gzipSync(ProtobufTraceSerializer.serializeRequest(spans)!),
      });
      expect(response.status).toBe(200);
      expect(
        ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer())),
      ).toEqual({});
      const ledger = await app.request('/v1/events?limit=10', {
        headers: { Authorization: `Bearer ${adminKey}` },
      });
      const rows = (
        (await ledger.json()) as { data: { usage_missing: boolean; tokens: { input: number } }[] }
      ).data;
      // Four calls with counts, and an embeddings call traced without any (usage_missing, 0 tokens).
      expect(rows.map((row) => row.tokens.input).sort((a, b) => a - b)).toEqual([0, 30, 45, 1500, 4212]);
      expect(rows.filter((row) => row.usage_missing)).toHaveLength(1);
    } finally {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
