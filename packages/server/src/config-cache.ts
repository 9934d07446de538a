import { compileTier, type Tier } from '@agentmeter/pricing';
import type { Store } from './store/types.js';

export interface ResolvedTier {
  tierId: string;
  version: number;
  tier: Tier;
}

interface ProjectConfig {
  version: number;
  tiers: Map<string, ResolvedTier> | undefined;
  customers: Map<string, string | null>;
  agents: Map<string, string | null>;
}

const MAX_SUBJECTS = 100_000;

/**
 * Per-project pricing configuration (tiers, customer and agent assignments), cached in memory and
 * dropped whenever the project's `config_version` moves. Every request reads that version with its
 * key, so a change made through any replica applies to the next request on every replica.
 */
export class ConfigCache {
  readonly #store: Store;
  readonly #projects = new Map<string, ProjectConfig>();

  constructor(store: Store) {
    this.#store = store;
  }

  #config(projectId: string, version: number): ProjectConfig {
    let config = this.#projects.get(projectId);
    if (!config || config.version !== version) {
      config = { version, tiers: undefined, customers: new Map(), agents: new Map() };
      this.#projects.set(projectId, config);
    }
    return config;
  }

  async tiers(projectId: string, version: number): Promise<Map<string, ResolvedTier>> {
    const config = this.#config(projectId, version);
    if (!config.tiers) {
      const tiers = new Map<string, ResolvedTier>();
      for (const row of await this.#store.listTiers(projectId)) {
        tiers.set(row.tierId, {
          tierId: row.tierId,
          version: row.version,
          tier: compileTier(JSON.parse(row.definition)),
        });
      }
      config.tiers = tiers;
    }
    return config.tiers;
  }

  /** Loads the assignments of these customers and agents (one query per kind for those not cached). */
  async preload(
    projectId: string,
    version: number,
    customers: Iterable<string>,
    agents: Iterable<string>,
  ): Promise<void> {
    const config = this.#config(projectId, version);
    for (const [kind, ids, cache] of [
      ['customer', customers, config.customers],
      ['agent', agents, config.agents],
    ] as const) {
      const missing = [...new Set(ids)].filter((id) => !cache.has(id));
      if (missing.length === 0) continue;
      if (cache.size + missing.length > MAX_SUBJECTS) cache.clear();
      const found = new Map(
        (await this.#store.getAssignments(projectId, kind, missing)).map((row) => [
          row.subjectId,
          row.tierId,
        ]),
      );
      for (const id of missing) cache.set(id, found.get(id) ?? null);
    }
  }

  /** The tier assigned to a customer or agent (preloaded), if any. */
  assigned(projectId: string, version: number, kind: 'customer' | 'agent', id: string): string | null {
    const config = this.#config(projectId, version);
    return (kind === 'customer' ? config.customers : config.agents).get(id) ?? null;
  }
}
