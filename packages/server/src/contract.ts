import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import spec from './generated/openapi.json' with { type: 'json' };
import type { FieldError } from './problem.js';

/**
 * The contract the server implements: every request body and parameter is checked against it. Each
 * validator is compiled the first time it is used (and kept), so importing the server compiles nothing.
 */
export const openapi = spec as unknown as {
  paths: Record<
    string,
    Record<string, { operationId?: string; parameters?: unknown[]; responses?: Record<string, unknown> }>
  >;
  components: { schemas: Record<string, unknown> };
};

const addFormats = addFormatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;
const SPEC_ID = 'agentmeter-openapi';

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true, verbose: true });
  addFormats(ajv);
  // RFC 3339 allows a leap second (`23:59:60`), which a JavaScript date cannot hold (Date.parse gives
  // NaN): refuse it as not a date-time here, rather than store a NaN time further on.
  const rfc3339 = ajv.formats['date-time'] as { validate: (value: string) => boolean };
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (value: string) => rfc3339.validate(value) && !Number.isNaN(Date.parse(value)),
  });
  ajv.addSchema({ ...(spec as object), $id: SPEC_ID });
  return ajv;
}

// Even creating the Ajv instance is work (adding the spec checks it against the JSON Schema
// meta-schema, which compiles that): it waits for the first validator anyone asks for.
let sharedAjv: Ajv2020 | undefined;
function ajv(): Ajv2020 {
  sharedAjv ??= createAjv();
  return sharedAjv;
}

/**
 * A validator that compiles its schema on its first call. Like Ajv's own, it is a function with the
 * `errors` of its last call, so modules may create one at load time without compiling anything.
 */
export interface SchemaValidator {
  (data: unknown): boolean;
  readonly errors: ErrorObject[] | null | undefined;
}

const schemaValidators = new Map<string, SchemaValidator>();

/** A validator for `#/components/schemas/{name}`, one per name; `name` is checked when it is first used. */
export function schemaValidator(name: string): SchemaValidator {
  let validator = schemaValidators.get(name);
  if (!validator) {
    let compiled: ValidateFunction | undefined;
    const compile = (): ValidateFunction => {
      if (!compiled) {
        const found = ajv().getSchema(`${SPEC_ID}#/components/schemas/${name}`);
        if (!found) throw new Error(`openapi.yaml has no schema ${name}`);
        compiled = found;
      }
      return compiled;
    };
    validator = Object.defineProperty((data: unknown) => compile()(data) === true, 'errors', {
      get: () => compiled?.errors,
    }) as SchemaValidator;
    schemaValidators.set(name, validator);
  }
  return validator;
}

/** Rewrites the spec's local `$ref`s so a fragment of it compiles on its own. */
function absoluteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(absoluteRefs);
  if (schema && typeof schema === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) {
      out[key] =
        key === '$ref' && typeof value === 'string' && value.startsWith('#/')
          ? `${SPEC_ID}${value}`
          : absoluteRefs(value);
    }
    return out;
  }
  return schema;
}

/** A validator for a schema fragment of the spec (a parameter's schema, a response schema). */
export function compileSchema(schema: unknown): ValidateFunction {
  return ajv().compile(absoluteRefs(schema) as object);
}

/** A validator compiled on first use, so importing the server (and starting it) stays fast. */
export type LazyValidator = () => ValidateFunction;

function lazyValidator(schema: unknown): LazyValidator {
  let validate: ValidateFunction | undefined;
  return () => {
    validate ??= compileSchema(schema);
    return validate;
  };
}

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Record<string, unknown>;
  validator: LazyValidator;
}

export interface OperationSpec {
  operationId: string;
  method: string;
  /** The OpenAPI path, `/v1/tiers/{tier_id}`. */
  path: string;
  parameters: ParameterSpec[];
  requestBody: LazyValidator | undefined;
  responses: Map<string, LazyValidator | undefined>;
}

function resolveRef<T>(value: unknown): T {
  const ref = (value as { $ref?: string }).$ref;
  if (!ref) return value as T;
  let node: unknown = spec;
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Record<string, unknown>)[part];
  return node as T;
}

/** Every operation of openapi.yaml, with its parameter, body and response validators (each compiled on first use). */
export const operations: OperationSpec[] = Object.entries(openapi.paths).flatMap(([path, methods]) =>
  Object.entries(methods)
    .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
    .map(([method, operation]) => {
      const op = operation as {
        operationId: string;
        parameters?: unknown[];
        requestBody?: { content?: Record<string, { schema?: unknown }> };
        responses?: Record<string, unknown>;
      };
      const parameters = (op.parameters ?? []).map((raw) => {
        const parameter = resolveRef<Omit<ParameterSpec, 'validator'>>(raw);
        return {
          ...parameter,
          required: parameter.required === true,
          validator: lazyValidator(parameter.schema),
        };
      });
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      const responses = new Map<string, LazyValidator | undefined>();
      for (const [status, raw] of Object.entries(op.responses ?? {})) {
        const response = resolveRef<{ content?: Record<string, { schema?: unknown }> }>(raw);
        const schema = Object.values(response.content ?? {})[0]?.schema;
        responses.set(status, schema ? lazyValidator(schema) : undefined);
      }
      return {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        parameters,
        requestBody: bodySchema ? lazyValidator(bodySchema) : undefined,
        responses,
      };
    }),
);

export function operationById(operationId: string): OperationSpec {
  const found = operations.find((operation) => operation.operationId === operationId);
  if (!found) throw new Error(`openapi.yaml has no operation ${operationId}`);
  return found;
}

/** Ajv errors as the API's field errors: one per field, in plain words. */
export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const byField = new Map<string, ErrorObject[]>();
  for (const error of errors ?? []) {
    let field = prefix + error.instancePath;
    if (error.keyword === 'additionalProperties')
      field = `${field}/${String(error.params['additionalProperty'])}`;
    if (error.keyword === 'required') field = `${field}/${String(error.params['missingProperty'])}`;
    const key = field || '/';
    byField.set(key, [...(byField.get(key) ?? []), error]);
  }
  return [...byField].map(([field, fieldErrors]) => ({ field, message: describe(fieldErrors) }));
}

function describe(errors: ErrorObject[]): string {
  // A failed oneOf (a money field: a number or a decimal string) is described by its schema, not
  // by the failure of each alternative.
  const alternative = errors.find((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf');
  if (alternative) {
    const description = (alternative.parentSchema as { description?: string } | undefined)?.description;
    return description
      ? `must be ${description.charAt(0).toLowerCase()}${description.slice(1).replace(/\.$/, '')}`
      : 'does not match any allowed form';
  }
  const error = errors[0] as ErrorObject;
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a known field';
    case 'required':
      return 'is required';
    case 'pattern': {
      const description = (error.parentSchema as { description?: string } | undefined)?.description;
      return description ? `is not valid: ${description}` : 'has characters or a shape that is not allowed';
    }
    case 'type':
      return `must be ${String(error.params['type']).replace(',', ' or ')}`;
    case 'enum':
      return `must be one of ${(error.params['allowedValues'] as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    default:
      return error.message ?? 'is invalid';
  }
}
