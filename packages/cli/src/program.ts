import { Command } from 'commander';
import { registerServe } from './commands/serve.js';
import { VERSION } from './version.js';

/** The `agentmeter` command line. Every command has `--help`; every read has `--json`. */
export function createProgram(): Command {
  const program = new Command('agentmeter')
    .description('Meter and price AI-agent work: per token, per call, per outcome, or any mix.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  registerServe(program);
  return program;
}
