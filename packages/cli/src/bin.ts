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
  if (typeof code === 'string' && code.startsWith('commander.'))
    process.exit((error as { exitCode?: number }).exitCode ?? 1);
  const message = error instanceof CliError || error instanceof Error ? error.message : String(error);
  console.error(`agentmeter: ${message}`);
  process.exit(error instanceof CliError ? error.exitCode : 1);
}
