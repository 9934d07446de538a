import { readFileSync } from 'node:fs';
import type { Tier, TierInput } from '@agentmeter/client';
import type { Command } from 'commander';
import { type Connection, connect, type FieldLabels, printJson, request } from '../api.js';
import { CliError } from '../errors.js';
import { alignDecimals } from '../output/decimal.js';
import { createStyle } from '../output/style.js';
import { renderTable } from '../output/table.js';
import { summarizeTier } from '../output/tier-summary.js';
import { collect, integerOption, pairsOption, tokenUnitOption } from '../parse.js';
import { parseTierText, UnreadableNumbers } from '../tier-file.js';

/** Each tier flag and the TierInput field it sets. */
const MONEY_FLAGS = [
  ['baseFee', '--base-fee', 'base_fee', 'charged per call'],
  ['tokenRateInput', '--token-rate-input', 'token_rate_input', 'per token unit of input (not cached)'],
  ['tokenRateOutput', '--token-rate-output', 'token_rate_output', 'per token unit of output'],
  [
    'tokenRateCachedInput',
    '--token-rate-cached-input',
    'token_rate_cached_input',
    'per token unit of cached input (default: the input rate)',
  ],
  [
    'tokenRateCacheWrite',
    '--token-rate-cache-write',
    'token_rate_cache_write',
    'per token unit of cache writes (default: the input rate)',
  ],
  [
    'tokenRateCacheWrite1h',
    '--token-rate-cache-write-1h',
    'token_rate_cache_write_1h',
    'per token unit of cache writes kept for an hour (default: the cache-write rate)',
  ],
  [
    'tokenRateAudioInput',
    '--token-rate-audio-input',
    'token_rate_audio_input',
    'per token unit of uncached audio input (default: the input rate)',
  ],
  [
    'tokenRateAudioOutput',
    '--token-rate-audio-output',
    'token_rate_audio_output',
    'per token unit of audio output (default: the output rate)',
  ],
  [
    'webSearchRequestFee',
    '--web-search-request-fee',
    'web_search_request_fee',
    'per web search the provider ran for a call (default: 0)',
  ],
  ['outcomeBonus', '--outcome-bonus', 'outcome_bonus', 'charged once per successful outcome'],
] as const;

export const TIER_LABELS: FieldLabels = {
  ...Object.fromEntries(MONEY_FLAGS.map(([, flag, field]) => [`/${field}`, flag])),
  '/token_unit': '--token-unit',
  '/currency': '--currency',
  '/description': '--description',
  '/outcome_bonus_by_action': '--bonus-for',
  'path.tier_id': '<tier_id>',
};

interface SetOptions {
  file?: string;
  description?: string;
  tokenUnit?: string;
  bonusFor?: string[];
  currency?: string;
  json?: boolean;
  [flag: string]: unknown;
}

function readTierFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--file: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? error}).`, 2);
  }
  let value: unknown;
  try {
    value = parseTierText(text, /\.ya?ml$/i.test(path) ? 'yaml' : 'json');
  } catch (error) {
    if (error instanceof UnreadableNumbers)
      throw new CliError(`--file: cannot read the numbers of ${path} exactly (${error.message}).`, 2);
    throw new CliError(
      `--file: ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`,
      2,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError(`--file: ${path} must hold one tier object (base_fee, token_rate_input, ...).`, 2);
  return value as Record<string, unknown>;
}

/** The tier body: the file's fields (if any), then every flag given, which wins. */
export function tierInput(options: SetOptions): TierInput {
  const body: Record<string, unknown> = options.file ? readTierFile(options.file) : {};
  if (options.description !== undefined) body['description'] = options.description;
  for (const [key, , field] of MONEY_FLAGS) {
    const value = options[key];
    if (typeof value === 'string') body[field] = value;
  }
  const unit = tokenUnitOption(options.tokenUnit);
  if (unit !== undefined) body['token_unit'] = unit;
  const bonuses = pairsOption('--bonus-for', options.bonusFor);
  if (bonuses)
    body['outcome_bonus_by_action'] = {
      ...(body['outcome_bonus_by_action'] as Record<string, unknown> | undefined),
      ...bonuses,
    };
  if (options.currency !== undefined) body['currency'] = options.currency.toUpperCase();
  return body as TierInput;
}

const optionalRow = (label: string, amount: string | undefined, per: string): [string, string, string][] =>
  amount === undefined ? [] : [[label, amount, per]];

function printTier(tier: Tier): void {
  const style = createStyle();
  const unit = tier.token_unit === 1000000 ? '1M' : '1K';
  console.log(`${style.bold(`Tier ${tier.tier_id}`)} v${tier.version} — ${summarizeTier(tier)}`);
  if (tier.description) console.log(`  ${style.dim(tier.description)}`);
  const rows: [string, string, string][] = [
    ['base fee', tier.base_fee, 'per call'],
    ['input tokens', tier.token_rate_input, `per ${unit}`],
    ['output tokens', tier.token_rate_output, `per ${unit}`],
    ['cached input tokens', tier.token_rate_cached_input, `per ${unit}`],
    ['cache-write tokens', tier.token_rate_cache_write, `per ${unit}`],
    // Shown only when the tier gives them a rate of their own; otherwise the rate above applies.
    ...optionalRow('1-hour cache-write tokens', tier.token_rate_cache_write_1h, `per ${unit}`),
    ...optionalRow('audio input tokens', tier.token_rate_audio_input, `per ${unit}`),
    ...optionalRow('audio output tokens', tier.token_rate_audio_output, `per ${unit}`),
    ...optionalRow('web searches', tier.web_search_request_fee, 'per search'),
    ['outcome bonus', tier.outcome_bonus, 'per success'],
    ...Object.entries(tier.outcome_bonus_by_action).map(
      ([action, bonus]) => [`  bonus for ${action}`, bonus, 'per success'] as [string, string, string],
    ),
  ];
  const amounts = alignDecimals(rows.map((row) => row[1]));
  console.log(
    renderTable(
      [{ header: 'COMPONENT' }, { header: tier.currency, align: 'right' }, { header: '' }],
      rows.map((row, index) => [row[0], amounts[index] ?? '', row[2]]),
      { header: style.dim },
    ),
  );
  console.log(style.dim(`  created ${tier.created_at}`));
}

async function getTier(connection: Connection, tierId: string, version?: number): Promise<Tier> {
  return request(
    connection,
    connection.client.GET('/v1/tiers/{tier_id}', {
      params: { path: { tier_id: tierId }, ...(version !== undefined ? { query: { version } } : {}) },
    }),
    { 'path.tier_id': '<tier_id>', 'query.version': '--tier-version' },
  );
}

export function registerTiers(program: Command): void {
  const tiers = program
    .command('tiers')
    .description('Pricing tiers: base fee + token rates + outcome bonus.');

  const set = tiers
    .command('set')
    .description(
      'Create a tier, or publish a new version of it. The tier is what you give: components left out are zero. Events already charged keep their price.',
    )
    .argument('<tier_id>', 'lower-case letters, digits and _.-, e.g. hybrid');
  for (const [, flag, , description] of MONEY_FLAGS) set.option(`${flag} <amount>`, description);
  set
    .option('--token-unit <unit>', 'tokens the rates are per: 1K or 1M (default 1K)')
    .option('--bonus-for <action=amount>', 'outcome bonus for one action (repeatable)', collect)
    .option('--currency <code>', 'ISO 4217 currency (default USD)')
    .option('--description <text>', 'a note shown with the tier')
    .option('--file <path>', 'read the tier from a JSON or YAML file (flags override its fields)')
    .option('--json', 'print the API response as JSON')
    .addHelpText(
      'after',
      `
Examples (the four reference models):
  agentmeter tiers set per_token --token-rate-input 0.003 --token-rate-output 0.003 --token-unit 1K
  agentmeter tiers set per_call  --base-fee 0.05
  agentmeter tiers set outcome   --base-fee 0.01 --outcome-bonus 5.00
  agentmeter tiers set hybrid    --base-fee 0.01 --token-rate-input 0.125 --token-unit 1M --outcome-bonus 5.00
  agentmeter tiers set sales     --file tier.yaml`,
    )
    .action(async (tierId: string, options: SetOptions, command: Command) => {
      const body = tierInput(options);
      const connection = connect(command);
      const tier = await request(
        connection,
        connection.client.PUT('/v1/tiers/{tier_id}', { params: { path: { tier_id: tierId } }, body }),
        TIER_LABELS,
      );
      if (options.json) return printJson(tier);
      printTier(tier);
    });

  tiers
    .command('get')
    .description('Show a tier (its current version, or --tier-version N).')
    .argument('<tier_id>', 'the tier')
    .option('--tier-version <n>', 'an earlier version of the tier')
    .option('--json', 'print the API response as JSON')
    .action(async (tierId: string, options: { tierVersion?: string; json?: boolean }, command: Command) => {
      const version = integerOption('--tier-version', options.tierVersion);
      const connection = connect(command);
      const tier = await getTier(connection, tierId, version);
      if (options.json) return printJson(tier);
      printTier(tier);
    });

  tiers
    .command('list')
    .description('List the current version of every tier.')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const connection = connect(command);
      const list = await request(connection, connection.client.GET('/v1/tiers'));
      if (options.json) return printJson(list);
      const style = createStyle();
      console.log(
        renderTable(
          [{ header: 'TIER' }, { header: 'VERSION', align: 'right' }, { header: 'PRICE' }],
          list.data.map((tier) => [tier.tier_id, `v${tier.version}`, summarizeTier(tier)]),
          { indent: 0, header: style.dim },
        ),
      );
    });
}
