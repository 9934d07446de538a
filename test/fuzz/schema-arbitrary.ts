// fast-check arbitraries of values that satisfy a JSON schema of openapi.yaml, built by walking the
// schema: $ref, allOf, oneOf/anyOf, enum, type (and type lists), pattern, lengths, ranges, formats,
// properties/required/additionalProperties, items. Named properties can be steered to a pool of
// known values (existing tiers, events, outcomes) so that requests reach the deep paths.
import fc from 'fast-check';
import { resolve, type Schema } from './spec.js';

export type Overrides = Record<string, fc.Arbitrary<unknown>>;

export interface ArbitraryOptions {
  /** Values for properties of this name (mixed with the schema's own values). */
  overrides?: Overrides;
  /** The clock: date-times are generated around it. */
  now: number;
}

const DAY = 86_400_000;

function merged(schema: Schema): Schema {
  const node = resolve(schema);
  if (!Array.isArray(node['allOf'])) return node;
  const { allOf, ...rest } = node;
  return Object.assign({}, ...(allOf as Schema[]).map(merged), rest);
}

function stringArbitrary(schema: Schema, options: ArbitraryOptions): fc.Arbitrary<string> {
  const minLength = schema['minLength'] ?? 0;
  const maxLength = schema['maxLength'] ?? 64;
  if (schema['format'] === 'date-time') {
    return fc
      .integer({ min: options.now - 40 * DAY, max: options.now + DAY })
      .map((ms) => new Date(ms).toISOString());
  }
  if (schema['format'] === 'date') {
    return fc.integer({ min: 0, max: 3000 * 365 * DAY }).map((ms) => new Date(ms).toISOString().slice(0, 10));
  }
  if (typeof schema['pattern'] === 'string') {
    const pattern = new RegExp(schema['pattern'], 'u');
    return fc
      .stringMatching(pattern, { size: 'small' })
      .filter((value) => value.length >= minLength && value.length <= maxLength);
  }
  return fc.string({ minLength, maxLength: Math.min(maxLength, 40), unit: 'grapheme' });
}

function numberArbitrary(schema: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = schema['minimum'] ?? -1_000_000_000;
  const max = schema['maximum'] ?? 1_000_000_000;
  const small = fc.integer({ min, max: Math.min(max, min + 5000) });
  if (integer) return fc.oneof(small, fc.integer({ min, max }));
  return fc.oneof(
    small,
    fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: 0, max: 10 ** 6 }).map((units) => Math.min(max, Math.max(min, units / 1000))),
  );
}

const jsonLeaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);

/** An arbitrary of values valid against `schema`. */
export function valueArbitrary(schema: Schema, options: ArbitraryOptions, depth = 0): fc.Arbitrary<unknown> {
  const node = merged(schema);
  if (depth > 8) return fc.constant(null);
  if (Array.isArray(node['oneOf']) || Array.isArray(node['anyOf'])) {
    const alternatives = (node['oneOf'] ?? node['anyOf']) as Schema[];
    return fc.oneof(...alternatives.map((alternative) => valueArbitrary(alternative, options, depth + 1)));
  }
  if (Array.isArray(node['enum'])) return fc.constantFrom(...(node['enum'] as unknown[]));
  if ('const' in node) return fc.constant(node['const']);
  const type = node['type'];
  if (Array.isArray(type)) {
    return fc.oneof(...type.map((one: string) => valueArbitrary({ ...node, type: one }, options, depth)));
  }
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberArbitrary(node, true);
    case 'number':
      return numberArbitrary(node, false);
    case 'string':
      return stringArbitrary(node, options);
    case 'array': {
      const maxLength = Math.min(node['maxItems'] ?? 4, 4);
      return fc.array(valueArbitrary(node['items'] ?? {}, options, depth + 1), { maxLength });
    }
    case 'object':
      return objectArbitrary(node, options, depth);
    default:
      // No type: any JSON value.
      return depth > 2 ? jsonLeaf : fc.oneof(jsonLeaf, fc.dictionary(fc.string({ maxLength: 8 }), jsonLeaf));
  }
}

function objectArbitrary(node: Schema, options: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  const properties = (node['properties'] ?? {}) as Record<string, Schema>;
  const required = new Set((node['required'] ?? []) as string[]);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) {
    const own = valueArbitrary(property, options, depth + 1);
    const steered = options.overrides?.[name];
    shape[name] = steered ? fc.oneof({ weight: 3, arbitrary: steered }, { weight: 1, arbitrary: own }) : own;
  }
  const fixed = fc.record(shape, { requiredKeys: [...required].filter((name) => name in shape) });
  const extra = node['additionalProperties'];
  if (Object.keys(properties).length > 0 || extra === false || extra === undefined) return fixed;
  const maxKeys = Math.min(node['maxProperties'] ?? 4, 4);
  const keys = node['propertyNames']
    ? (valueArbitrary(node['propertyNames'], options, depth + 1) as fc.Arbitrary<string>)
    : fc.string({ maxLength: 12 });
  const values = extra === true ? jsonLeaf : valueArbitrary(extra as Schema, options, depth + 1);
  return fc.dictionary(keys, values, { maxKeys });
}
