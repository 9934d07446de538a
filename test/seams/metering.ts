// The agentmeter server for the seams matrix: listening on 127.0.0.1 over a real store (a SQLite file or a
// PostgreSQL schema), one project per cell (so each cell's ledger and trace memory are its own), an
// ingest key for the Meter and the OTLP exporter, and the ledger read back through `GET /v1/events`.
import { randomBytes } from 'node:crypto';
import { createProject, type RunningServer, startServer } from '@agentmeter/server';
import { openTestStore, type StoreKind } from '../support/stores.js';

// The real fetch, taken before anything could patch the global one.
const realFetch = globalThis.fetch;

export interface SeamsServer {
  readonly url: string;
  newProject(): Promise<CellProject>;
  close(): Promise<void>;
}

export interface CellProject {
  adminKey: string;
  ingestKey: string;
  /** Every event of the project's ledger (superseded ones included: see `LedgerRow`). */
  ledger(): Promise<LedgerRow[]>;
}

/** A ledger event as `GET /v1/events` answers it. */
export interface LedgerRow {
  event_id: string;
  agent_id: string;
  action: string;
  provider: string | null;
  model: string | null;
  tokens: { input: number; output: number; cached_input: number; cache_write: number; reasoning: number };
  metadata: Record<string, unknown> | null;
  /** Set on a charge a later event of the same call took over: it is in the ledger, out of every total. */
  superseded_by?: string | null;
  /** A call seen without its token counts. */
  usage_missing?: boolean;
  [key: string]: unknown;
}

export async function startSeamsServer(kind: StoreKind): Promise<SeamsServer> {
  const { store, cleanup } = await openTestStore(kind);
  let server: RunningServer | undefined;
  try {
    server = await startServer({
      store,
      port: 0,
      adminKey: `am_admin_seams_${randomBytes(12).toString('hex')}`,
      rateLimit: false,
      dashboard: false,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  const running = server;
  const url = running.url;

  async function request(key: string, path: string, init: RequestInit = {}): Promise<unknown> {
    const response = await realFetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  return {
    url,
    async newProject() {
      const { adminKey } = await createProject(store, {
        adminKey: `am_admin_cell_${randomBytes(12).toString('hex')}`,
      });
      const created = (await request(adminKey, '/v1/keys', {
        method: 'POST',
        body: JSON.stringify({ scope: 'ingest', name: 'seams' }),
      })) as { key: string };
      return {
        adminKey,
        ingestKey: created.key,
        async ledger() {
          const rows: LedgerRow[] = [];
          let cursor: string | null = null;
          do {
            const page = (await request(
              adminKey,
              `/v1/events?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            )) as { data: LedgerRow[]; next_cursor: string | null };
            rows.push(...page.data);
            cursor = page.next_cursor;
          } while (cursor);
          return rows;
        },
      };
    },
    async close() {
      await running.close();
      await cleanup();
    },
  };
}

/** A charge: an event of the ledger that no later event of its call took over. */
export function isCharged(row: LedgerRow): boolean {
  return row.superseded_by === undefined || row.superseded_by === null;
}

export function isUsageMissing(row: LedgerRow): boolean {
  return row.usage_missing === true;
}

/** How a charge reads in the matrix: `input/output`, or `usage_missing`. */
export function outcomeOf(row: LedgerRow): string {
  return isUsageMissing(row) ? 'usage_missing' : `${row.tokens.input}/${row.tokens.output}`;
}
