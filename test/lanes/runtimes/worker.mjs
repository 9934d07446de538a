// The workerd entry point. POST /smoke {url, adminKey} runs the smoke test and answers its report as
// JSON; the config's ASYNC_CONTEXT binding says whether this worker has AsyncLocalStorage
// (nodejs_compat). POST /warm {url, adminKey, customer} meters one call with a Meter kept in module
// scope, as a worker reuses it while its instance stays warm, and answers the customer's call count.
import { createClient } from '@agentmeter/client';
import { createMeter } from '@agentmeter/sdk';
import { runSmoke } from './smoke.mjs';

let warm;

async function warmCall({ url, adminKey, customer }) {
  const errors = [];
  warm ??= createMeter({ apiKey: adminKey, baseUrl: url, onError: (info) => errors.push(info.message) });
  warm.track({
    agent_id: 'lane-warm',
    action: 'warm',
    customer_id: customer,
    tokens_input: 10,
    tokens_output: 2,
  });
  await warm.flush();
  const client = createClient({ apiKey: adminKey, baseUrl: url });
  const { data, error } = await client.GET('/v1/usage', { params: { query: { customer_id: customer } } });
  if (error) errors.push(JSON.stringify(error));
  return { calls: data?.totals[0]?.calls ?? 0, errors };
}

export default {
  async fetch(request, env) {
    try {
      const body = await request.json();
      if (new URL(request.url).pathname === '/warm') return Response.json(await warmCall(body));
      const asyncContext = env.ASYNC_CONTEXT !== 'false';
      return Response.json(
        await runSmoke({ url: body.url, adminKey: body.adminKey, expectRuntime: 'workerd', asyncContext }),
      );
    } catch (error) {
      return Response.json({ runtime: 'workerd', ok: false, failures: [String(error?.stack ?? error)] });
    }
  },
};
