// The contract's types, as openapi-typescript generates them from openapi.yaml for @agentmeter/client:
// the server takes them from there rather than writing them again, so a route whose input or answer
// drifts from the contract fails to compile. Type-only: nothing of the client is loaded at run time.
import type { components, operations, paths } from '@agentmeter/client';

/** Every schema of openapi.yaml, by name: `Schemas['MeterEvent']`. */
export type Schemas = components['schemas'];

/** The `operationId` of every operation of openapi.yaml. */
export type OperationId = keyof operations;

type Operation<Op extends OperationId> = operations[Op];

/** `T`, or `fallback` when `T` is `never` or `undefined` (a part the operation does not have). */
type Or<T, Fallback> = [Exclude<T, undefined>] extends [never] ? Fallback : Exclude<T, undefined>;

/** The JSON body the operation takes, as validated against the contract (`undefined`: it takes none). */
export type RequestBodyOf<Op extends OperationId> = JsonBodyOf<
  Exclude<Operation<Op>['requestBody'], undefined>
>;

type JsonBodyOf<RequestBody> = [RequestBody] extends [never]
  ? undefined
  : RequestBody extends { content: { 'application/json': infer Body } }
    ? Body
    : undefined;

/** The operation's path parameters, by name. */
export type PathParamsOf<Op extends OperationId> = Or<
  Operation<Op>['parameters']['path'],
  Record<string, never>
>;

/** The operation's query parameters, by name (an `integer` one arrives as a number). */
export type QueryOf<Op extends OperationId> = Or<Operation<Op>['parameters']['query'], Record<string, never>>;

type Responses<Op extends OperationId> = Operation<Op>['responses'];

/** The statuses the operation answers with success. */
export type SuccessStatusOf<Op extends OperationId> = Extract<keyof Responses<Op>, 200 | 201 | 202 | 204>;

/** The JSON body of one response, `undefined` when the response has none. */
type JsonOf<Response> = Response extends { content: { 'application/json': infer Body } }
  ? Body
  : Response extends { content?: never }
    ? undefined
    : never;

/** What a route of the operation may answer (its errors are thrown as `ApiError`s). */
export type SuccessResponseOf<Op extends OperationId> = {
  [Status in SuccessStatusOf<Op>]: {
    status: Status;
    body: JsonOf<Responses<Op>[Status]>;
    headers?: Record<string, string>;
  };
}[SuccessStatusOf<Op>];

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type PathTemplate = keyof paths & string;

/** `/v1/tiers/{tier_id}` as the pattern of the paths it stands for, `/v1/tiers/${string}`. */
type PathPattern<T extends string> = T extends `${infer Head}{${string}}${infer Tail}`
  ? `${Head}${string}${PathPattern<Tail>}`
  : T;
type WithoutQuery<P extends string> = P extends `${infer Base}?${string}` ? Base : P;

/** The path templates of openapi.yaml that a called path (its query string aside) fills in. */
export type PathTemplateOf<P extends string> = {
  [T in PathTemplate]: WithoutQuery<P> extends PathPattern<T> ? T : never;
}[PathTemplate];

type OperationAt<M extends string, P extends string> = NonNullable<
  paths[PathTemplateOf<P>][Lowercase<M> & Method]
>;

/**
 * The success body of what a call of `method` (`GET`, `get`) on `path` (`/v1/tiers/pro?version=2`)
 * answers, found by matching the path against openapi.yaml's paths; `unknown` when the path is no
 * literal that can be matched (a plain `string`).
 */
export type SuccessBodyAt<M extends string, P extends string> = [PathTemplateOf<P>] extends [never]
  ? unknown
  : OperationAt<M, P> extends { responses: infer Responses }
    ? {
        [Status in keyof Responses & (200 | 201 | 202)]: JsonOf<Responses[Status]>;
      }[keyof Responses & (200 | 201 | 202)]
    : never;

/** The JSON body a call of `method` on `path` takes (`undefined`: none; `unknown`: an unmatched path). */
export type RequestBodyAt<M extends string, P extends string> = [PathTemplateOf<P>] extends [never]
  ? unknown
  : JsonBodyOf<Exclude<OperationAt<M, P>['requestBody'], undefined>>;
