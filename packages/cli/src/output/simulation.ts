import type { SimulateResponse } from '@agentmeter/client';
import { alignDecimals, compareDecimals, formatCount, groupDigits } from './decimal.js';
import { createStyle } from './style.js';
import { renderTable } from './table.js';

type Result = SimulateResponse['results'][number];

/** The result that earns most (the first of equals); null when currencies differ or there is none. */
export function bestResult(results: readonly Result[]): Result | null {
  const first = results[0];
  if (!first || results.some((result) => result.currency !== first.currency)) return null;
  return results.reduce((best, result) =>
    compareDecimals(result.revenue.total, best.revenue.total) > 0 ? result : best,
  );
}

/** `0.3` → `30%`, `0.333333333333` → `33.3333333333%`: the exact rate, the point moved two places. */
export function percent(rate: string): string {
  const [integer = '0', fraction = ''] = rate.split('.');
  const digits = `${integer}${fraction.padEnd(2, '0')}`;
  const whole = digits.slice(0, integer.length + 2).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(integer.length + 2).replace(/0+$/, '');
  return `${whole}${rest ? `.${rest}` : ''}%`;
}

/** Revenue under each model side by side; the model that earns most is starred. */
export function renderSimulation(simulation: SimulateResponse, indent = 0): string {
  const style = createStyle();
  const results = simulation.results;
  const best = bestResult(results);
  const column = (pick: (result: Result) => string | null) => alignDecimals(results.map(pick));
  const base = column((result) => result.revenue.base);
  const tokens = column((result) => result.revenue.tokens);
  const outcome = column((result) => result.revenue.outcome);
  const total = column((result) => result.revenue.total);
  const perCall = column((result) => result.revenue_per_call);
  const perSuccess = column((result) => result.revenue_per_success);
  const rows = results.map((result, index) => {
    const isBest = result === best && results.length > 1;
    const mark = (text: string) => (isBest ? style.bold(style.green(text)) : text);
    return [
      mark(`${isBest ? '★ ' : '  '}${result.name}${result.tier_version ? ` v${result.tier_version}` : ''}`),
      result.currency,
      base[index] ?? '',
      tokens[index] ?? '',
      outcome[index] ?? '',
      mark(total[index] ?? ''),
      perCall[index] ?? '',
      perSuccess[index] ?? '',
    ];
  });
  return renderTable(
    [
      { header: '  MODEL' },
      { header: 'CUR' },
      { header: 'BASE', align: 'right' },
      { header: 'TOKENS', align: 'right' },
      { header: 'OUTCOME', align: 'right' },
      { header: 'REVENUE', align: 'right' },
      { header: 'PER CALL', align: 'right' },
      { header: 'PER SUCCESS', align: 'right' },
    ],
    rows,
    { indent, header: style.dim },
  );
}

/** `42 calls, 9 successes (21.428571428571%), 123,456 input + 7,890 output tokens`. */
export function describeTraffic(simulation: SimulateResponse): string {
  const rate = simulation.results[0]?.success_rate;
  const successes = `${formatCount(simulation.successes)} ${simulation.successes === 1 ? 'success' : 'successes'}`;
  return `${formatCount(simulation.calls)} ${simulation.calls === 1 ? 'call' : 'calls'}, ${successes}${rate ? ` (${percent(rate)})` : ''}, ${formatCount(simulation.tokens.input)} input + ${formatCount(simulation.tokens.output)} output tokens`;
}

/** `hybrid earns most: USD 85.25 (0.08525 per call, 5.683333333333 per success)`. */
export function describeBest(simulation: SimulateResponse): string | null {
  const best = bestResult(simulation.results);
  if (!best) return null;
  const perSuccess = best.revenue_per_success ? `, ${groupDigits(best.revenue_per_success)} per success` : '';
  return `${best.name} earns most: ${best.currency} ${groupDigits(best.revenue.total)} (${groupDigits(best.revenue_per_call)} per call${perSuccess})`;
}
