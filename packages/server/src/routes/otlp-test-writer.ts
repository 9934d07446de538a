// Test support: OTLP protobuf written by hand, field by field, with upstream's field numbers, for
// bodies the OTel serializers will not produce (bad UTF-8, huge arrays, resource after spans); OTLP/JSON
// exports; and the app the trace route tests send them to.
import type protobuf from 'protobufjs/light.js';
import { createProject } from '../bootstrap.js';
import { createApp } from '../server.js';
import type { Store } from '../store/types.js';

/**
 * A `KeyValue` as field `field` of the message being written (9: a span's attributes, 1: a
 * resource's): a string value (`Uint8Array`: its raw bytes, which may be bad UTF-8) or an int.
 */
export function writeKeyValue(
  writer: protobuf.Writer,
  field: number,
  key: string,
  value: string | number | Uint8Array,
): void {
  writer.uint32((field << 3) | 2).fork();
  writer.uint32(10).string(key);
  writer.uint32(18).fork();
  if (typeof value === 'number') writer.uint32(24).int64(value);
  else if (typeof value === 'string') writer.uint32(10).string(value);
  else writer.uint32(10).bytes(value);
  writer.ldelim();
  writer.ldelim();
}

/** An OTLP/JSON export of `spans` (OTLP/JSON span objects), from service `support-bot`, under the instrumentation scope `scope`. */
export function otlpJsonExport(scope: string, spans: unknown[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'support-bot' } }] },
        scopeSpans: [{ scope: { name: scope }, spans }],
      },
    ],
  });
}

/**
 * The server in-process over `store` at time `now`, answers checked against openapi.yaml, with a new
 * project whose default tier is `tier`; `call(path, init)` requests as its admin (JSON unless the
 * headers say otherwise). `wrapped`, when given, is the store the app uses (a wrapper of `store`
 * that fails on purpose); `onError` sees the errors the app answers 500 for.
 */
export async function tracesApp(
  store: Store,
  tier: Record<string, string>,
  now: number,
  { wrapped = store, onError }: { wrapped?: Store; onError?: (error: unknown) => void } = {},
) {
  const { adminKey, projectId } = await createProject(store, {
    adminKey: `admin-key-${Math.random().toString(36).slice(2)}-xyz`,
    now,
  });
  const app = createApp({
    store: wrapped,
    now: () => now,
    validateResponses: true,
    rateLimit: false,
    ...(onError ? { onError } : {}),
  });
  const call = async (path: string, init: RequestInit = {}) =>
    app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...init.headers },
    });
  const set = await call('/v1/tiers/default', { method: 'PUT', body: JSON.stringify(tier) });
  if (set.status >= 300) throw new Error(`PUT /v1/tiers/default answered ${set.status}: ${await set.text()}`);
  return { adminKey, projectId, call };
}
