import { compileTier, tierToJson } from '@agentmeter/pricing';
import {
  adminKeyWeakness,
  hashKey,
  keyPrefix,
  MIN_KEY_LENGTH,
  newKeyId,
  newKeySecret,
  newProjectId,
} from './keys.js';
import type { KeyStore, PricingStore, ProjectStore } from './store/types.js';

export const BOOTSTRAP_PROJECT_ID = 'proj_default';

export interface CreateProjectOptions {
  /** The project id. Default: a random `proj_…`. */
  projectId?: string;
  name?: string;
  /** Use this exact string as the admin key. Default: a fresh random key. */
  adminKey?: string;
  now?: number;
}

/**
 * Creates a project with an admin key and a `default` tier that charges nothing (so events are
 * recorded from the first minute and priced once you set `default` or other tiers). Returns the
 * admin key: the only time it exists outside its hash.
 */
export async function createProject(
  store: ProjectStore & KeyStore & PricingStore,
  options: CreateProjectOptions = {},
) {
  const { projectId = newProjectId(), name = 'default', now = Date.now() } = options;
  const adminKey = options.adminKey ?? newKeySecret();
  if (adminKey.length < MIN_KEY_LENGTH || /\s/.test(adminKey)) {
    throw new TypeError(`Expected the admin key to be at least ${MIN_KEY_LENGTH} characters without spaces.`);
  }
  await store.createProject({ projectId, name, createdAt: now });
  await store.insertKey({
    keyId: newKeyId(),
    projectId,
    name: 'bootstrap admin key',
    scope: 'admin',
    prefix: keyPrefix(adminKey),
    keyHash: hashKey(adminKey, store.keySecret),
    createdAt: now,
    revokedAt: null,
  });
  await store.putTier(
    projectId,
    'default',
    JSON.stringify(tierToJson(compileTier({ description: 'Charges nothing until you set it' }))),
    now,
  );
  return { projectId, adminKey };
}

export interface BootstrapResult {
  projectId: string;
  /** Set when this start created the project with a generated key: print it once. */
  generatedAdminKey?: string;
  created: boolean;
}

/**
 * First start: creates the project. With `adminKey` (AGENTMETER_ADMIN_KEY) that exact string is
 * the admin key, also on an existing database; without it a fresh key is generated and returned
 * once. Replicas starting together on one database create one project (a fixed id, so the
 * second insert fails and that replica moves on).
 */
export async function bootstrap(
  store: ProjectStore & KeyStore & PricingStore,
  options: { adminKey?: string; now?: number } = {},
): Promise<BootstrapResult> {
  const now = options.now ?? Date.now();
  // An admin key the operator chose is the one key that may be guessable: refused before anything is written.
  const weakness = options.adminKey === undefined ? undefined : adminKeyWeakness(options.adminKey);
  if (weakness) throw new TypeError(`AGENTMETER_ADMIN_KEY ${weakness}.`);
  if ((await store.countProjects()) === 0) {
    try {
      const created = await createProject(store, {
        projectId: BOOTSTRAP_PROJECT_ID,
        name: 'default',
        now,
        ...(options.adminKey ? { adminKey: options.adminKey } : {}),
      });
      return {
        projectId: created.projectId,
        created: true,
        ...(options.adminKey ? {} : { generatedAdminKey: created.adminKey }),
      };
    } catch (error) {
      if ((await store.countProjects()) === 0) throw error;
      // Another replica bootstrapped at the same moment.
    }
  }
  if (options.adminKey) {
    const hash = hashKey(options.adminKey, store.keySecret);
    const legacy = hashKey(options.adminKey);
    const stored = await store.findKeyByHash(legacy);
    if (store.keySecret && stored) await store.rehashKey(stored.keyId, legacy, hash);
    else if (!(await store.findKeyByHash(hash))) {
      await store
        .insertKey({
          keyId: newKeyId(),
          projectId: BOOTSTRAP_PROJECT_ID,
          name: 'AGENTMETER_ADMIN_KEY',
          scope: 'admin',
          prefix: keyPrefix(options.adminKey),
          keyHash: hash,
          createdAt: now,
          revokedAt: null,
        })
        .catch(async (error) => {
          if (!(await store.findKeyByHash(hash))) throw error;
        });
    }
  }
  return { projectId: BOOTSTRAP_PROJECT_ID, created: false };
}
