// Run: npm run build && node examples/openai/dist/index.js
import { formatReport, runExample } from './run.js';

const reports = await runExample();
for (const report of reports) console.log(formatReport(report));
