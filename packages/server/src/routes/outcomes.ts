import type { RouteDefinition } from '../app.js';
import { findOutcome, resolveOutcome } from '../outcomes.js';
import { outcomeView, resolveResponse } from '../presenters.js';

const getOutcome: RouteDefinition = {
  operationId: 'getOutcome',
  scope: 'ingest',
  handler: async (context) => {
    const event = await findOutcome(context.store, context.projectId, context.params['outcome_id'] as string);
    return { status: 200, body: outcomeView(event, context.now) };
  },
};

const resolve: RouteDefinition = {
  operationId: 'resolveOutcome',
  scope: 'ingest',
  handler: async (context) => {
    const { outcome, metadata } = context.body as {
      outcome: 'success' | 'failure';
      metadata?: Record<string, unknown>;
    };
    const result = await resolveOutcome(
      context.store,
      context.projectId,
      context.params['outcome_id'] as string,
      outcome,
      metadata,
      context.now,
    );
    return { status: 200, body: resolveResponse(result.event, result.replayed, context.now) };
  },
};

export const outcomeRoutes = [getOutcome, resolve];
