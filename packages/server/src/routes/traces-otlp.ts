// OTLP/HTTP trace payloads (ExportTraceServiceRequest) in and ExportTraceServiceResponse out, as JSON or
// binary protobuf, gzip/deflate or identity. The protobuf schema is the subset of
// opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1) the route reads, with the
// upstream field numbers; fields it does not declare (events, links, …) are skipped by the decoder.
//
// A request is read a span at a time and gives the event loop back between slices (see `Slicer`), so one
// large export never holds up the other requests of the server: the body is inflated on the zlib thread
// pool, a binary body is walked message by message with protobufjs's Reader (each span decoded on its
// own), and spans past `MAX_SPANS_PER_EXPORT` are counted, not decoded.
//
// Of a span's attributes, only those metering reads are kept (`isMeteringAttribute`), and of those only
// scalar values: any other attribute, and any array or key-value list, is skipped by its length without
// being decoded, whatever it holds. A kept string must be valid Unicode (UTF-8 in protobuf, no lone
// surrogate in JSON): decoded leniently, two different customer ids could become one. The exceptions are
// the attributes only ever searched for counts (`BOUNDED_TEXT_ATTRIBUTES`, the AI SDK's JSON copy of the
// provider metadata): a string longer than the rules read is dropped (in protobuf, before decoding it when
// its length in bytes already says so), and one that is not valid Unicode is kept as decoded leniently.
import { promisify } from 'node:util';
import { gunzip, inflate as inflateDeflate } from 'node:zlib';
import protobuf from 'protobufjs/light.js';
import { ApiError, validationError } from '../problem.js';
import {
  BOUNDED_TEXT_ATTRIBUTES,
  isMeteringAttribute,
  MAX_METERING_KEY_BYTES,
  type OtlpSpan,
} from './traces-genai.js';

// The decoded span's shape is the rules' (in traces-genai.ts, which this module imports one way).
export type { OtlpSpan };

/**
 * Spans read from one export. Above the OpenTelemetry Collector's default batch (8,192 spans), with room
 * for a batch that overshoots it; the spans after it are not read and are answered as rejected in
 * `partialSuccess` (which the sender must not retry, as for a 413, but it keeps the spans before it).
 */
export const MAX_SPANS_PER_EXPORT = 20_000;
/** Spans decoded between two returns to the event loop (a slice also ends after `SLICE_MS`). */
const SPANS_PER_SLICE = 1_000;
/** Longest stretch of work before the event loop is given back. */
const SLICE_MS = 10;

export type OtlpFormat = 'json' | 'protobuf';

const common = 'opentelemetry.proto.common.v1';
const root = protobuf.Root.fromJSON({
  nested: {
    opentelemetry: {
      nested: {
        proto: {
          nested: {
            common: {
              nested: {
                v1: {
                  nested: {
                    AnyValue: {
                      oneofs: {
                        value: {
                          oneof: [
                            'stringValue',
                            'boolValue',
                            'intValue',
                            'doubleValue',
                            'arrayValue',
                            'kvlistValue',
                            'bytesValue',
                          ],
                        },
                      },
                      fields: {
                        stringValue: { type: 'string', id: 1 },
                        boolValue: { type: 'bool', id: 2 },
                        intValue: { type: 'int64', id: 3 },
                        doubleValue: { type: 'double', id: 4 },
                        arrayValue: { type: 'ArrayValue', id: 5 },
                        kvlistValue: { type: 'KeyValueList', id: 6 },
                        bytesValue: { type: 'bytes', id: 7 },
                      },
                    },
                    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
                    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
                    KeyValue: {
                      fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } },
                    },
                    InstrumentationScope: {
                      fields: {
                        name: { type: 'string', id: 1 },
                        version: { type: 'string', id: 2 },
                        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
                      },
                    },
                  },
                },
              },
            },
            resource: {
              nested: {
                v1: {
                  nested: {
                    Resource: {
                      fields: { attributes: { rule: 'repeated', type: `${common}.KeyValue`, id: 1 } },
                    },
                  },
                },
              },
            },
            trace: {
              nested: {
                v1: {
                  nested: {
                    ResourceSpans: {
                      fields: {
                        resource: { type: 'opentelemetry.proto.resource.v1.Resource', id: 1 },
                        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
                      },
                    },
                    ScopeSpans: {
                      fields: {
                        scope: { type: `${common}.InstrumentationScope`, id: 1 },
                        spans: { rule: 'repeated', type: 'Span', id: 2 },
                      },
                    },
                    Span: {
                      fields: {
                        traceId: { type: 'bytes', id: 1 },
                        spanId: { type: 'bytes', id: 2 },
                        parentSpanId: { type: 'bytes', id: 4 },
                        name: { type: 'string', id: 5 },
                        kind: { type: 'int32', id: 6 },
                        startTimeUnixNano: { type: 'fixed64', id: 7 },
                        endTimeUnixNano: { type: 'fixed64', id: 8 },
                        attributes: { rule: 'repeated', type: `${common}.KeyValue`, id: 9 },
                        status: { type: 'Status', id: 15 },
                      },
                    },
                    Status: {
                      fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } },
                    },
                  },
                },
              },
            },
            collector: {
              nested: {
                trace: {
                  nested: {
                    v1: {
                      nested: {
                        ExportTraceServiceRequest: {
                          fields: {
                            resourceSpans: {
                              rule: 'repeated',
                              type: 'opentelemetry.proto.trace.v1.ResourceSpans',
                              id: 1,
                            },
                          },
                        },
                        ExportTraceServiceResponse: {
                          fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } },
                        },
                        ExportTracePartialSuccess: {
                          fields: {
                            rejectedSpans: { type: 'int64', id: 1 },
                            errorMessage: { type: 'string', id: 2 },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});
const ResponseType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

/** The request's format from its media type; anything else is a 415. */
export function formatOf(contentType: string | undefined): OtlpFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  throw new ApiError(
    415,
    'unsupported_media_type',
    `Send OTLP/HTTP as \`application/json\` or \`application/x-protobuf\`, not ${JSON.stringify(contentType ?? '')}.`,
    {
      errors: [
        { field: 'header.Content-Type', message: 'must be application/json or application/x-protobuf' },
      ],
    },
  );
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflateDeflate);

/**
 * The body without its `Content-Encoding` (gzip, deflate or none), at most `maxBytes` once inflated. Inflating
 * runs on the zlib thread pool and stops as soon as the output passes `maxBytes`.
 */
export async function inflate(
  body: Uint8Array,
  encoding: string | undefined,
  maxBytes: number,
  limitNote = '',
): Promise<Uint8Array> {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  const tooLarge = () =>
    new ApiError(
      413,
      'payload_too_large',
      `The request body is over ${maxBytes} bytes once inflated${limitNote}.`,
    );
  if (name === 'identity' || name === '') {
    if (body.byteLength > maxBytes) throw tooLarge();
    return body;
  }
  if (name !== 'gzip' && name !== 'deflate') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      `Content-Encoding ${JSON.stringify(encoding)} is not supported.`,
      {
        errors: [{ field: 'header.Content-Encoding', message: 'must be gzip, deflate or identity' }],
      },
    );
  }
  try {
    const options = { maxOutputLength: maxBytes };
    return name === 'gzip' ? await gunzipAsync(body, options) : await inflateAsync(body, options);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge();
    throw new ApiError(400, 'invalid_body', `The request body is not valid ${name} data.`, {
      errors: [{ field: 'header.Content-Encoding', message: `the body is not valid ${name}` }],
    });
  }
}

/**
 * Gives the event loop back between slices of a long request (`await new Promise(setImmediate)`), so
 * the server answers other requests meanwhile: a slice ends after `unitsPerSlice` units of work (spans)
 * or `sliceMs`, whichever comes first.
 */
export class Slicer {
  #since = performance.now();
  #units = 0;
  /** How many times the event loop was given back. */
  pauses = 0;

  constructor(
    readonly unitsPerSlice = SPANS_PER_SLICE,
    readonly sliceMs = SLICE_MS,
  ) {}

  /** Counts `units` of work done; true when the slice is spent and the caller should `pause()`. */
  due(units = 1): boolean {
    this.#units += units;
    return this.#units >= this.unitsPerSlice || performance.now() - this.#since >= this.sliceMs;
  }

  async pause(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.pauses++;
    this.#since = performance.now();
    this.#units = 0;
  }

  /** Runs a generator that yields whenever its slice is spent, pausing at each yield. */
  async run<T>(work: Generator<void, T>): Promise<T> {
    for (let step = work.next(); ; step = work.next()) {
      if (step.done) return step.value;
      await this.pause();
    }
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** OTLP/JSON uses lowerCamelCase; protobuf's JSON mapping also allows the original snake_case names. */
const field = (object: Json, camel: string): unknown =>
  object[camel] ?? object[camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)];
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * The value of a kept attribute that holds an array or a key-value list: present (a rule that takes the
 * first present of several keys stops at it, as `@agentmeter/otel`'s does at an array), but never decoded,
 * as no rule reads one.
 */
export const NOT_SCALAR: unknown = Object.freeze(Object.create(null));

/** The value kept for an attribute whose string is not valid Unicode, until the span is refused for it. */
const NOT_UNICODE = Symbol('not valid Unicode');

/** Decodes UTF-8 strictly: bytes that are not UTF-8 throw instead of becoming U+FFFD. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/** Decodes UTF-8 leniently (bad bytes become U+FFFD), keeping a leading byte order mark as text, as JSON does. */
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
/** The most UTF-8 bytes a UTF-16 code unit takes: a string of more than 3 × n bytes is longer than n units. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

/**
 * The first attribute metering reads whose string is not valid Unicode, if any; such attributes are
 * removed, so no rule ever reads them.
 */
function takeInvalid(attributes: Record<string, unknown>): string | undefined {
  let invalid: string | undefined;
  for (const key in attributes) {
    if (attributes[key] !== NOT_UNICODE) continue;
    invalid ??= key;
    delete attributes[key];
  }
  return invalid;
}

/** The reason a span is refused for an attribute (or a resource attribute) that is not valid Unicode. */
function invalidReason(where: 'span' | 'resource', key: string): string {
  return `the ${where} attribute ${JSON.stringify(key)} is not valid Unicode (bytes that are not UTF-8, or a lone surrogate)`;
}

/** A resource's kept attributes, and why its spans are refused, if one of them is not valid Unicode. */
interface ResourceRead {
  attributes: Record<string, unknown>;
  invalid: string | undefined;
}

function resourceOf(attributes: Record<string, unknown>): ResourceRead {
  const key = takeInvalid(attributes);
  return { attributes, invalid: key === undefined ? undefined : invalidReason('resource', key) };
}

/** Gives a span read its attributes; it is refused (`invalid`) when one of them, or of its resource, is not valid Unicode. */
function attach(read: OtlpSpan, attributes: Record<string, unknown>, resource: ResourceRead): OtlpSpan {
  read.attributes = attributes;
  const key = takeInvalid(attributes);
  const invalid = key === undefined ? resource.invalid : invalidReason('span', key);
  if (invalid !== undefined) read.invalid = invalid;
  return read;
}

const isWellFormed = (text: string): boolean =>
  (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** An `intValue` (int64, as decimal text): a number when it is a safe integer, else the text. */
function intOf(text: string): number | string {
  return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
}

/** A kept attribute's value from its OTLP/JSON `AnyValue`: a scalar, `NOT_SCALAR`, or undefined. */
function anyValue(value: unknown): unknown {
  if (!isObject(value)) return undefined;
  const string = field(value, 'stringValue');
  if (typeof string === 'string') return isWellFormed(string) ? string : NOT_UNICODE;
  const bool = field(value, 'boolValue');
  if (typeof bool === 'boolean') return bool;
  const int = field(value, 'intValue');
  if (typeof int === 'string' || typeof int === 'number') return intOf(String(int));
  const double = field(value, 'doubleValue');
  if (typeof double === 'number' || typeof double === 'string') return Number(double);
  if (isObject(field(value, 'arrayValue')) || isObject(field(value, 'kvlistValue'))) return NOT_SCALAR;
  return undefined;
}

/** A bounded text attribute's value from its OTLP/JSON `AnyValue`: a string up to `limit` long is kept as it is. */
function boundedValue(value: unknown, limit: number): unknown {
  const string = isObject(value) ? field(value, 'stringValue') : undefined;
  if (typeof string !== 'string') return anyValue(value);
  return string.length <= limit ? string : undefined;
}

function addAttribute(attributes: Record<string, unknown>, entry: unknown): void {
  if (!isObject(entry)) return;
  const key = entry['key'];
  if (typeof key !== 'string' || !isMeteringAttribute(key)) return;
  const limit = BOUNDED_TEXT_ATTRIBUTES.get(key);
  attributes[key] = limit === undefined ? anyValue(entry['value']) : boundedValue(entry['value'], limit);
}

/** The kept attributes of a span's or resource's OTLP/JSON attribute list, a slice at a time (a span may carry many). */
function* readAttributes(values: unknown, slicer: Slicer): Generator<void, Record<string, unknown>> {
  const attributes: Record<string, unknown> = Object.create(null);
  for (const entry of list(values)) {
    addAttribute(attributes, entry);
    if (slicer.due(0)) yield;
  }
  return attributes;
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** An id as lowercase hex: OTLP/JSON sends hex; protobuf bytes arrive as base64 from `toObject`. */
function hexId(value: unknown, bytes: number, base64: boolean): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const hex = base64 ? Buffer.from(value, 'base64').toString('hex') : value.toLowerCase();
  return hex.length === bytes * 2 && /^[0-9a-f]+$/.test(hex) && !/^0+$/.test(hex) ? hex : undefined;
}

function nanosToMs(value: unknown): number {
  const text = String(value ?? '0');
  return /^\d{1,20}$/.test(text) ? Number(BigInt(text) / 1000n) / 1000 : Number.NaN;
}

/** What an export request holds, as read. */
export interface DecodedRequest {
  spans: OtlpSpan[];
  /** Spans read that could not be metered: no valid trace or span id. */
  unreadable: number;
  /** Spans after the first `maxSpans`: counted, not read. */
  overLimit: number;
}

interface Collected extends DecodedRequest {
  maxSpans: number;
}

const full = (into: Collected) => into.spans.length + into.unreadable >= into.maxSpans;

/**
 * One span (attributes aside), from its OTLP/JSON form or from the protobuf read into the same shape
 * (ids in base64 there); undefined without a valid trace or span id.
 */
function spanOf(
  span: Json,
  resource: Record<string, unknown>,
  scope: ScopeRead,
  base64Ids: boolean,
): OtlpSpan | undefined {
  const traceId = hexId(field(span, 'traceId'), 16, base64Ids);
  const spanId = hexId(field(span, 'spanId'), 8, base64Ids);
  if (!traceId || !spanId) return undefined;
  const kind = field(span, 'kind');
  const status = field(span, 'status');
  const code = isObject(status) ? status['code'] : undefined;
  const wireKind = typeof kind === 'string' ? (SPAN_KINDS[kind] ?? 0) : Number(kind ?? 0);
  return {
    name: typeof span['name'] === 'string' ? span['name'] : '',
    // OTLP span kinds are shifted to the API's (`SPAN_KIND_CLIENT` = 3 on the wire, `SpanKind.CLIENT` = 2).
    kind: wireKind > 0 ? wireKind - 1 : 0,
    traceId,
    spanId,
    parentSpanId: hexId(field(span, 'parentSpanId'), 8, base64Ids),
    startMs: nanosToMs(field(span, 'startTimeUnixNano')),
    endMs: nanosToMs(field(span, 'endTimeUnixNano')),
    statusCode: typeof code === 'string' ? (STATUS_CODES[code] ?? 0) : Number(code ?? 0),
    attributes: {},
    resource,
    scope: scope.name,
    ...(scope.version === undefined ? {} : { scopeVersion: scope.version }),
  };
}

/** An `InstrumentationScope`: its name and version (a version longer than any real one is cut). */
interface ScopeRead {
  name: string | undefined;
  version: string | undefined;
}

const scopeVersion = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value.slice(0, 64) : undefined;

/** The spans of a parsed OTLP/JSON request. */
function* jsonSpans(request: unknown, into: Collected, slicer: Slicer): Generator<void> {
  if (!isObject(request) || !Array.isArray(field(request, 'resourceSpans') ?? [])) {
    throw new ApiError(400, 'invalid_body', 'The body is not an OTLP ExportTraceServiceRequest.', {
      errors: [{ field: '/resourceSpans', message: 'must be an array' }],
    });
  }
  for (const resourceSpans of list(field(request, 'resourceSpans'))) {
    if (!isObject(resourceSpans)) continue;
    const resourceObject = field(resourceSpans, 'resource');
    const resource = resourceOf(
      isObject(resourceObject) ? yield* readAttributes(resourceObject['attributes'], slicer) : {},
    );
    for (const scopeSpans of list(field(resourceSpans, 'scopeSpans'))) {
      if (!isObject(scopeSpans)) continue;
      const scopeObject = field(scopeSpans, 'scope');
      const scope: ScopeRead = {
        name:
          isObject(scopeObject) && typeof scopeObject['name'] === 'string' ? scopeObject['name'] : undefined,
        version: isObject(scopeObject) ? scopeVersion(scopeObject['version']) : undefined,
      };
      const spans = list(scopeSpans['spans']);
      for (let index = 0; index < spans.length; index++) {
        if (full(into)) {
          into.overLimit += spans.length - index;
          break;
        }
        const span = spans[index];
        const read = isObject(span) ? spanOf(span, resource.attributes, scope, false) : undefined;
        if (read && isObject(span))
          into.spans.push(attach(read, yield* readAttributes(span['attributes'], slicer), resource));
        else into.unreadable++;
        if (slicer.due()) yield;
      }
    }
  }
}

// Tags (field number << 3 | wire type) of the length-delimited fields read.
const RESOURCE_SPANS = (1 << 3) | 2; // ExportTraceServiceRequest.resource_spans
const RESOURCE = (1 << 3) | 2; // ResourceSpans.resource
const SCOPE_SPANS = (2 << 3) | 2; // ResourceSpans.scope_spans
const SCOPE = (1 << 3) | 2; // ScopeSpans.scope
const SPAN = (2 << 3) | 2; // ScopeSpans.spans
const ATTRIBUTE = (9 << 3) | 2; // Span.attributes
const RESOURCE_ATTRIBUTE = (1 << 3) | 2; // Resource.attributes
const SCOPE_NAME = (1 << 3) | 2; // InstrumentationScope.name
const SCOPE_VERSION = (2 << 3) | 2; // InstrumentationScope.version
const SPAN_FIELDS: Record<number, string> = {
  [(1 << 3) | 2]: 'traceId',
  [(2 << 3) | 2]: 'spanId',
  [(4 << 3) | 2]: 'parentSpanId',
  [(5 << 3) | 2]: 'name',
  [(6 << 3) | 0]: 'kind',
  [(7 << 3) | 1]: 'startTimeUnixNano',
  [(8 << 3) | 1]: 'endTimeUnixNano',
  [(15 << 3) | 2]: 'status',
};
const STATUS_CODE = (3 << 3) | 0; // Status.code

/** The end of the length-delimited value at `reader.pos` (the reader then at its first byte). */
function endOf(reader: protobuf.Reader, within: number): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > within)
    throw new RangeError(`a length of ${length} runs past its message at offset ${reader.pos}`);
  return end;
}

function expectEnd(reader: protobuf.Reader, end: number): void {
  if (reader.pos !== end) throw new RangeError(`a field runs past its message at offset ${reader.pos}`);
}

/**
 * Where the value of the last `tag` field of the message up to `end` starts, or -1 (a single message field
 * such as `resource` may come after the spans it applies to; protobufjs keeps the last one).
 */
function* lastAt(reader: protobuf.Reader, end: number, tag: number, slicer: Slicer): Generator<void, number> {
  const start = reader.pos;
  let at = -1;
  while (reader.pos < end) {
    const next = reader.uint32();
    if (next === tag) at = reader.pos;
    reader.skipType(next & 7);
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, end);
  reader.pos = start;
  return at;
}

const KEY = (1 << 3) | 2; // KeyValue.key
const VALUE = (2 << 3) | 2; // KeyValue.value
const STRING_VALUE = (1 << 3) | 2; // AnyValue.string_value
const BOOL_VALUE = (2 << 3) | 0; // AnyValue.bool_value
const INT_VALUE = (3 << 3) | 0; // AnyValue.int_value
const DOUBLE_VALUE = (4 << 3) | 1; // AnyValue.double_value
const ARRAY_VALUE = (5 << 3) | 2; // AnyValue.array_value
const KVLIST_VALUE = (6 << 3) | 2; // AnyValue.kvlist_value

/** Where the length-delimited value at `reader.pos` starts (after its length), the reader moved past it. */
function skipLengthDelimited(reader: protobuf.Reader, within: number): number {
  const end = endOf(reader, within);
  const start = reader.pos;
  reader.pos = end;
  return start;
}

/**
 * One attribute (a `KeyValue` message): its key is read first, and its value decoded only when metering
 * reads that key. The value's fields are walked, never the insides of an array or key-value list; of
 * fields sent twice the last counts, and a string wins over a bool, an int, a double (as OTLP/JSON's).
 */
function* addKeyValue(
  reader: protobuf.Reader,
  within: number,
  attributes: Record<string, unknown>,
  slicer: Slicer,
): Generator<void> {
  const end = endOf(reader, within);
  let keyAt = -1;
  let keyEnd = -1;
  let valueAt = -1;
  let valueEnd = -1;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === KEY) {
      keyAt = skipLengthDelimited(reader, end);
      keyEnd = reader.pos;
    } else if (tag === VALUE) {
      valueAt = skipLengthDelimited(reader, end);
      valueEnd = reader.pos;
    } else reader.skipType(tag & 7);
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, end);
  if (keyAt === -1 || keyEnd - keyAt > MAX_METERING_KEY_BYTES) return;
  const key = protobuf.util.utf8.read(reader.buf, keyAt, keyEnd);
  if (!isMeteringAttribute(key)) return;
  if (valueAt === -1) {
    attributes[key] = undefined;
    return;
  }
  reader.pos = valueAt;
  attributes[key] = yield* anyValueAt(reader, valueEnd, slicer, BOUNDED_TEXT_ATTRIBUTES.get(key));
  reader.pos = end;
}

/**
 * A kept attribute's value from its `AnyValue` message (up to `end`): a scalar, `NOT_SCALAR`, or undefined.
 * With `textLimit` (a bounded text attribute), a string is decoded leniently, and dropped when longer than
 * that in UTF-16 code units (undecoded when its bytes already say so).
 */
function* anyValueAt(
  reader: protobuf.Reader,
  end: number,
  slicer: Slicer,
  textLimit?: number,
): Generator<void, unknown> {
  // Where each scalar field last starts; arrays and key-value lists are skipped by their length.
  let stringAt = -1;
  let stringEnd = -1;
  let boolAt = -1;
  let intAt = -1;
  let doubleAt = -1;
  let nested = false;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === STRING_VALUE) {
      stringAt = skipLengthDelimited(reader, end);
      stringEnd = reader.pos;
    } else {
      if (tag === BOOL_VALUE) boolAt = reader.pos;
      else if (tag === INT_VALUE) intAt = reader.pos;
      else if (tag === DOUBLE_VALUE) doubleAt = reader.pos;
      else if (tag === ARRAY_VALUE || tag === KVLIST_VALUE) nested = true;
      reader.skipType(tag & 7);
    }
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, end);
  if (stringAt !== -1 && textLimit !== undefined) {
    if (stringEnd - stringAt > textLimit * MAX_UTF8_BYTES_PER_UNIT) return undefined;
    const text = lenientUtf8.decode(reader.buf.subarray(stringAt, stringEnd));
    return text.length <= textLimit ? text : undefined;
  }
  if (stringAt !== -1) {
    try {
      return strictUtf8.decode(reader.buf.subarray(stringAt, stringEnd));
    } catch {
      return NOT_UNICODE;
    }
  }
  const at = boolAt !== -1 ? boolAt : intAt !== -1 ? intAt : doubleAt;
  if (at === -1) return nested ? NOT_SCALAR : undefined;
  reader.pos = at;
  if (at === boolAt) return reader.bool();
  if (at === intAt) return intOf(String(reader.int64()));
  return reader.double();
}

/** The attributes of the `Resource` message at `reader.pos`. */
function* resourceAttributesAt(
  reader: protobuf.Reader,
  within: number,
  slicer: Slicer,
): Generator<void, ResourceRead> {
  const end = endOf(reader, within);
  const attributes: Record<string, unknown> = Object.create(null);
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === RESOURCE_ATTRIBUTE) yield* addKeyValue(reader, end, attributes, slicer);
    else reader.skipType(tag & 7);
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, end);
  return resourceOf(attributes);
}

/** The name and version of the `InstrumentationScope` message at `reader.pos`. */
function scopeAt(reader: protobuf.Reader, within: number): ScopeRead {
  const end = endOf(reader, within);
  const scope: ScopeRead = { name: undefined, version: undefined };
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === SCOPE_NAME) scope.name = reader.string();
    else if (tag === SCOPE_VERSION) scope.version = scopeVersion(reader.string());
    else reader.skipType(tag & 7);
  }
  expectEnd(reader, end);
  return scope;
}

const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The `Span` message at `reader.pos`, field by field, in the shape protobufjs's `toObject` gives. */
function* spanAt(
  reader: protobuf.Reader,
  within: number,
  resource: ResourceRead,
  scope: ScopeRead,
  slicer: Slicer,
): Generator<void, OtlpSpan | undefined> {
  const end = endOf(reader, within);
  const span: Json = {};
  const attributes: Record<string, unknown> = Object.create(null);
  while (reader.pos < end) {
    const tag = reader.uint32();
    const name = tag === ATTRIBUTE ? undefined : SPAN_FIELDS[tag];
    if (tag === ATTRIBUTE) yield* addKeyValue(reader, end, attributes, slicer);
    else if (name === 'traceId' || name === 'spanId' || name === 'parentSpanId')
      span[name] = base64(reader.bytes());
    else if (name === 'name') span[name] = reader.string();
    else if (name === 'kind') span[name] = reader.int32();
    else if (name === 'startTimeUnixNano' || name === 'endTimeUnixNano') {
      const low = reader.fixed32();
      span[name] = ((BigInt(reader.fixed32()) << 32n) | BigInt(low)).toString();
    } else if (name === 'status') {
      const statusEnd = endOf(reader, end);
      const status: Json = {};
      while (reader.pos < statusEnd) {
        const statusTag = reader.uint32();
        if (statusTag === STATUS_CODE) status['code'] = reader.int32();
        else reader.skipType(statusTag & 7);
      }
      expectEnd(reader, statusEnd);
      span[name] = status;
    } else reader.skipType(tag & 7);
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, end);
  const read = spanOf(span, resource.attributes, scope, true);
  return read && attach(read, attributes, resource);
}

/** The spans of a `ScopeSpans` message up to `end`. */
function* scopeSpansAt(
  reader: protobuf.Reader,
  end: number,
  resource: ResourceRead,
  into: Collected,
  slicer: Slicer,
): Generator<void> {
  const scopeStart = yield* lastAt(reader, end, SCOPE, slicer);
  let scope: ScopeRead = { name: undefined, version: undefined };
  if (scopeStart !== -1) {
    const start = reader.pos;
    reader.pos = scopeStart;
    scope = scopeAt(reader, end);
    reader.pos = start;
  }
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag !== SPAN) reader.skipType(tag & 7);
    else if (full(into)) {
      into.overLimit++;
      reader.skipType(tag & 7);
    } else {
      const span = yield* spanAt(reader, end, resource, scope, slicer);
      if (span) into.spans.push(span);
      else into.unreadable++;
      if (slicer.due()) yield;
      continue;
    }
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, end);
}

/** The spans of a `ResourceSpans` message up to `end`. */
function* resourceSpansAt(
  reader: protobuf.Reader,
  end: number,
  into: Collected,
  slicer: Slicer,
): Generator<void> {
  const resourceAt = yield* lastAt(reader, end, RESOURCE, slicer);
  let resource: ResourceRead = { attributes: {}, invalid: undefined };
  if (resourceAt !== -1) {
    const start = reader.pos;
    reader.pos = resourceAt;
    resource = yield* resourceAttributesAt(reader, end, slicer);
    reader.pos = start;
  }
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === SCOPE_SPANS) {
      const stop = endOf(reader, end);
      yield* scopeSpansAt(reader, stop, resource, into, slicer);
    } else reader.skipType(tag & 7);
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, end);
}

/** The spans of a binary `ExportTraceServiceRequest`. */
function* protobufSpans(body: Uint8Array, into: Collected, slicer: Slicer): Generator<void> {
  const reader = protobuf.Reader.create(body);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === RESOURCE_SPANS) {
      const stop = endOf(reader, reader.len);
      yield* resourceSpansAt(reader, stop, into, slicer);
    } else reader.skipType(tag & 7);
    if (slicer.due(0)) yield;
  }
  expectEnd(reader, reader.len);
}

/**
 * Decodes an export request body (already inflated), a slice at a time: the spans among the first
 * `maxSpans`, how many of those could not be read, and how many came after them (counted, not read).
 */
export async function decodeRequest(
  body: Uint8Array,
  format: OtlpFormat,
  { maxSpans = MAX_SPANS_PER_EXPORT, slicer = new Slicer() }: { maxSpans?: number; slicer?: Slicer } = {},
): Promise<DecodedRequest> {
  const into: Collected = { spans: [], unreadable: 0, overLimit: 0, maxSpans };
  if (format === 'json') {
    let text: string;
    try {
      text = strictUtf8.decode(body);
    } catch {
      throw validationError(
        [{ field: '/', message: 'is not valid UTF-8' }],
        'The request body is not valid UTF-8; send OTLP/JSON encoded as UTF-8.',
      );
    }
    // Decoding and parsing each hold the loop (parsing about 10 ms a MiB): a turn for others in between.
    await slicer.pause();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.', {
        errors: [{ field: '/', message: 'is not valid JSON' }],
      });
    }
    await slicer.pause();
    await slicer.run(jsonSpans(parsed, into, slicer));
  } else {
    try {
      await slicer.run(protobufSpans(body, into, slicer));
    } catch (error) {
      throw new ApiError(
        400,
        'invalid_protobuf',
        `The request body is not an ExportTraceServiceRequest: ${(error as Error).message}`,
        {
          errors: [{ field: '/', message: 'is not a valid ExportTraceServiceRequest' }],
        },
      );
    }
  }
  const { spans, unreadable, overLimit } = into;
  return { spans, unreadable, overLimit };
}

/** The ExportTraceServiceResponse: empty when every span was accepted (`partial_success` unset). */
export function encodeResponse(
  format: OtlpFormat,
  rejectedSpans: number,
  errorMessage: string,
): { body: unknown; headers: Record<string, string> } {
  const partialSuccess =
    rejectedSpans > 0 || errorMessage ? { rejectedSpans: String(rejectedSpans), errorMessage } : undefined;
  if (format === 'json') return { body: partialSuccess ? { partialSuccess } : {}, headers: {} };
  const message = ResponseType.fromObject(partialSuccess ? { partialSuccess } : {});
  return {
    body: ResponseType.encode(message).finish(),
    headers: { 'content-type': 'application/x-protobuf' },
  };
}

/** Decodes an ExportTraceServiceResponse (for tests and clients). */
export function decodeResponse(body: Uint8Array): {
  partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
} {
  return ResponseType.toObject(ResponseType.decode(body), { longs: String, defaults: false });
}
