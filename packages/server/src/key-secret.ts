import { createHmac } from 'node:crypto';
import type { KeyStore, ProjectStore } from './store/types.js';

const SETTING = 'key_secret_fingerprint';

/** What identifies a key secret without revealing it: an HMAC of a fixed text under it; `none` without one. */
export function keySecretFingerprint(secret: Uint8Array | undefined): string {
  return secret
    ? createHmac('sha256', secret).update('agentmeter key secret fingerprint v1').digest('hex').slice(0, 32)
    : 'none';
}

/**
 * Checks the store's key secret against the one its API keys were hashed under, recorded in the
 * database on first use. A different secret would make every stored key fail, silently (a database
 * restored without its `.key-secret` file, a replica started with another AGENTMETER_KEY_SECRET):
 * refused here, at start, with what to restore. Moving from no secret to one is allowed (keys stored
 * as plain SHA-256 are re-hashed on their next use).
 */
export async function checkKeySecret(
  store: Pick<KeyStore, 'keySecret'> & Pick<ProjectStore, 'putSetting'>,
  where: string,
): Promise<void> {
  const current = keySecretFingerprint(store.keySecret);
  const recorded = await store.putSetting(SETTING, current, true);
  if (recorded === current) return;
  if (recorded === 'none') {
    await store.putSetting(SETTING, current);
    return;
  }
  throw new Error(
    current === 'none'
      ? `This database's API keys were hashed under a key secret, and none is given: set ${where} to the one it was started with.`
      : `${where} is not the key secret this database's API keys were hashed under, so no stored key would work. Restore the original ${where} (keys cannot be recovered without it).`,
  );
}
