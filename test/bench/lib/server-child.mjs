// A server in its own process for the benchmarks, with a side channel (IPC) for its CPU and memory:
// the parent sends {type: 'usage'} and gets process.cpuUsage() and process.memoryUsage() back, and
// {type: 'loop-reset'} / {type: 'loop'} to restart / read the event-loop delay histogram (ms).
//
// BENCH_SERVER (JSON) picks what runs:
//   {mode: 'agentmeter', dbPath | databaseUrl, adminKey, port?}   the real server (startServer), no dashboard
//   {mode: 'bare'}                                          Hono on @hono/node-server, one constant route
//   {mode: 'bare-body'}                                     the same route, reading and parsing the JSON body first
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const options = JSON.parse(process.env.BENCH_SERVER ?? '{}');

async function start() {
  if (options.mode === 'bare' || options.mode === 'bare-body') {
    // The framework ceiling: the same framework and adapter, a route that answers a constant.
    const app = new Hono();
    const constant = { event_id: 'evt_1', price_charged: 0.0084, currency: 'USD', replayed: false };
    if (options.mode === 'bare') app.post('/v1/meter', (context) => context.json(constant));
    else
      app.post('/v1/meter', async (context) =>
        context.json({ ...constant, event_id: (await context.req.json()).event_id }),
      );
    const server = await new Promise((resolve) => {
      const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening));
    });
    return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
  }
  const { startServer } = await import('../../../packages/server/dist/index.js');
  const running = await startServer({
    port: options.port ?? 0,
    adminKey: options.adminKey,
    rateLimit: false,
    dashboard: false,
    onError: (error) => process.send?.({ type: 'error', message: String(error?.stack ?? error) }),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : { dbPath: options.dbPath }),
  });
  return { url: running.url, close: () => running.close() };
}

const server = await start();
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
process.on('message', async (message) => {
  if (message?.type === 'loop-reset') {
    loopDelay.reset();
    process.send({ type: 'loop', id: message.id });
  } else if (message?.type === 'loop') {
    const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;
    process.send({
      type: 'loop',
      id: message.id,
      max: ms(loopDelay.max),
      p99: ms(loopDelay.percentile(99)),
      p50: ms(loopDelay.percentile(50)),
    });
  } else if (message?.type === 'usage') {
    process.send({
      type: 'usage',
      id: message.id,
      cpu: process.cpuUsage(),
      memory: process.memoryUsage(),
      resources: process.resourceUsage(),
    });
  } else if (message?.type === 'close') {
    await server.close();
    process.send({ type: 'closed' }, () => process.exit(0));
  }
});
process.send({ type: 'ready', url: server.url });
