// OTLP/HTTP trace payloads (ExportTraceServiceRequest) in and ExportTraceServiceResponse out, as JSON or
// binary protobuf, gzip/deflate or identity. The protobuf schema is the subset of
// opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1) the route reads, with the
// upstream field numbers; fields it does not declare (events, links, …) are skipped by the decoder.
import { gunzipSync, inflateSync } from 'node:zlib';
import protobuf from 'protobufjs/light.js';
import { ApiError } from '../problem.js';

/** A span as the GenAI rules read it (the same shape as `@agentmeter/otel`'s `SpanView`). */
export interface OtlpSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  startMs: number;
  endMs: number;
  statusCode: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: string | undefined;
}

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
const RequestType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
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

/** The body without its `Content-Encoding` (gzip, deflate or none), at most `maxBytes` once inflated. */
export function inflate(body: Uint8Array, encoding: string | undefined, maxBytes: number): Uint8Array {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  try {
    if (name === 'gzip') return gunzipSync(body, { maxOutputLength: maxBytes });
    if (name === 'deflate') return inflateSync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ApiError(
        413,
        'payload_too_large',
        `The request body is over ${maxBytes} bytes once inflated.`,
      );
    }
    throw new ApiError(400, 'invalid_body', `The request body is not valid ${name} data.`, {
      errors: [{ field: 'header.Content-Encoding', message: `the body is not valid ${name}` }],
    });
  }
  if (name === 'identity' || name === '') return body;
  throw new ApiError(
    415,
    'unsupported_media_type',
    `Content-Encoding ${JSON.stringify(encoding)} is not supported.`,
    {
      errors: [{ field: 'header.Content-Encoding', message: 'must be gzip, deflate or identity' }],
    },
  );
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
/** OTLP/JSON uses lowerCamelCase; protobuf's JSON mapping also allows the original snake_case names. */
const field = (object: Json, camel: string): unknown =>
  object[camel] ?? object[camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)];
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Nesting kept of array and key-value-list attribute values; deeper values are dropped (metering reads none). */
const MAX_DEPTH = 8;

function anyValue(value: unknown, depth = 0): unknown {
  if (!isObject(value) || depth > MAX_DEPTH) return undefined;
  const string = field(value, 'stringValue');
  if (typeof string === 'string') return string;
  const bool = field(value, 'boolValue');
  if (typeof bool === 'boolean') return bool;
  const int = field(value, 'intValue');
  if (int !== undefined && int !== null) {
    const text = String(int);
    return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : text;
  }
  const double = field(value, 'doubleValue');
  if (typeof double === 'number' || typeof double === 'string') return Number(double);
  const array = field(value, 'arrayValue');
  if (isObject(array)) return list(array['values']).map((item) => anyValue(item, depth + 1));
  const kvlist = field(value, 'kvlistValue');
  if (isObject(kvlist)) return attributesOf(kvlist['values'], depth + 1);
  return undefined;
}

function attributesOf(values: unknown, depth = 0): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const entry of list(values)) {
    if (isObject(entry) && typeof entry['key'] === 'string')
      attributes[entry['key']] = anyValue(entry['value'], depth);
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

/**
 * The spans of an export request, plus how many could not be read (no valid trace or span id). OTLP
 * span kinds are shifted to the API's (`SPAN_KIND_CLIENT` = 3 on the wire, `SpanKind.CLIENT` = 2).
 */
function spansOf(request: unknown, base64Ids: boolean): { spans: OtlpSpan[]; unreadable: number } {
  if (!isObject(request) || !Array.isArray(field(request, 'resourceSpans') ?? [])) {
    throw new ApiError(400, 'invalid_body', 'The body is not an OTLP ExportTraceServiceRequest.', {
      errors: [{ field: '/resourceSpans', message: 'must be an array' }],
    });
  }
  const spans: OtlpSpan[] = [];
  let unreadable = 0;
  for (const resourceSpans of list(field(request, 'resourceSpans'))) {
    if (!isObject(resourceSpans)) continue;
    const resourceObject = field(resourceSpans, 'resource');
    const resource = isObject(resourceObject) ? attributesOf(resourceObject['attributes']) : {};
    for (const scopeSpans of list(field(resourceSpans, 'scopeSpans'))) {
      if (!isObject(scopeSpans)) continue;
      const scopeObject = field(scopeSpans, 'scope');
      const scope =
        isObject(scopeObject) && typeof scopeObject['name'] === 'string' ? scopeObject['name'] : undefined;
      for (const span of list(scopeSpans['spans'])) {
        const traceId = isObject(span) ? hexId(field(span, 'traceId'), 16, base64Ids) : undefined;
        const spanId = isObject(span) ? hexId(field(span, 'spanId'), 8, base64Ids) : undefined;
        if (!isObject(span) || !traceId || !spanId) {
          unreadable++;
          continue;
        }
        const kind = field(span, 'kind');
        const status = field(span, 'status');
        const code = isObject(status) ? status['code'] : undefined;
        const wireKind = typeof kind === 'string' ? (SPAN_KINDS[kind] ?? 0) : Number(kind ?? 0);
        spans.push({
          name: typeof span['name'] === 'string' ? span['name'] : '',
          kind: wireKind > 0 ? wireKind - 1 : 0,
          traceId,
          spanId,
          parentSpanId: hexId(field(span, 'parentSpanId'), 8, base64Ids),
          startMs: nanosToMs(field(span, 'startTimeUnixNano')),
          endMs: nanosToMs(field(span, 'endTimeUnixNano')),
          statusCode: typeof code === 'string' ? (STATUS_CODES[code] ?? 0) : Number(code ?? 0),
          attributes: attributesOf(span['attributes']),
          resource,
          scope,
        });
      }
    }
  }
  return { spans, unreadable };
}

/** Decodes an export request body (already inflated). */
export function decodeRequest(
  body: Uint8Array,
  format: OtlpFormat,
): { spans: OtlpSpan[]; unreadable: number } {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.', {
        errors: [{ field: '/', message: 'is not valid JSON' }],
      });
    }
    return spansOf(parsed, false);
  }
  let request: unknown;
  try {
    request = RequestType.toObject(RequestType.decode(body), {
      longs: String,
      bytes: String,
      defaults: false,
    });
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
  return spansOf(request, true);
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
