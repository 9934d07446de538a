#!/usr/bin/env node
import { CliError } from './errors.js';
import { createProgram } from './program.js';

const program = createProgram().exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
    process.exit(0);
  // Commander printed its one line already; a usage error exits 2.
  if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
  const message = error instanceof Error ? error.message : String(error);
  console.error(`agentmeter: ${message}`);
  process.exit(error instanceof CliError ? error.exitCode : 1);
}
