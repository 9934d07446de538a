import type { Command } from 'commander';
import { printJson } from '../api.js';
import { CliError } from '../errors.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'Run three example agents (research, ticket triage, sales outreach) on the real openai client, metered in one line each, against an embedded server and a local mock OpenAI; print every price, the invoices, and the same traffic under each pricing model.',
    )
    .option(
      '--live',
      'call api.openai.com instead of the local mock (needs OPENAI_API_KEY; costs a few cents)',
    )
    .option('--model <model>', 'the chat model', 'gpt-4o-mini')
    .option('--keep-db <path>', 'keep the SQLite database at this new path, to explore it afterwards')
    .option('--json', 'print a machine-readable summary instead (calls, invoices, simulations)')
    .addHelpText(
      'after',
      '\nNo network and no keys needed: everything runs on 127.0.0.1 and stops when the demo ends.',
    )
    .action(async (options: { live?: boolean; model: string; keepDb?: string; json?: boolean }) => {
      const started = Date.now();
      const openaiApiKey = process.env['OPENAI_API_KEY'] || undefined;
      if (options.live && !openaiApiKey)
        throw new CliError(
          '--live needs OPENAI_API_KEY set to an OpenAI API key (the demo runs offline without --live).',
          2,
        );
      // Loaded here: the demo brings the server, the SDK and openai, which the other commands do not need.
      const [{ createDemoReporter }, { runDemo }] = await Promise.all([
        import('../demo/report.js'),
        import('../demo/run-demo.js'),
      ]);
      const reporter = options.json ? undefined : createDemoReporter();
      let resolutions = 0;
      const summary = await runDemo({
        live: options.live === true,
        model: options.model,
        ...(openaiApiKey ? { openaiApiKey } : {}),
        ...(options.keepDb ? { keepDb: options.keepDb } : {}),
        ...(reporter
          ? {
              onSetup: reporter.setup,
              onCall: reporter.call,
              onResolution: (row) => reporter.resolution(row, resolutions++ === 0),
            }
          : {}),
      });
      if (options.json) printJson(summary);
      else reporter?.summary(summary, Date.now() - started);
      const wrong = Object.entries(summary.customers).filter(([, customer]) => !customer.reconciled.equal);
      if (wrong.length > 0)
        throw new CliError(
          `the invoice of ${wrong.map(([id]) => id).join(', ')} does not equal the prices the Meter reported.`,
        );
    });
}
