/**
 * Which GenAI convention version to emit. `v1.41`: the last released one (default). `latest`: the
 * newest draft of semantic-conventions-genai, and only it (`gen_ai_latest_experimental` means "emit the
 * latest experimental version and NOT the old one").
 */
export type SemconvVersion = 'v1.41' | 'latest';

export const OPT_IN_ENV = 'OTEL_SEMCONV_STABILITY_OPT_IN';
const LATEST_FLAG = 'gen_ai_latest_experimental';

/** Reads `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list, as the OpenTelemetry SDKs parse it). */
export function semconvFromEnv(value: string | undefined = readEnv(OPT_IN_ENV)): SemconvVersion {
  const entries = (value ?? '').split(',').map((entry) => entry.trim().toLowerCase());
  return entries.includes(LATEST_FLAG) ? 'latest' : 'v1.41';
}

export function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.[name];
}
