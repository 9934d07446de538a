import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withMeter } from '@agentmeter/openai';
import { instrumentMeter } from '@agentmeter/otel';
import { createMeter } from '@agentmeter/sdk';
import { startServer } from '@agentmeter/server';
import { trace } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, metrics as sdkMetrics } from '@opentelemetry/sdk-node';
import OpenAI from 'openai';
import { startMockOpenAI } from './mock-openai.js';
import { type ReceivedSpan, startOtlpBackend } from './otlp-backend.js';

const ADMIN_KEY = 'am_admin_example_otel_0001';
/** $0.01 per call, then per million tokens: $2 input, $0.50 cached input, $8 output. */
const TIER = {
  base_fee: '0.01',
  token_rate_input: '2',
  token_rate_cached_input: '0.5',
  token_rate_output: '8',
  token_unit: 1_000_000,
  currency: 'USD',
};

export interface ExampleReport {
  /** The spans the tracing backend received. */
  spans: ReceivedSpan[];
  /** The metric names the metrics backend received. */
  metrics: string[];
}

/**
 * The OpenTelemetry Node SDK (OTLP/HTTP exporters to a local stand-in backend), an in-process agentmeter
 * server, and the real OpenAI client metered with `withMeter()`: two calls (one streamed) inside a request
 * span. `instrumentMeter(meter)` makes each a priced GenAI span and metrics on the SDK's providers.
 */
export async function runExample(): Promise<ExampleReport> {
  const backend = await startOtlpBackend();
  const openaiMock = await startMockOpenAI();
  const directory = mkdtempSync(join(tmpdir(), 'agentmeter-example-otel-'));
  const metering = await startServer({ port: 0, dbPath: join(directory, 'meter.db'), adminKey: ADMIN_KEY });
  const sdk = new NodeSDK({
    serviceName: 'support-desk',
    traceExporter: new OTLPTraceExporter({ url: `${backend.url}/v1/traces` }),
    metricReaders: [
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${backend.url}/v1/metrics` }),
        exportIntervalMillis: 60_000,
      }),
    ],
    instrumentations: [],
  });
  sdk.start();
  const meter = createMeter({ apiKey: ADMIN_KEY, baseUrl: metering.url });
  try {
    const tier = await fetch(`${metering.url}/v1/tiers/default`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(TIER),
    });
    if (!tier.ok) throw new Error(`Could not set the tier: ${tier.status} ${await tier.text()}`);

    // The two lines: spans and metrics for every metered call, and the metered client.
    const telemetry = instrumentMeter(meter);
    const openai = withMeter(new OpenAI({ apiKey: 'sk-example', baseURL: openaiMock.url }), meter, {
      agent_id: 'support-bot',
      action: 'answer',
    });

    const tracer = trace.getTracer('support-desk');
    await tracer.startActiveSpan('POST /tickets/42/reply', async (span) => {
      await meter.withContext({ customer_id: 'cus_acme' }, async () => {
        await openai.chat.completions.create({
          model: 'gpt-4.1',
          messages: [{ role: 'user', content: 'Where is my order?' }],
        });
        const stream = await openai.chat.completions.create({
          model: 'gpt-4.1-mini',
          messages: [{ role: 'user', content: 'And the invoice?' }],
          stream: true,
        });
        for await (const _chunk of stream) {
          // the reply, word by word
        }
      });
      span.end();
    });

    // Prices arrive when the Meter's batch is acknowledged; then the spans end and are exported.
    await telemetry.shutdown();
    await sdk.shutdown();
    return { spans: backend.spans, metrics: [...backend.metrics].sort() };
  } finally {
    await meter.shutdown({ timeoutMs: 5_000 });
    await metering.close();
    await openaiMock.close();
    await backend.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** One line per span: its name and what agentmeter put on it. */
export function formatSpan(span: ReceivedSpan): string {
  const attributes = span.attributes;
  if (!attributes['agentmeter.event_id']) return span.name;
  return (
    `${span.name}: in ${attributes['gen_ai.usage.input_tokens']} (cached ${attributes['gen_ai.usage.cache_read.input_tokens'] ?? 0}), ` +
    `out ${attributes['gen_ai.usage.output_tokens']} → ${attributes['agentmeter.price.total']} ${attributes['agentmeter.currency']} ` +
    `for ${attributes['agentmeter.customer_id']}`
  );
}
