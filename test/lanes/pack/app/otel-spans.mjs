// @agentmeter/otel's span processor: a GenAI span from any instrumentation becomes one meter event.
import { AgentmeterSpanProcessor } from '@agentmeter/otel';
import { createMeter } from '@agentmeter/sdk';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

const meter = createMeter();
const provider = new BasicTracerProvider({ spanProcessors: [new AgentmeterSpanProcessor(meter)] });
const span = provider.getTracer('pack-lane').startSpan('chat gpt-pack', {
  attributes: {
    'agentmeter.agent_id': 'pack-otel-spans',
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-pack',
    'gen_ai.response.model': 'gpt-pack',
    'gen_ai.usage.input_tokens': 71,
    'gen_ai.usage.output_tokens': 13,
  },
});
span.end();
await provider.forceFlush();
await provider.shutdown();
await meter.shutdown();
console.log('otel spans: one GenAI span processed');
