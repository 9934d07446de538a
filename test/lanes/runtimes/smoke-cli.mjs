// Bun and Deno entry point: runs the smoke test against LANE_URL with LANE_ADMIN_KEY, prints its
// report as JSON, and exits non-zero when any check failed.
import { detectRuntime, runSmoke } from './smoke.mjs';

const env = (name) => (globalThis.Deno ? globalThis.Deno.env.get(name) : globalThis.process.env[name]);
const exit = (code) => (globalThis.Deno ? globalThis.Deno.exit(code) : globalThis.process.exit(code));

try {
  const report = await runSmoke({
    url: env('LANE_URL'),
    adminKey: env('LANE_ADMIN_KEY'),
    expectRuntime: env('LANE_RUNTIME'),
  });
  console.log(JSON.stringify(report));
  exit(report.ok ? 0 : 1);
} catch (error) {
  console.log(
    JSON.stringify({ runtime: detectRuntime(), ok: false, failures: [String(error?.stack ?? error)] }),
  );
  exit(1);
}
