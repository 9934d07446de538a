// Run: npm run build && node examples/ai-sdk/dist/index.js
import { formatReport, runExample } from './run.js';

const reports = await runExample();
for (const report of reports) console.log(formatReport(report));
