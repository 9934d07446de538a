// Zero-code metering: `node --import @agentmeter/otel/register app.js`.
//
// Every `openai` and `@anthropic-ai/sdk` client the process creates, through `import` or `require()`, is
// metered by the same code as `withMeter()`, into a Meter configured from the environment
// (`AGENTMETER_API_KEY`, `AGENTMETER_URL`, `AGENTMETER_AGENT_ID`, `AGENTMETER_ACTION`,
// `AGENTMETER_CUSTOMER_ID`, and the Meter's own `AGENTMETER_*` settings). The Meter drains on exit
// (`beforeExit`, SIGTERM, SIGINT). Metered calls are also spans and metrics on the global OpenTelemetry
// providers, when an SDK registers them. When something cannot be set up, a warning says so, loudly,
// and the app runs unmetered: this module never stops it.
import { register } from 'node:module';
import { createMeter, type Meter } from '@agentmeter/sdk';
import { AutoMeterInstrumentation, type ClientWrapper } from './auto-instrumentation.js';
import { instrumentMeter } from './instrument-meter.js';
import { attributionFromEnv } from './register-config.js';

const warn = (message: string) => console.warn(`[agentmeter] WARNING: ${message}`);

/** A provider wrapper, when its package is installed (they are optional peer dependencies). */
async function wrapper(
  name: '@agentmeter/openai' | '@agentmeter/anthropic',
): Promise<ClientWrapper | undefined> {
  try {
    return ((await import(name)) as { withMeter: ClientWrapper }).withMeter;
  } catch {
    return undefined;
  }
}

// Loaded before the app, so the (synchronous) module hooks have them at hand.
const wrappers = {
  openai: await wrapper('@agentmeter/openai'),
  anthropic: await wrapper('@agentmeter/anthropic'),
};

function start(): Meter | undefined {
  try {
    // ES modules are patched as they load through import-in-the-middle's loader hook (CommonJS through
    // require-in-the-middle, which needs no hook). Registered first, before the app's imports resolve.
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
      data: { include: ['openai', '@anthropic-ai/sdk'] },
    });
  } catch (error) {
    warn(`the ES module loader hook could not be registered (${String(error)}); only require() is metered.`);
  }
  let meter: Meter;
  try {
    const attribution = attributionFromEnv();
    meter = createMeter();
    new AutoMeterInstrumentation({ meter, attribution, wrappers });
  } catch (error) {
    warn(`auto-metering is OFF: ${(error as Error).message} No model call of this process is metered.`);
    return undefined;
  }
  meter.registerExitHandlers({ signals: true });
  instrumentMeter(meter);
  return meter;
}

/** The Meter the process meters into (for `meter.withContext()`, `flush()`…), or undefined when it could not start. */
export const meter: Meter | undefined = start();
