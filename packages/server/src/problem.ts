import type { Schemas } from './contract-types.js';

/** One failing field of a request. `field` is a JSON pointer into the body, or `query.x`, `path.x`, `header.X`. */
export type FieldError = NonNullable<Schemas['Problem']['errors']>[number];

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Every error the API returns: an RFC 9457 problem with a stable `code`. Thrown anywhere in a
 * route, it becomes an `application/problem+json` response; nothing else reaches the client.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    code: string,
    detail: string,
    options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  toProblem(instance?: string): Schemas['Problem'] {
    return {
      type: `https://agentmeter.dev/problems/${this.code}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const validationError = (errors: FieldError[], detail?: string) =>
  new ApiError(
    400,
    'validation_error',
    detail ?? `Invalid request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}.`,
    {
      errors,
    },
  );

export const unprocessable = (code: string, field: string, message: string) =>
  new ApiError(422, code, message, { errors: [{ field, message, code }] });

export const notFound = (what: string) =>
  new ApiError(404, 'not_found', `${what} was not found in this project.`);
