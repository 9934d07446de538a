import { compileTier, PricingError, tierToJson } from '@agentmeter/pricing';
import type { RouteDefinition } from '../app.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../json-depth.js';
import { iso, tierView } from '../presenters.js';
import { ApiError, notFound, unprocessable, validationError } from '../problem.js';
import type { AssignmentRow } from '../store/types.js';
import { route } from '../typed-route.js';

const putTier = route('putTier')({
  scope: 'admin',
  handler: async (context) => {
    let definition: string;
    try {
      definition = JSON.stringify(tierToJson(compileTier(context.body)));
    } catch (error) {
      if (PricingError.isInstance(error))
        throw unprocessable(error.code, `/${error.field.split('.')[0]}`, error.message);
      throw error;
    }
    const { row } = await context.store.putTier(
      context.projectId,
      context.params.tier_id,
      definition,
      context.now,
    );
    return { status: 200, body: tierView(row) };
  },
});

const getTier = route('getTier')({
  scope: 'admin',
  handler: async (context) => {
    const { version } = context.query;
    const row = await context.store.getTier(context.projectId, context.params.tier_id, version);
    if (!row) throw notFound(`Tier "${context.params.tier_id}"${version ? ` version ${version}` : ''}`);
    return { status: 200, body: tierView(row) };
  },
});

const listTiers = route('listTiers')({
  scope: 'admin',
  handler: async (context) => ({
    status: 200,
    body: { data: (await context.store.listTiers(context.projectId)).map(tierView) },
  }),
});

function assignmentView(row: AssignmentRow) {
  const id = row.kind === 'customer' ? { customer_id: row.subjectId } : { agent_id: row.subjectId };
  return {
    ...id,
    tier: row.tierId,
    name: row.name,
    metadata: row.metadata === null ? null : JSON.parse(row.metadata),
    updated_at: iso(row.updatedAt),
  };
}

function assignmentRoutes(
  kind: 'customer' | 'agent',
  getId: 'getCustomer' | 'getAgent',
  putId: 'putCustomer' | 'putAgent',
  param: 'customer_id' | 'agent_id',
): RouteDefinition[] {
  // The operations of both kinds take their subject in a path parameter of its own name.
  const subjectOf = (params: Record<string, string>) => params[param] as string;
  const label = kind === 'customer' ? 'Customer' : 'Agent';
  return [
    route(getId)({
      scope: 'admin',
      handler: async (context) => {
        const row = await context.store.getAssignment(context.projectId, kind, subjectOf(context.params));
        if (!row) throw notFound(`${label} "${subjectOf(context.params)}"`);
        return { status: 200, body: assignmentView(row) };
      },
    }),
    route(putId)({
      scope: 'admin',
      handler: async (context) => {
        const body = context.body;
        if (body.tier !== null && !(await context.store.getTier(context.projectId, body.tier))) {
          throw unprocessable(
            'unknown_tier',
            '/tier',
            `There is no tier "${body.tier}" in this project; create it with PUT /v1/tiers/${body.tier}.`,
          );
        }
        if (body.name?.includes('\u0000'))
          throw validationError([{ field: '/name', message: 'must not contain the NUL character (U+0000)' }]);
        if (body.metadata !== undefined && nestsDeeperThan(body.metadata)) {
          throw validationError([
            { field: '/metadata', message: `nests deeper than ${MAX_JSON_DEPTH} levels` },
          ]);
        }
        const metadata = body.metadata === undefined ? null : JSON.stringify(body.metadata);
        if (metadata !== null && Buffer.byteLength(metadata) > 8192) {
          throw new ApiError(422, 'metadata_too_large', '`metadata` is over 8192 bytes as JSON.', {
            errors: [{ field: '/metadata', message: 'is over 8192 bytes as JSON' }],
          });
        }
        const row = await context.store.putAssignment(context.projectId, {
          kind,
          subjectId: subjectOf(context.params),
          tierId: body.tier,
          name: body.name ?? null,
          metadata,
          updatedAt: context.now,
        });
        return { status: 200, body: assignmentView(row) };
      },
    }),
  ];
}

export const pricingRoutes: RouteDefinition[] = [
  putTier,
  getTier,
  listTiers,
  ...assignmentRoutes('customer', 'getCustomer', 'putCustomer', 'customer_id'),
  ...assignmentRoutes('agent', 'getAgent', 'putAgent', 'agent_id'),
];
