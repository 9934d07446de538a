import { type CompiledTier, compileTier } from '@agentmeter/pricing';
import type { AssignmentRow, PricingStore, TierVersionRow } from './store/types.js';

export interface ResolvedTier {
  tierId: string;
  version: number;
  tier: CompiledTier;
}

type SubjectKind = 'customer' | 'agent';

/**
 * The configuration one request prices with: the project's tiers and the tier assignments of the
 * request's customers and agents, all as they were at one `config_version`. It never changes once
 * handed out: a later configuration change, another request or the cache's memory bound leave it as
 * it is, so every event of the request is priced with the same, internally consistent configuration.
 */
export interface PricingConfig {
  /** The project's `config_version` that all of it belongs to. */
  readonly version: number;
  readonly tiers: ReadonlyMap<string, ResolvedTier>;
  /** The tier assigned to one of the request's customers or agents, or null for none. */
  assigned(kind: SubjectKind, id: string): string | null;
}

/** A project's configuration at one version, shared by requests; entries are only ever added. */
interface ProjectConfig {
  readonly version: number;
  readonly tiers: ReadonlyMap<string, ResolvedTier>;
  readonly customers: Map<string, string | null>;
  readonly agents: Map<string, string | null>;
}

class Snapshot implements PricingConfig {
  readonly version: number;
  readonly tiers: ReadonlyMap<string, ResolvedTier>;
  readonly #customers: ReadonlyMap<string, string | null>;
  readonly #agents: ReadonlyMap<string, string | null>;

  constructor(
    version: number,
    tiers: ReadonlyMap<string, ResolvedTier>,
    customers: ReadonlyMap<string, string | null>,
    agents: ReadonlyMap<string, string | null>,
  ) {
    this.version = version;
    this.tiers = tiers;
    this.#customers = customers;
    this.#agents = agents;
  }

  assigned(kind: SubjectKind, id: string): string | null {
    return (kind === 'customer' ? this.#customers : this.#agents).get(id) ?? null;
  }
}

const MAX_SUBJECTS = 100_000;
const KINDS: readonly SubjectKind[] = ['customer', 'agent'];

/**
 * Per-project pricing configuration (tiers, customer and agent assignments), cached in memory per
 * `config_version`. Every request reads that version with its key, so a change made through any
 * replica applies to the next request on every replica.
 *
 * What a request gets (`resolve`) is a configuration that was wholly in force at one moment, at
 * least as new as the one in force when the request was authenticated: whatever comes from the
 * store comes in one consistent read together with the version it belongs to, and what is cached
 * is only ever used for that same version or by requests authenticated before it.
 */
export class ConfigCache {
  readonly #store: Pick<PricingStore, 'readPricingConfig'>;
  readonly #maxSubjects: number;
  readonly #projects = new Map<string, ProjectConfig>();

  constructor(store: Pick<PricingStore, 'readPricingConfig'>, options: { maxSubjects?: number } = {}) {
    this.#store = store;
    this.#maxSubjects = options.maxSubjects ?? MAX_SUBJECTS;
  }

  /**
   * The configuration to price a request's events with: the tiers and the assignments of these
   * customers and agents, at `version` (the one read when the request was authenticated) or newer.
   */
  async resolve(
    projectId: string,
    version: number,
    customers: Iterable<string>,
    agents: Iterable<string>,
  ): Promise<PricingConfig> {
    const wanted: Record<SubjectKind, string[]> = {
      customer: [...new Set(customers)],
      agent: [...new Set(agents)],
    };
    // A cached configuration newer than the request's is as good: it was in force after the request
    // was authenticated. An older one is never used.
    const cached = this.#projects.get(projectId);
    if (cached && cached.version >= version) {
      const missing = {
        customer: wanted.customer.filter((id) => !cached.customers.has(id)),
        agent: wanted.agent.filter((id) => !cached.agents.has(id)),
      };
      if (missing.customer.length === 0 && missing.agent.length === 0) return snapshot(cached, wanted);
      const read = await this.#store.readPricingConfig(projectId, {
        tiers: false,
        customers: missing.customer,
        agents: missing.agent,
      });
      if (read.version === cached.version) {
        const found = foundOf(read.assignments, missing);
        this.#remember(projectId, cached, found);
        return snapshot(cached, wanted, found);
      }
      // The configuration moved on since it was cached: read it whole at its new version.
    }
    const read = await this.#store.readPricingConfig(projectId, {
      tiers: true,
      customers: wanted.customer,
      agents: wanted.agent,
    });
    const current = this.#projects.get(projectId);
    const config: ProjectConfig = {
      version: read.version,
      // The same version's tiers, already compiled, are the same tiers.
      tiers: current?.version === read.version ? current.tiers : compileTiers(read.tiers ?? []),
      customers: new Map(),
      agents: new Map(),
    };
    const found = foundOf(read.assignments, wanted);
    this.#remember(projectId, config, found);
    return snapshot(config, wanted, found);
  }

  /**
   * Keeps what a request read (of `config.version`) for the next requests. A newer cached version
   * is never replaced by an older one, and a cached object is never emptied.
   */
  #remember(projectId: string, config: ProjectConfig, found: Found): void {
    let target = this.#projects.get(projectId);
    if (!target || target.version < config.version) {
      target = config;
      this.#projects.set(projectId, target);
    } else if (target.version > config.version) {
      return; // a newer configuration is cached: this one served its request only
    }
    if (
      target.customers.size + found.customer.size > this.#maxSubjects ||
      target.agents.size + found.agent.size > this.#maxSubjects
    ) {
      // Bounded memory: start a new object rather than emptying this one, which requests may be reading.
      target = { version: target.version, tiers: target.tiers, customers: new Map(), agents: new Map() };
      this.#projects.set(projectId, target);
    }
    for (const [id, tierId] of found.customer) target.customers.set(id, tierId);
    for (const [id, tierId] of found.agent) target.agents.set(id, tierId);
  }
}

type Found = Record<SubjectKind, Map<string, string | null>>;

/** Every subject asked for, with its tier or null (no row: no assignment). */
function foundOf(rows: readonly AssignmentRow[], asked: Record<SubjectKind, string[]>): Found {
  const found: Found = { customer: new Map(), agent: new Map() };
  for (const kind of KINDS) for (const id of asked[kind]) found[kind].set(id, null);
  for (const row of rows) found[row.kind].set(row.subjectId, row.tierId);
  return found;
}

function compileTiers(rows: readonly TierVersionRow[]): Map<string, ResolvedTier> {
  const tiers = new Map<string, ResolvedTier>();
  for (const row of rows) {
    tiers.set(row.tierId, {
      tierId: row.tierId,
      version: row.version,
      tier: compileTier(JSON.parse(row.definition)),
    });
  }
  return tiers;
}

/** The request's own copy of what it prices with: later changes to `config` do not reach it. */
function snapshot(
  config: ProjectConfig,
  wanted: Record<SubjectKind, string[]>,
  found: Found = { customer: new Map(), agent: new Map() },
): PricingConfig {
  const pick = (kind: SubjectKind) => {
    const read = found[kind];
    const cache = kind === 'customer' ? config.customers : config.agents;
    return new Map(wanted[kind].map((id) => [id, (read.has(id) ? read.get(id) : cache.get(id)) ?? null]));
  };
  return new Snapshot(config.version, config.tiers, pick('customer'), pick('agent'));
}
