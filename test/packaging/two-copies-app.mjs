// An application with two copies of @agentmeter/sdk installed: its own, and one nested under
// @agentmeter/openai (as a package manager installs it when the wrapper resolves another version).
// The wrapper meters each call through its copy; the application's own framework layer meters the same
// calls through the application's copy. Copied into the scratch app as main.mjs and run by
// two-sdk-copies.test.ts, which reads the one JSON line it prints.
//
// Env: METER_URL, METER_KEY (the agentmeter server), OPENAI_URL (the stand-in OpenAI API).

import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withMeter } from '@agentmeter/openai';
import { createMeter } from '@agentmeter/sdk';
import * as appSdk from '@agentmeter/sdk/integration';
import OpenAI from 'openai';

const { onUsage, recordUsage, runOuterLayer } = appSdk;

// Where each copy lives, and the module the wrapper really runs: the nested copy's own instance of
// the integration entry, through which it meters.
const appCopy = realpathSync(fileURLToPath(import.meta.resolve('@agentmeter/sdk/integration')));
const wrapperEntry = fileURLToPath(import.meta.resolve('@agentmeter/openai'));
const nestedCopy = realpathSync(createRequire(wrapperEntry).resolve('@agentmeter/sdk/integration'));
const nestedSdk = await import(pathToFileURL(nestedCopy).href);

const meter = createMeter({ apiKey: process.env.METER_KEY, baseUrl: process.env.METER_URL });
const listened = [];
onUsage((usage) => listened.push(usage.provider));

const client = withMeter(
  new OpenAI({ apiKey: 'sk-test', baseURL: process.env.OPENAI_URL, maxRetries: 0 }),
  meter,
  { agent_id: 'two-copies', action: 'unset' },
);
const ask = () =>
  client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });

/** The usage a framework layer normalizes from the same response. */
const usageOf = (response, provider, startedAt) => ({
  provider,
  operation: 'chat',
  requestModel: 'gpt-4o-mini',
  responseModel: response.model,
  responseId: response.id,
  inputTokens: response.usage.prompt_tokens,
  outputTokens: response.usage.completion_tokens,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  complete: true,
  streamed: false,
  startedAt,
});

/** What each framework layer's recordUsage() returned: its event id, or null when it left the call to the wrapper. */
const framework = {};

// 1. An outer layer around the call (how the AI SDK middleware runs a call): it skips its own event
// when a provider wrapper metered inside its scope. Its provider name differs from the wrapper's, so a
// second event would carry another event id.
await meter.withContext({ action: 'outer-layer' }, () =>
  runOuterLayer(async (scope) => {
    const response = await ask();
    framework.outerLayer =
      recordUsage(
        meter,
        usageOf(response, 'openai.chat', Date.now()),
        { agent_id: 'two-copies', action: 'outer-layer' },
        { layer: 'framework', scope },
      ) ?? null;
    framework.outerLayerSawWrapper = scope.innerMetered;
  }),
);

// 2. A callback layer told of the call afterwards (how the LangChain handler hears of it), with a
// unique response id: it asks whether a provider wrapper metered that id.
{
  const startedAt = Date.now();
  const response = await meter.withContext({ action: 'callback-unique' }, ask);
  framework.callbackUnique =
    recordUsage(
      meter,
      usageOf(response, 'openai', startedAt),
      { agent_id: 'two-copies', action: 'callback-unique' },
      { layer: 'framework' },
    ) ?? null;
}

// 3. The same with an id the server repeats on every call (`chatcmpl-123`): it claims the wrapped call
// with that id and the same counts made within its own call.
{
  const startedAt = Date.now();
  const response = await meter.withContext({ action: 'callback-repeating' }, ask);
  framework.callbackRepeating =
    recordUsage(
      meter,
      usageOf(response, 'openai', startedAt),
      { agent_id: 'two-copies', action: 'callback-repeating' },
      { layer: 'framework' },
    ) ?? null;
}

const shutdown = await meter.shutdown({ timeoutMs: 10_000 });
process.stdout.write(
  `${JSON.stringify({
    appCopy,
    nestedCopy,
    distinctInstances: nestedSdk.recordUsage !== appSdk.recordUsage,
    framework,
    listened,
    shutdown: { sent: shutdown.sent, failed: shutdown.failed, pending: shutdown.pending },
  })}\n`,
);
