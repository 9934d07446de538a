import type { RequestContext, RouteDefinition } from './app.js';
import type {
  OperationId,
  PathParamsOf,
  QueryOf,
  RequestBodyOf,
  SuccessResponseOf,
} from './contract-types.js';

/**
 * What the handler of operation `Op` gets: its path and query parameters and its body with the
 * contract's types. The app validates all three against openapi.yaml before the handler runs; a
 * route that turns that off (`validateBody: false`) gets its body as `unknown`, to check itself.
 */
export interface OperationContext<Op extends OperationId, Body = RequestBodyOf<Op>>
  extends Omit<RequestContext, 'params' | 'query' | 'body'> {
  params: PathParamsOf<Op>;
  query: QueryOf<Op>;
  body: Body;
}

/** A route of operation `Op`: its handler must answer one of the success responses the contract documents. */
export interface OperationRoute<Op extends OperationId, Validated extends boolean = true>
  extends Omit<RouteDefinition, 'operationId' | 'validateBody' | 'handler'> {
  validateBody?: Validated;
  handler: (
    context: OperationContext<Op, Validated extends true ? RequestBodyOf<Op> : unknown>,
  ) => Promise<SuccessResponseOf<Op>> | SuccessResponseOf<Op>;
}

/**
 * A route typed by the contract: `route('getTier')({ scope: 'admin', handler })`. The app calls every
 * route alike, with what it validated; this gives that input, and the answer the handler builds, the
 * operation's own types. The operation is named in a call of its own so that it is fixed before the
 * handler is read: the handler's answer (a literal status, an enum value) is then checked against that
 * operation's responses, not widened while TypeScript is still working out which operation it is.
 */
export function route<Op extends OperationId>(operationId: Op) {
  return <Validated extends boolean = true>(definition: OperationRoute<Op, Validated>): RouteDefinition =>
    ({ ...definition, operationId }) as unknown as RouteDefinition;
}
