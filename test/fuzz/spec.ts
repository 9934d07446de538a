// openapi.yaml as the fuzz and security tests walk it: every operation with its resolved parameters
// and JSON body schema, read from the JSON copy the server itself compiles.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Schema = Record<string, any>;

export const spec: {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Schema> };
} = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../packages/server/src/generated/openapi.json', import.meta.url)),
    'utf8',
  ),
);

/** Follows a local `$ref` (`#/components/...`). */
export function resolve(schema: Schema): Schema {
  let node: Schema = schema;
  for (let hops = 0; typeof node['$ref'] === 'string' && hops < 20; hops++) {
    let target: any = spec;
    for (const part of (node['$ref'] as string).replace(/^#\//, '').split('/')) target = target[part];
    if (!target) throw new Error(`unresolvable $ref ${node['$ref']}`);
    node = target;
  }
  return node;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  operationId: string;
  method: string;
  /** `/v1/tiers/{tier_id}` */
  path: string;
  parameters: Parameter[];
  /** The `application/json` body schema, if the operation takes a body. */
  body: Schema | undefined;
  /** `security: []`: no key needed. */
  public: boolean;
  /** Documented response statuses. */
  statuses: string[];
  tags: string[];
  /** An `ingest` key may call it: the `metering` and `outcomes` tags (meter, resolve, read outcomes). */
  ingest: boolean;
}

export const operations: Operation[] = Object.entries(spec.paths).flatMap(([path, methods]) =>
  Object.entries(methods)
    .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
    .map(([method, operation]) => ({
      operationId: operation.operationId as string,
      method: method.toUpperCase(),
      path,
      parameters: ((operation.parameters ?? []) as Schema[]).map((raw) => {
        const parameter = resolve(raw);
        return {
          name: parameter['name'],
          in: parameter['in'],
          required: parameter['required'] === true,
          schema: parameter['schema'] ?? {},
        } as Parameter;
      }),
      body: operation.requestBody?.content?.['application/json']?.schema as Schema | undefined,
      public: Array.isArray(operation.security) && operation.security.length === 0,
      statuses: Object.keys(operation.responses ?? {}),
      tags: (operation.tags ?? []) as string[],
      ingest: ((operation.tags ?? []) as string[]).some((tag) => tag === 'metering' || tag === 'outcomes'),
    })),
);
