import { DEFAULT_BASE_URL } from '@agentmeter/client';
import { Command, Option } from 'commander';
import { registerAssignments } from './commands/assignments.js';
import { registerDemo } from './commands/demo.js';
import { registerInvoice } from './commands/invoice.js';
import { registerKeys } from './commands/keys.js';
import { registerServe } from './commands/serve.js';
import { registerSimulate } from './commands/simulate.js';
import { registerTiers } from './commands/tiers.js';
import { registerUsage } from './commands/usage.js';
import { VERSION } from './version.js';

/** The `agentmeter` command line. Every command has `--help`; every read has `--json`. */
export function createProgram(): Command {
  const program = new Command('agentmeter')
    .description('Meter and price AI-agent work: per token, per call, per outcome, or any mix.')
    .version(VERSION)
    .addOption(
      new Option('--url <url>', 'the agentmeter server').env('AGENTMETER_URL').default(DEFAULT_BASE_URL),
    )
    .addOption(
      new Option('--api-key <key>', 'an API key of the project (admin for reads)').env('AGENTMETER_API_KEY'),
    )
    .configureOutput({
      // Commander's own errors (unknown option, missing argument) as one line, like every other error.
      outputError: (text, write) =>
        write(
          `agentmeter: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')} (see --help)\n`,
        ),
    })
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true })
    // Subcommands copy this when they are created: errors throw to bin.ts instead of exiting.
    .exitOverride();
  registerServe(program);
  registerDemo(program);
  registerKeys(program);
  registerTiers(program);
  registerAssignments(program);
  registerUsage(program);
  registerInvoice(program);
  registerSimulate(program);
  return program;
}
