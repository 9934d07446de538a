// Run: npm run build && node examples/otel/dist/index.js
import { formatSpan, runExample } from './run.js';

const report = await runExample();
console.log('Spans the tracing backend received:');
for (const span of report.spans) console.log(`  ${formatSpan(span)}`);
console.log(`Metrics: ${report.metrics.join(', ')}`);
