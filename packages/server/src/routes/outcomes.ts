import { findOutcome, resolveOutcome } from '../outcomes.js';
import { outcomeView, resolveResponse } from '../presenters.js';
import { route } from '../typed-route.js';

const getOutcome = route('getOutcome')({
  scope: 'ingest',
  handler: async (context) => {
    const event = await findOutcome(context.store, context.projectId, context.params.outcome_id);
    return { status: 200, body: outcomeView(event, context.now) };
  },
});

const resolve = route('resolveOutcome')({
  scope: 'ingest',
  handler: async (context) => {
    const { outcome, metadata } = context.body;
    const result = await resolveOutcome(
      context.store,
      context.projectId,
      context.params.outcome_id,
      outcome,
      metadata,
      context.now,
    );
    return { status: 200, body: resolveResponse(result.event, result.replayed, context.now) };
  },
});

export const outcomeRoutes = [getOutcome, resolve];
