// A local stand-in for a tracing and metrics backend (or a Collector's OTLP/HTTP receiver): it keeps
// what the SDK's OTLP/JSON exporters send to /v1/traces and /v1/metrics, so the example can show it.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

// biome-ignore lint/suspicious/noExplicitAny: OTLP/JSON, read loosely by a stand-in backend.
type Json = Record<string, any>;

export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
}

function value(any: Json | undefined): unknown {
  if (!any) return undefined;
  if ('stringValue' in any) return any['stringValue'];
  if ('intValue' in any) return Number(any['intValue']);
  if ('doubleValue' in any) return any['doubleValue'];
  if ('boolValue' in any) return any['boolValue'];
  if ('arrayValue' in any) return (any['arrayValue']['values'] ?? []).map(value);
  return undefined;
}

const attributes = (list: Json[] | undefined) =>
  Object.fromEntries((list ?? []).map((entry) => [entry['key'], value(entry['value'])]));

async function readJson(request: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
}

export async function startOtlpBackend(): Promise<{
  url: string;
  spans: ReceivedSpan[];
  metrics: Set<string>;
  close: () => Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const metrics = new Set<string>();
  const server = createServer((request, response) => {
    readJson(request)
      .then((body) => {
        if (request.url === '/v1/traces') {
          for (const resourceSpans of body['resourceSpans'] ?? []) {
            for (const scopeSpans of resourceSpans['scopeSpans'] ?? []) {
              for (const span of scopeSpans['spans'] ?? []) {
                spans.push({
                  name: span['name'],
                  traceId: span['traceId'],
                  spanId: span['spanId'],
                  parentSpanId: span['parentSpanId'] || undefined,
                  kind: span['kind'],
                  scope: scopeSpans['scope']?.['name'],
                  attributes: attributes(span['attributes']),
                });
              }
            }
          }
        } else if (request.url === '/v1/metrics') {
          for (const resourceMetrics of body['resourceMetrics'] ?? []) {
            for (const scopeMetrics of resourceMetrics['scopeMetrics'] ?? []) {
              for (const metric of scopeMetrics['metrics'] ?? []) metrics.add(metric['name']);
            }
          }
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      })
      .catch((error: unknown) => response.destroy(error as Error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
