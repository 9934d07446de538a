import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createClient, type InvoicePreview, type SimulateResponse, type Tier } from '@agentmeter/client';
import { withMeter } from '@agentmeter/openai';
import { createMeter, type MeterErrorInfo } from '@agentmeter/sdk';
import { startServer } from '@agentmeter/server';
import OpenAI from 'openai';
import { type Connection, request } from '../api.js';
import { answerFramework, type Framework } from '../decide.js';
import { CliError } from '../errors.js';
import { analyzeHistory } from '../history.js';
import { compareDecimals, sumDecimals } from '../output/decimal.js';
import { createEventClock } from './event-clock.js';
import { type MockOpenAI, startMockOpenAI } from './mock-openai.js';
import {
  AGENTS,
  type AgentId,
  CUSTOMER_TIERS,
  CUSTOMERS,
  type CustomerId,
  DEMO_TIERS,
  MODELS,
} from './scenario.js';
import { type CallRow, type ResolutionRow, resolveOutcomes, runCalls } from './traffic.js';

export interface DemoOptions {
  /** Use api.openai.com (needs `openaiApiKey`) instead of the local mock. Default: false. */
  live?: boolean;
  /** The key for `live`. Default: none (env OPENAI_API_KEY, read by the command). */
  openaiApiKey?: string;
  /** The chat model. Default: `gpt-4o-mini`. */
  model?: string;
  /** Keep the SQLite database at this path (it must not exist yet). Default: a temporary file, removed. */
  keepDb?: string;
  onSetup?: (info: DemoSetup) => void;
  onCall?: (row: CallRow) => void;
  onResolution?: (row: ResolutionRow) => void;
}

export interface DemoSetup {
  serverUrl: string;
  providerUrl: string;
  dbPath: string;
  tiers: Tier[];
  agentTiers: Record<AgentId, string>;
  customerTiers: Partial<Record<CustomerId, string>>;
}

export interface CustomerSummary {
  invoice: InvoicePreview;
  simulation: SimulateResponse;
  /** The invoice total equals the sum of this customer's call prices and outcome charges, exactly. */
  reconciled: { calls: number; outcomeCharges: number; sum: string; equal: boolean };
}

export interface DemoSummary {
  calls: CallRow[];
  resolutions: ResolutionRow[];
  customers: Record<CustomerId, CustomerSummary>;
  agents: Record<AgentId, { simulation: SimulateResponse; framework: Framework }>;
  /** The kept database (with `keepDb`), else null. */
  db: string | null;
  /** The admin key of the kept database, else null. */
  adminKey: string | null;
}

const ALL_TIME = { from: '1970-01-01T00:00:00Z', to: '9999-12-31T23:59:59Z' };

/** Starts the embedded server, a mock OpenAI endpoint and a Meter; replays the scenario; reads the results; stops everything. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const { live = false, model = 'gpt-4o-mini' } = options;
  if (live && !options.openaiApiKey)
    throw new CliError('--live needs OPENAI_API_KEY set to an OpenAI API key.', 2);
  const keepDb = options.keepDb ? resolve(options.keepDb) : undefined;
  if (keepDb && existsSync(keepDb))
    throw new CliError(`--keep-db: ${keepDb} exists; give a path to a new file.`, 2);
  if (keepDb && !existsSync(dirname(keepDb)))
    throw new CliError(`--keep-db: the directory ${dirname(keepDb)} does not exist.`, 2);
  const temporary = keepDb ? undefined : mkdtempSync(join(tmpdir(), 'agentmeter-demo-'));
  const dbPath = keepDb ?? join(temporary as string, 'demo.db');
  const adminKey = `am_demo_${randomBytes(18).toString('hex')}`;
  let mock: MockOpenAI | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let meter: ReturnType<typeof createMeter> | undefined;
  try {
    mock = live ? undefined : await startMockOpenAI();
    server = await startServer({ port: 0, dbPath, adminKey, rateLimit: false });
    const connection: Connection = {
      client: createClient({ apiKey: adminKey, baseUrl: server.url }),
      url: server.url,
    };
    const setup = await configure(connection);
    options.onSetup?.({
      serverUrl: server.url,
      providerUrl: mock ? mock.baseURL : 'https://api.openai.com/v1',
      dbPath,
      ...setup,
    });
    const ingest = await request(
      connection,
      connection.client.POST('/v1/keys', { body: { scope: 'ingest', name: 'demo agents' } }),
    );
    const problems: MeterErrorInfo[] = [];
    meter = createMeter({ apiKey: ingest.key, baseUrl: server.url, onError: (info) => problems.push(info) });
    const clock = createEventClock(meter);
    const provider = () =>
      new OpenAI(
        mock
          ? { apiKey: 'sk-demo-local-mock', baseURL: mock.baseURL, maxRetries: 0 }
          : { apiKey: options.openaiApiKey },
      );
    // The one line per agent: the real client, every chat completion metered.
    const clients = {
      'research-agent': withMeter(provider(), clock.meter, {
        agent_id: 'research-agent',
        action: AGENTS['research-agent'].action,
      }),
      'ticket-classifier': withMeter(provider(), clock.meter, {
        agent_id: 'ticket-classifier',
        action: AGENTS['ticket-classifier'].action,
      }),
      'outreach-agent': withMeter(provider(), clock.meter, {
        agent_id: 'outreach-agent',
        action: AGENTS['outreach-agent'].action,
      }),
    };
    const traffic = { clock, clients, model, now: Date.now(), ...pick(options) };
    const calls = await runCalls(traffic);
    const resolutions = await resolveOutcomes(traffic, calls);
    const shutdown = await meter.shutdown({ timeoutMs: 10_000 });
    if (problems.length > 0 || shutdown.failed > 0 || shutdown.pending > 0)
      throw new Error(
        `The Meter reported: ${problems.map((problem) => problem.message).join('; ') || `${shutdown.failed} failed, ${shutdown.pending} pending`}`,
      );
    const customers = {} as Record<CustomerId, CustomerSummary>;
    for (const customer of CUSTOMERS)
      customers[customer] = await readCustomer(connection, customer, calls, resolutions);
    const agents = {} as DemoSummary['agents'];
    for (const agent of Object.keys(AGENTS) as AgentId[]) {
      const analysis = await analyzeHistory(connection, { ...ALL_TIME, agent_id: agent }, MODELS);
      agents[agent] = {
        simulation: analysis.simulation,
        framework: answerFramework(analysis.facts, AGENTS[agent].buyer),
      };
    }
    return { calls, resolutions, customers, agents, db: keepDb ?? null, adminKey: keepDb ? adminKey : null };
  } finally {
    await meter?.shutdown({ timeoutMs: 2_000 }).catch(() => {});
    await server?.close();
    await mock?.close();
    if (temporary) rmSync(temporary, { recursive: true, force: true });
  }
}

function pick(options: DemoOptions) {
  return {
    ...(options.onCall ? { onCall: options.onCall } : {}),
    ...(options.onResolution ? { onResolution: options.onResolution } : {}),
  };
}

/** The reference tiers; each agent on its model; initech on the hybrid. */
async function configure(connection: Connection) {
  const tiers: Tier[] = [];
  for (const [tierId, body] of Object.entries(DEMO_TIERS)) {
    tiers.push(
      await request(
        connection,
        connection.client.PUT('/v1/tiers/{tier_id}', { params: { path: { tier_id: tierId } }, body }),
      ),
    );
  }
  const agentTiers = {} as Record<AgentId, string>;
  for (const [agentId, profile] of Object.entries(AGENTS) as [AgentId, (typeof AGENTS)[AgentId]][]) {
    await request(
      connection,
      connection.client.PUT('/v1/agents/{agent_id}', {
        params: { path: { agent_id: agentId } },
        body: { tier: profile.tier },
      }),
    );
    agentTiers[agentId] = profile.tier;
  }
  for (const [customerId, tier] of Object.entries(CUSTOMER_TIERS)) {
    await request(
      connection,
      connection.client.PUT('/v1/customers/{customer_id}', {
        params: { path: { customer_id: customerId } },
        body: { tier },
      }),
    );
  }
  return { tiers, agentTiers, customerTiers: CUSTOMER_TIERS };
}

async function readCustomer(
  connection: Connection,
  customer: CustomerId,
  calls: CallRow[],
  resolutions: ResolutionRow[],
): Promise<CustomerSummary> {
  const invoice = await request(
    connection,
    connection.client.GET('/v1/invoices/preview', { params: { query: { customer_id: customer } } }),
  );
  const simulation = await request(
    connection,
    connection.client.POST('/v1/simulate', {
      body: { history: { ...ALL_TIME, customer_id: customer }, tiers: MODELS },
    }),
  );
  const prices = calls.filter((call) => call.customer === customer).map((call) => call.price);
  const charges = resolutions
    .filter((row) => row.customer === customer && row.charged !== null)
    .map((row) => row.charged as string);
  const sum = sumDecimals([...prices, ...charges]);
  const equal = invoice.total !== null && compareDecimals(sum, invoice.total) === 0;
  return {
    invoice,
    simulation,
    reconciled: { calls: prices.length, outcomeCharges: charges.length, sum, equal },
  };
}
