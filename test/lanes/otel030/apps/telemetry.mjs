// An SDK 3 app's own telemetry (`node --import ./telemetry.mjs`): the ES module hook of its
// @opentelemetry/instrumentation (0.301), NodeSDK with the HTTP instrumentation, and the finished spans
// kept in memory for app.mjs to print.
import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const exporter = new InMemorySpanExporter();
new NodeSDK({
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  instrumentations: [new HttpInstrumentation()],
}).start();
globalThis.appSpans = exporter;
