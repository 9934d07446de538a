// The contract's types, as openapi-typescript generates them from openapi.yaml for @agentmeter/client:
// the server takes them from there rather than writing them again, so a route whose input or answer
// drifts from the contract fails to compile. Type-only: nothing of the client is loaded at run time.
import type { components, operations } from '@agentmeter/client';

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
