import type { SimulateResponse } from '@agentmeter/client';
import type { Command } from 'commander';
import { connect, printJson, request } from '../api.js';
import { answerFramework, type Buyer, type Framework } from '../decide.js';
import { CliError } from '../errors.js';
import { analyzeHistory, HISTORY_LABELS } from '../history.js';
import { describeBest, describeTraffic, renderSimulation } from '../output/simulation.js';
import { createStyle } from '../output/style.js';
import { choiceOption, collect, integerOption, timeOption } from '../parse.js';

interface SimulateOptions {
  calls?: string;
  tokensIn?: string;
  tokensOut?: string;
  tokensCachedIn?: string;
  successRate?: string;
  successes?: string;
  action?: string;
  tier?: string[];
  fromHistory?: string[];
  customer?: string;
  agent?: string;
  buyer?: string;
  json?: boolean;
}

const WORKLOAD_LABELS = {
  '/workload/calls': '--calls',
  '/workload/avg_tokens_input': '--tokens-in',
  '/workload/avg_tokens_output': '--tokens-out',
  '/workload/avg_tokens_cached_input': '--tokens-cached-in',
  '/workload/success_rate': '--success-rate',
  '/workload/successes': '--successes',
  '/workload/action': '--action',
  ...HISTORY_LABELS,
};

/** The framework's answers, as printed lines. */
export function renderFramework(framework: Framework, indent = 2): string {
  const style = createStyle();
  const margin = ' '.repeat(indent);
  const yes = (value: boolean) => (value ? style.green('yes') : style.yellow('no'));
  const lines = [
    `${margin}1. A discrete, measurable outcome?     ${yes(framework.outcome.answer)} — ${framework.outcome.reason}`,
    `${margin}2. Tokens vary more than 5x per call?  ${yes(framework.tokensVary.answer)} — ${framework.tokensVary.reason}`,
    `${margin}3. Who is the buyer?                   ${framework.buyer.answer ?? style.dim('unknown')} — ${framework.buyer.reason}`,
    `${margin}→ The model they point to: ${style.bold(framework.model)}${framework.alternative ? ` (${framework.alternative} for a business buyer)` : ''} — ${framework.why}`,
  ];
  return lines.join('\n');
}

function printWorkload(simulation: SimulateResponse): void {
  const style = createStyle();
  console.log(`${style.bold('Workload')}: ${describeTraffic(simulation)}`);
  console.log(renderSimulation(simulation));
  const best = describeBest(simulation);
  if (best) console.log(`\n${best}`);
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(
      "Revenue of a workload under several tiers side by side, or of the project's real past events (--from-history).",
    )
    .option('--calls <n>', 'calls in the workload')
    .option('--tokens-in <n>', 'average input tokens per call', '0')
    .option('--tokens-out <n>', 'average output tokens per call', '0')
    .option('--tokens-cached-in <n>', 'average cached input tokens per call (part of --tokens-in)')
    .option('--success-rate <rate>', 'share of calls that succeed, 0 to 1 (e.g. 0.015)')
    .option('--successes <n>', 'successful calls (instead of --success-rate)')
    .option('--action <action>', 'the action, for per-action outcome bonuses')
    .option(
      '--tier <tier_id>',
      'a project tier to compare (repeatable; default: the four reference models)',
      collect,
    )
    .option(
      '--from-history <from> <to>',
      "reprice the project's real events in this period (dates or RFC 3339)",
    )
    .option('--customer <customer_id>', 'with --from-history: only this customer')
    .option('--agent <agent_id>', 'with --from-history: only this agent')
    .option('--buyer <buyer>', "with --from-history: developer or business (the framework's third question)")
    .option('--json', 'print the API response as JSON (with the framework for --from-history)')
    .allowExcessArguments()
    .addHelpText(
      'after',
      `
The four reference models (per_token, per_call, outcome, hybrid) are compared unless --tier names
tiers of the project. Examples:
  agentmeter simulate --calls 1000 --tokens-in 2000 --tokens-out 800 --success-rate 0.015
  agentmeter simulate --calls 1000 --tokens-in 2000 --tier per_call --tier hybrid
  agentmeter simulate --from-history 2026-11-01 2026-12-01 --agent outreach-agent --buyer business`,
    )
    .action(async (options: SimulateOptions, command: Command) => {
      const tiers = options.tier ?? [];
      if (options.fromHistory !== undefined) {
        // Commander gives a variadic-looking flag one value; the second is the next argument.
        const period = [options.fromHistory, ...command.args].flat();
        if (period.length !== 2)
          throw new CliError('--from-history takes two values: FROM TO (dates or RFC 3339 times).', 2);
        if (options.calls !== undefined) throw new CliError('give --calls or --from-history, not both.', 2);
        const buyer = choiceOption<Buyer>('--buyer', options.buyer, ['developer', 'business']);
        const connection = connect(command);
        const filter = {
          from: timeOption(period[0]) as string,
          to: timeOption(period[1]) as string,
          ...(options.customer !== undefined ? { customer_id: options.customer } : {}),
          ...(options.agent !== undefined ? { agent_id: options.agent } : {}),
        };
        const analysis = await analyzeHistory(connection, filter, tiers);
        const framework = answerFramework(analysis.facts, buyer);
        if (options.json) return printJson({ ...analysis.simulation, framework });
        const style = createStyle();
        const scope = [
          options.customer && `customer ${options.customer}`,
          options.agent && `agent ${options.agent}`,
        ]
          .filter(Boolean)
          .join(', ');
        console.log(
          `${style.bold('History')} ${filter.from} → ${filter.to}${scope ? ` (${scope})` : ''}: ${describeTraffic(analysis.simulation)}`,
        );
        if (analysis.simulation.calls === 0) {
          console.log('No events in this period.');
          return;
        }
        console.log(renderSimulation(analysis.simulation));
        const best = describeBest(analysis.simulation);
        if (best) console.log(`\n${best}`);
        console.log(
          `\n${style.bold('Three questions that pick a model, answered from the data')}${analysis.truncated ? style.dim(' (newest 100,000 events)') : ''}`,
        );
        console.log(renderFramework(framework));
        return;
      }
      if (options.calls === undefined)
        throw new CliError('give --calls <n> (a described workload) or --from-history FROM TO.', 2);
      if (command.args.length > 0)
        throw new CliError(`unexpected argument ${JSON.stringify(command.args[0])}.`, 2);
      if (options.successRate !== undefined && options.successes !== undefined)
        throw new CliError('give --success-rate or --successes, not both.', 2);
      const calls = integerOption('--calls', options.calls) as number;
      const workload = {
        calls,
        avg_tokens_input: integerOption('--tokens-in', options.tokensIn) ?? 0,
        avg_tokens_output: integerOption('--tokens-out', options.tokensOut) ?? 0,
        avg_tokens_cached_input: integerOption('--tokens-cached-in', options.tokensCachedIn) ?? 0,
        ...(options.successRate !== undefined ? { success_rate: options.successRate } : {}),
        ...(options.successes !== undefined
          ? { successes: integerOption('--successes', options.successes) }
          : {}),
        ...(options.action !== undefined ? { action: options.action } : {}),
      };
      const connection = connect(command);
      const simulation = await request(
        connection,
        connection.client.POST('/v1/simulate', {
          body: { workload, ...(tiers.length > 0 ? { tiers } : {}) },
        }),
        WORKLOAD_LABELS,
      );
      if (options.json) return printJson(simulation);
      printWorkload(simulation);
    });
}
