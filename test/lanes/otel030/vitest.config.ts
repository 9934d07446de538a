// The OpenTelemetry JS SDK 3 lane (experimental packages 0.30x, API 1.10): @agentmeter/otel's own suite and
// this folder's tests, on Node 22 (the 3.x packages declare Node >= 22.15), every import of the OpenTelemetry
// packages (from the tests and from the package's source alike) answered by this folder's install. SDK 3
// has no @opentelemetry/sdk-trace-base: its tracing SDK is @opentelemetry/sdk-trace.
import { peerLane } from '../peer-lane.js';

export default peerLane({
  config: import.meta.url,
  include: ['test/lanes/otel030/**/*.test.ts', 'packages/otel/src/**/*.test.ts'],
  peers: [
    '@opentelemetry/api',
    '@opentelemetry/context-async-hooks',
    '@opentelemetry/core',
    '@opentelemetry/instrumentation',
    '@opentelemetry/resources',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/sdk-node',
    '@opentelemetry/sdk-trace',
  ],
  renamed: { '@opentelemetry/sdk-trace-base': '@opentelemetry/sdk-trace' },
});
