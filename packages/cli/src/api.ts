import { type AgentmeterClient, createClient, DEFAULT_BASE_URL } from '@agentmeter/client';
import type { Command } from 'commander';
import { CliError } from './errors.js';

/** The global options every API command reads: `--url` and `--api-key`. */
export interface Connection {
  client: AgentmeterClient;
  url: string;
}

/** Names of the request fields as the user typed them: `/base_fee` → `--base-fee`, `query.from` → `--from`. */
export type FieldLabels = Record<string, string>;

/** The typed client for the server the global options point at; fails in one line without a key. */
export function connect(command: Command): Connection {
  const options = command.optsWithGlobals<{ url: string; apiKey?: string }>();
  // An empty AGENTMETER_URL counts as unset.
  const url = options.url === '' ? DEFAULT_BASE_URL : options.url;
  if (!/^https?:\/\/[^/\s]+/.test(url))
    throw new CliError(`--url must be an http(s) URL, got ${JSON.stringify(url)}.`, 2);
  if (!options.apiKey)
    throw new CliError(
      'no API key: pass --api-key or set AGENTMETER_API_KEY (the admin key `agentmeter serve` printed).',
      2,
    );
  return { client: createClient({ apiKey: options.apiKey, baseUrl: url, userAgent: 'agentmeter-cli' }), url };
}

interface ProblemLike {
  status?: unknown;
  code?: unknown;
  detail?: unknown;
  title?: unknown;
  errors?: { field?: unknown; message?: unknown }[];
}

function label(field: string, labels: FieldLabels): string {
  return labels[field] ?? field;
}

/** One line for an RFC 9457 problem: the server's detail with each failing field named as the user knows it. */
export function problemMessage(status: number, body: unknown, labels: FieldLabels = {}): string {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as ProblemLike;
  const code = typeof problem.code === 'string' ? problem.code : undefined;
  const tag = `(${status}${code ? ` ${code}` : ''})`;
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const fields = errors.filter(
    (error): error is { field: string; message: string } =>
      typeof error?.field === 'string' && typeof error.message === 'string',
  );
  if (code === 'validation_error' && fields.length > 0) {
    const list = fields.map((error) => `${label(error.field, labels)} ${error.message}`).join('; ');
    return `invalid request: ${list} ${tag}`;
  }
  const detail =
    typeof problem.detail === 'string'
      ? problem.detail
      : typeof problem.title === 'string'
        ? problem.title
        : typeof body === 'string' && body.length > 0 && body.length < 200
          ? body.trim()
          : 'the server answered with an error';
  const named = fields
    .filter((error) => !detail.includes(label(error.field, labels)))
    .map((error) => label(error.field, labels));
  const hint =
    status === 401
      ? ' Pass --api-key or set AGENTMETER_API_KEY.'
      : status === 403
        ? ' Use an admin key.'
        : '';
  return `${detail}${named.length > 0 ? ` [${named.join(', ')}]` : ''}${hint} ${tag}`;
}

function networkMessage(url: string, error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const code = cause?.code;
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : (code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)));
  return `cannot reach the agentmeter server at ${url} (${reason}). Start one with \`agentmeter serve\`, or pass --url.`;
}

/**
 * Awaits an openapi-fetch call and returns its data; a problem response or a network failure
 * becomes a one-line CliError.
 */
export async function request<T>(
  connection: Connection,
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
  labels: FieldLabels = {},
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await pending;
  } catch (error) {
    throw new CliError(networkMessage(connection.url, error));
  }
  if (result.response.ok && result.data !== undefined) return result.data;
  const { status } = result.response;
  const isProblem =
    typeof result.error === 'object' && result.error !== null && 'code' in (result.error as object);
  if (!isProblem) {
    throw new CliError(
      `the server at ${connection.url} answered ${status} ${result.response.statusText || ''}`.trimEnd() +
        ' (is it an agentmeter server?)',
    );
  }
  throw new CliError(problemMessage(status, result.error, labels));
}

/** Prints a value as the API returned it, for `--json`. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
