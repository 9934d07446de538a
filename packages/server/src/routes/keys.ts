import { hashKey, keyPrefix, newKeyId, newKeySecret } from '../keys.js';
import { keyView } from '../presenters.js';
import { ApiError, notFound, validationError } from '../problem.js';
import { route } from '../typed-route.js';

const createKey = route('createKey')({
  scope: 'admin',
  handler: async (context) => {
    const { name, scope, allow_tier_override } = context.body;
    // PostgreSQL text cannot hold U+0000 (SQLite can): refused on both.
    if (name?.includes('\u0000'))
      throw validationError([{ field: '/name', message: 'must not contain the NUL character (U+0000)' }]);
    // An admin key can change every assignment anyway; a key saying otherwise would mislead.
    if (scope === 'admin' && allow_tier_override === false)
      throw validationError([
        {
          field: '/allow_tier_override',
          message: 'cannot be false for an admin key (admin keys may always set `tier`)',
        },
      ]);
    const secret = newKeySecret();
    const key = {
      keyId: newKeyId(),
      projectId: context.projectId,
      name: name ?? null,
      scope,
      allowTierOverride: scope === 'admin' || allow_tier_override === true,
      prefix: keyPrefix(secret),
      keyHash: hashKey(secret, context.store.keySecret),
      createdAt: context.now,
      revokedAt: null,
    };
    await context.store.insertKey(key);
    return { status: 201, body: { ...keyView(key), revoked_at: null, key: secret } };
  },
});

const listKeys = route('listKeys')({
  scope: 'admin',
  handler: async (context) => ({
    status: 200,
    body: { data: (await context.store.listKeys(context.projectId)).map(keyView) },
  }),
});

const revokeKey = route('revokeKey')({
  scope: 'admin',
  handler: async (context) => {
    const keyId = context.params.key_id;
    const result = await context.store.revokeKey(context.projectId, keyId, context.now);
    if (result.status === 'not_found' || !result.key) throw notFound(`Key "${keyId}"`);
    if (result.status === 'last_admin') {
      throw new ApiError(
        409,
        'last_admin_key',
        'This is the last active admin key of the project; create another admin key first.',
      );
    }
    return { status: 200, body: keyView(result.key) };
  },
});

const updateKey = route('updateKey')({
  scope: 'admin',
  handler: async (context) => {
    const keyId = context.params.key_id;
    const { allow_tier_override: allow } = context.body;
    const current = (await context.store.listKeys(context.projectId)).find((key) => key.keyId === keyId);
    if (!current) throw notFound(`Key "${keyId}"`);
    if (current.revokedAt !== null)
      throw new ApiError(409, 'key_revoked', `Key "${keyId}" is revoked; it can no longer be changed.`);
    if (current.scope === 'admin') {
      if (!allow)
        throw validationError([
          {
            field: '/allow_tier_override',
            message: 'cannot be false for an admin key (admin keys may always set `tier`)',
          },
        ]);
      return { status: 200, body: keyView(current) };
    }
    const updated = await context.store.setKeyTierOverride(context.projectId, keyId, allow);
    if (!updated) throw notFound(`Key "${keyId}"`);
    return { status: 200, body: keyView(updated) };
  },
});

export const keyRoutes = [createKey, listKeys, revokeKey, updateKey];
