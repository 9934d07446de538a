// The exactly-once scenario shared by the chaos test (npm test) and the soak (npm run soak): agents
// with durable outboxes send a known workload through the fault proxy while the server is killed
// with SIGKILL and restarted twice, and one agent is killed with SIGKILL and restarted.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from '../support/postgres.js';
import { freePort } from '../support/processes.js';
import type { StoreKind } from '../support/stores.js';
import { AgentProcess } from './agent-process.js';
import { type Decision, type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { adminReader, type Reconciliation, reconcile } from './reconcile.js';
import { RestartableServer } from './restartable-server.js';
import { AGENT_TIERS, CUSTOMER_TIERS, TIERS } from './workload.mjs';

export interface ChaosOptions {
  kind: StoreKind;
  events: number;
  agents: number;
  seed: number;
  /** Events an agent tracks between progress marks. */
  chunk: number;
  maxBatchEvents: number;
  /** Clean requests per deck of injected faults (lower: more faults). */
  passesPerDeck: number;
  /** The agents' request timeout; the proxy's `delayed` fault holds requests until the agent gives up. */
  requestTimeoutMs: number;
  log?: (message: string) => void;
}

export interface ChaosReport {
  reconciliation: Reconciliation;
  faults: FaultProxy['counts'];
  serverStarts: number;
  agentStarts: number[];
  agentKills: { agent: number; atProgress: number }[];
  serverKills: { atEvents: number }[];
  /** Error codes the agents' Meters reported, summed. */
  agentErrors: Record<string, number>;
  agentResults: { sent: number; failed: number; pending: number }[];
  /** Outbox segment files left behind by the agents (none when everything was acknowledged). */
  outboxLeft: string[];
  deliverySeconds: number;
  eventsPerSecond: number;
  serverOutput: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { kind, events, agents: agentCount, seed, log = () => {} } = options;
  const dir = mkdtempSync(join(tmpdir(), `agentmeter-chaos-${kind}-`));
  const database =
    kind === 'sqlite'
      ? { env: { AGENTMETER_DB: join(dir, 'chaos.db') }, drop: async () => {} }
      : await freshDatabase('chaos').then(({ url, drop }) => ({ env: { DATABASE_URL: url }, drop }));
  const adminKey = `chaos-admin-${seed}-${Math.random().toString(36).slice(2)}`;
  const server = new RestartableServer(await freePort(), { ...database.env, AGENTMETER_ADMIN_KEY: adminKey });
  let proxy: FaultProxy | undefined;
  const agents: AgentProcess[] = [];
  try {
    await server.start();
    const admin = async (method: string, path: string, body: unknown): Promise<any> => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    for (const [tier, definition] of Object.entries(TIERS))
      await admin('PUT', `/v1/tiers/${tier}`, definition);
    for (const [customer, tier] of Object.entries(CUSTOMER_TIERS))
      await admin('PUT', `/v1/customers/${customer}`, { tier });
    for (const [agent, tier] of Object.entries(AGENT_TIERS))
      await admin('PUT', `/v1/agents/${agent}`, { tier });
    const { key: apiKey } = await admin('POST', '/v1/keys', {
      scope: 'ingest',
      name: 'chaos agents',
      // The workload sets an event's tier now and then: the key must be allowed to.
      allow_tier_override: true,
    });

    proxy = await startFaultProxy({
      upstream: server.url,
      seed,
      passesPerDeck: options.passesPerDeck,
      delayMs: options.requestTimeoutMs * 2,
      ...(process.env['CHAOS_TIMELINE']
        ? { onRequest: (entry) => log(`proxy ${JSON.stringify(entry)}`) }
        : {}),
    });
    const run = { tag: `c${seed.toString(36)}`, seed, baseTime: Date.now() - 3_600_000 };
    const counts = Array.from(
      { length: agentCount },
      (_, agent) => Math.floor(events / agentCount) + (agent < events % agentCount ? 1 : 0),
    );
    for (const [agent, count] of counts.entries()) {
      agents.push(
        new AgentProcess({
          url: proxy.url,
          apiKey,
          outboxDir: join(dir, `outbox-${agent}`),
          progressFile: join(dir, `progress-${agent}`),
          agent,
          count,
          run,
          chunk: options.chunk,
          maxBatchEvents: options.maxBatchEvents,
          requestTimeoutMs: options.requestTimeoutMs,
        }),
      );
    }
    const started = Date.now();
    for (const agent of agents) agent.start();

    // The chaos plan, by overall progress: kill the server at 25% and 65%, and at 45% the agent with
    // the most work left (an agent that finished early cannot be the one killed).
    const serverKills: ChaosReport['serverKills'] = [];
    const agentKills: ChaosReport['agentKills'] = [];
    const progress = () => agents.reduce((sum, agent) => sum + agent.progress, 0);
    const plan = [
      { at: 0.25, act: 'server' },
      { at: 0.45, act: 'agent' },
      { at: 0.65, act: 'server' },
    ] as const;
    for (const step of plan) {
      for (;;) {
        // An agent whose current run ended without finishing: stop the plan, finished() reports it.
        if (agents.some((agent) => agent.exits.length === agent.starts && !agent.done)) break;
        if (progress() >= events * step.at || agents.every((agent) => agent.done)) break;
        await sleep(20);
      }
      if (step.act === 'server') {
        serverKills.push({ atEvents: progress() });
        log(`SIGKILL server at ${progress()} events tracked, at ${Date.now()}`);
        await server.kill('SIGKILL');
        await sleep(400);
        await server.start();
        log(`server up again at ${Date.now()}`);
        continue;
      }
      const victim = agents
        .filter((agent) => !agent.done)
        .sort((a, b) => b.config.count - b.progress - (a.config.count - a.progress))[0];
      if (!victim) continue;
      agentKills.push({ agent: victim.config.agent, atProgress: victim.progress });
      log(`SIGKILL agent ${victim.config.agent} at ${victim.progress} of ${victim.config.count}`);
      await victim.kill();
      victim.start();
    }
    const agentResults = [];
    for (const agent of agents) agentResults.push(await agent.finished());
    const deliverySeconds = (Date.now() - started) / 1000;
    log(`delivered ${events} events in ${deliverySeconds.toFixed(1)} s; reconciling`);
    if (process.env['CHAOS_TIMELINE']) {
      for (const agent of agents)
        for (const line of agent.lines)
          log(
            `agent ${agent.config.agent} +${((Number(line['at']) - started) / 1000).toFixed(1)}s ${JSON.stringify({ ...line, at: undefined })}`,
          );
    }

    const reconciliation = await reconcile(adminReader(server.url, adminKey), run, counts);
    const agentErrors: Record<string, number> = {};
    for (const agent of agents) {
      for (const [code, count] of Object.entries(agent.errorCodes()))
        agentErrors[code] = (agentErrors[code] ?? 0) + count;
    }
    const outboxLeft = agents.flatMap((agent) =>
      existsSync(agent.config.outboxDir)
        ? readdirSync(agent.config.outboxDir).filter((name) => name.endsWith('.wal'))
        : [],
    );
    return {
      reconciliation,
      faults: proxy.counts,
      serverStarts: server.starts,
      agentStarts: agents.map((agent) => agent.starts),
      agentKills,
      serverKills,
      agentErrors,
      agentResults,
      outboxLeft,
      deliverySeconds,
      eventsPerSecond: Math.round(events / deliverySeconds),
      serverOutput: server.output(),
    };
  } finally {
    await Promise.all(agents.map((agent) => agent.kill()));
    await proxy?.close();
    await server.kill('SIGTERM');
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The decisions the proxy made, for a report line. */
export const faultSummary = (counts: Record<Decision | string, number>) =>
  Object.entries(counts)
    .map(([name, count]) => `${name}=${count}`)
    .join(' ');
