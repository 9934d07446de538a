// A CommonJS app's own telemetry (`node -r ./telemetry.cjs`): NodeSDK 3 with the HTTP instrumentation.
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { NodeSDK } = require('@opentelemetry/sdk-node');

new NodeSDK({ instrumentations: [new HttpInstrumentation()] }).start();
