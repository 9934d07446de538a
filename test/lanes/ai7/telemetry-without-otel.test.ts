// ai 7 moved its OpenTelemetry spans into @ai-sdk/otel: `experimental_telemetry: { isEnabled: true }`
// alone emits no span, so nothing reading spans (AgentmeterSpanProcessor, /v1/traces) sees the calls.
// This file keeps that fact checked (the README says to register @ai-sdk/otel, or use the middleware).
import { createOpenAI } from '@ai-sdk/openai';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { embed, generateText, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { providerFetch } from './provider.js';

describe('ai 7 telemetry without @ai-sdk/otel', () => {
  it('emits no span for generateText, streamText or embed, telemetry enabled', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    const openai = createOpenAI({ apiKey: 'test', fetch: providerFetch });
    const telemetry = { isEnabled: true };
    const first = await generateText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'a',
      experimental_telemetry: telemetry,
    });
    const stream = streamText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'b',
      experimental_telemetry: telemetry,
    });
    await stream.text;
    await embed({
      model: openai.embedding('text-embedding-3-small'),
      value: 'c',
      experimental_telemetry: telemetry,
    });
    await provider.forceFlush();
    expect(first.usage.inputTokens).toBe(1200); // the calls ran
    expect(exporter.getFinishedSpans()).toEqual([]);
    await provider.shutdown();
  });
});
