import { IDENTIFIER_EXPECTATION, isIdentifier } from '@agentmeter/sdk/integration';
import type { AutoMeterAttribution } from './auto-instrumentation.js';
import { readEnv } from './stability.js';

/**
 * The attribution `node --import @agentmeter/otel/register` meters under, from the environment:
 * `AGENTMETER_AGENT_ID` (default: `OTEL_SERVICE_NAME`, else `default`), `AGENTMETER_ACTION` (default:
 * `model_call`), `AGENTMETER_CUSTOMER_ID` (default: none). The Meter reads `AGENTMETER_API_KEY`,
 * `AGENTMETER_URL` and its other settings itself. Throws a message naming the variable when one is invalid.
 */
export function attributionFromEnv(
  env: (name: string) => string | undefined = readEnv,
): AutoMeterAttribution {
  const read = (name: string, fallback?: string): string | undefined => {
    const raw = env(name);
    const value = raw === undefined || raw.trim() === '' ? fallback : raw.trim();
    if (value !== undefined && !isIdentifier(value)) {
      throw new TypeError(
        `Expected \`${name}\` to be ${IDENTIFIER_EXPECTATION}, got ${JSON.stringify(raw)}.`,
      );
    }
    return value;
  };
  const serviceName = env('OTEL_SERVICE_NAME')?.trim();
  const attribution: AutoMeterAttribution = {
    agent_id: read(
      'AGENTMETER_AGENT_ID',
      serviceName && isIdentifier(serviceName) ? serviceName : 'default',
    )!,
    action: read('AGENTMETER_ACTION', 'model_call')!,
  };
  const customer = read('AGENTMETER_CUSTOMER_ID');
  if (customer !== undefined) attribution.customer_id = customer;
  return attribution;
}
