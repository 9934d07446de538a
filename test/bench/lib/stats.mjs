// Order statistics for benchmark samples. Every figure a benchmark reports is a summary of runs:
// { median, p99, runs } plus the unit, so bench-results.json reads the same for every figure.

export function percentile(values, fraction) {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => percentile(values, 0.5);

/** `{ median, p99, runs, unit }` of the samples (`runs` = how many samples). */
export function summarize(values, unit, extra = {}) {
  return { median: median(values), p99: percentile(values, 0.99), runs: values.length, unit, ...extra };
}

/** A single measured value (one run), in the same shape. */
export const single = (value, unit, extra = {}) => ({ median: value, p99: value, runs: 1, unit, ...extra });

/** Formats a number for a table: thousands separators, `digits` decimals under 100. */
export function fmt(value, digits = 1) {
  if (value === undefined || value === null || Number.isNaN(value)) return 'n/a';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves after the microtasks queued so far (and those they queue) have run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The promise, or undefined once `ms` passed (a peer's close that never settles must not hang the run). */
export const withTimeout = (promise, ms) =>
  Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())]);

/** CPU time of this process (user + system, all threads), in µs: robust to other processes' load. */
export function cpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Runs `fn` with console.error and console.warn silenced (a peer's client complaining as it is torn down). */
export async function quietly(fn) {
  const { error, warn } = console;
  console.error = () => {};
  console.warn = () => {};
  try {
    return await fn();
  } finally {
    console.error = error;
    console.warn = warn;
  }
}
