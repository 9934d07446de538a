// Hostile changes to a valid request body: wrong types, huge strings and numbers, deep nesting,
// unicode, missing and extra fields, invalid dates, negative and fractional counts, money as long
// strings, and raw bodies that are not JSON at all.
import fc from 'fast-check';

/** Nesting too deep to build as objects here; `serializeBody` writes it out as text. */
export class Deep {
  constructor(
    readonly depth: number,
    readonly asObject: boolean,
  ) {}

  text(): string {
    return this.asObject
      ? `${'{"n":'.repeat(this.depth)}1${'}'.repeat(this.depth)}`
      : `${'['.repeat(this.depth)}1${']'.repeat(this.depth)}`;
  }
}

/** JSON text of a (possibly mutated) body. */
export function serializeBody(value: unknown): string {
  const deep: Deep[] = [];
  const text = JSON.stringify(value, (_key, item) => {
    if (!(item instanceof Deep)) return item;
    deep.push(item);
    return `\u0001deep${deep.length - 1}\u0001`;
  });
  return deep.reduce(
    (out, item, index) => out.replace(JSON.stringify(`\u0001deep${index}\u0001`), () => item.text()),
    text ?? '',
  );
}

/** Replacement values, by the kind of hostility. */
export const HOSTILE: Record<string, fc.Arbitrary<unknown>> = {
  wrongType: fc.constantFrom(0, -1, 1.5, '', 'x', '0', true, false, null, [], {}, [1, 'a'], { a: 1 }),
  hugeString: fc
    .constantFrom(129, 201, 257, 513, 8193, 70_000, 1_100_000)
    .chain((length) => fc.constantFrom('A', '9', 'é', '\u{1F600}').map((unit) => unit.repeat(length))),
  hugeNumber: fc.constantFrom(
    1e308,
    -1e308,
    2 ** 53 + 2,
    -(2 ** 53) - 2,
    1e21,
    4_294_967_296,
    1_000_000_001,
    Number.MAX_VALUE,
    5e-324,
    -0,
    1e-7,
  ),
  badCount: fc.constantFrom(-1, -1000, 0.5, 1.0000001, 999.999, -0.0001, 1_000_000_001, 2 ** 31, 2 ** 63),
  deepNesting: fc
    .tuple(fc.constantFrom(40, 200, 2_000, 20_000, 100_000), fc.boolean())
    .map(([depth, asObject]) => new Deep(depth, asObject)),
  unicode: fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff\ud800',
    '\u{1F600}'.repeat(40),
    '\u202eevil',
    'e\u0301\u0301\u0301',
    '\uffff\ufffe',
    'Ω'.repeat(129),
    '\u0007\u001b[31m',
    'Ж\t\n\r',
    '💳'.repeat(65),
  ),
  invalidDate: fc.constantFrom(
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-06-30T23:59:60Z',
    '2026-12-31T23:59:60+00:00',
    'not a date',
    '2026-01-01',
    '1e3',
    '+275760-09-13T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    '2026-01-01T00:00:00+25:00',
    '0000-00-00T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2026-01-01T24:00:00Z',
    '',
  ),
  moneyString: fc.constantFrom(
    '1234567890123456789012345678901234567890',
    '0.1234567890123456789012345678901234567890',
    '12345678901',
    '0.0000000000001',
    '1e3',
    '-0',
    '-1',
    ' 1',
    '1,5',
    '0x10',
    'Infinity',
    'NaN',
    '1.',
    '.5',
    '١٢٣',
  ),
};

export type MutationKind = keyof typeof HOSTILE | 'missingField' | 'extraField';

export interface Mutation {
  kind: MutationKind;
  /** Picks the node to change, modulo the number of nodes. */
  selector: number;
  value: unknown;
  extraKey: string;
}

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc
  .constantFrom<MutationKind>(...(Object.keys(HOSTILE) as MutationKind[]), 'missingField', 'extraField')
  .chain((kind) =>
    fc.record({
      kind: fc.constant(kind),
      selector: fc.nat(),
      value: kind in HOSTILE ? (HOSTILE[kind] as fc.Arbitrary<unknown>) : HOSTILE['wrongType']!,
      extraKey: fc.constantFrom('extra_field', '__proto__', 'constructor', '', 'EVENT_ID', 'agent_id '),
    }),
  );

type Path = (string | number)[];

const at = (root: unknown, path: Path): unknown =>
  path.reduce<any>((node, key) => (node === null || node === undefined ? undefined : node[key]), root);

const MONEY = /^(base_fee|token_rate_\w+|web_search_request_fee|outcome_bonus)$/;

/** Where each kind of hostility hurts most (any node, when none fits). */
const TARGETS: Partial<Record<MutationKind, (path: Path, value: unknown) => boolean>> = {
  invalidDate: (_path, value) => typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value),
  badCount: (path) =>
    /^tokens_|^avg_tokens_|web_search_requests$|^calls$|^successes$/.test(String(path.at(-1))),
  hugeNumber: (_path, value) => typeof value === 'number',
  moneyString: (path) => MONEY.test(String(path.at(-1))) || path.includes('outcome_bonus_by_action'),
  hugeString: (_path, value) => typeof value === 'string',
  unicode: (_path, value) => typeof value === 'string',
  deepNesting: (path) => path.at(-1) === 'metadata' || path.length <= 2,
};

/** A deep copy that keeps own `__proto__` keys as keys and `Deep` markers as they are. */
function copy(value: unknown): unknown {
  if (value instanceof Deep || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copy);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value))
    Object.defineProperty(out, key, {
      value: copy(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

function nodes(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (value instanceof Deep) return out;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) nodes(item, [...path, index], out);
  } else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) nodes(item, [...path, key], out);
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  let parent: any = root;
  for (const key of path.slice(0, -1)) parent = parent[key];
  Object.defineProperty(parent, path[path.length - 1] as string, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return root;
}

/** Applies one mutation to a copy of `value`. */
export function mutate(value: unknown, mutation: Mutation): unknown {
  const root = copy(value);
  const all = nodes(root);
  const fitting = all.filter((candidate) => TARGETS[mutation.kind]?.(candidate, at(root, candidate)) ?? true);
  const choices = fitting.length > 0 ? fitting : all;
  const path = choices[mutation.selector % choices.length] as Path;
  if (mutation.kind === 'missingField' || mutation.kind === 'extraField') {
    const objects = all.filter((candidate) => {
      let node: any = root;
      for (const key of candidate) node = node[key];
      return node && typeof node === 'object' && !Array.isArray(node) && !(node instanceof Deep);
    });
    if (objects.length === 0) return root;
    const objectPath = objects[mutation.selector % objects.length] as Path;
    let object: any = root;
    for (const key of objectPath) object = object[key];
    const keys = Object.keys(object);
    if (mutation.kind === 'missingField' && keys.length > 0)
      delete object[keys[mutation.selector % keys.length] as string];
    else
      Object.defineProperty(object, mutation.extraKey, {
        value: mutation.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return root;
  }
  return setAt(root, path, mutation.value);
}

/** Bodies that are not a JSON value of the right shape at all. */
export const rawBodyArbitrary: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '{',
    '{"a":}',
    "{'agent_id':'a'}",
    'undefined',
    'null',
    '[]',
    '1',
    '"x"',
    'true',
    '{"agent_id":"a","action":"b","agent_id":7}',
    '\ufeff{"agent_id":"a","action":"b"}',
    '{"agent_id":"a","action":"b"}garbage',
    `${' '.repeat(70_000)}{}`,
    '{"events":[{"agent_id":"a","action":"b"}',
  ),
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.constant(Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
);
