import { resolutionCharge } from '@agentmeter/pricing';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';
import { ApiError, validationError } from './problem.js';
import type { EventLookup, OutcomeStore, StoredEvent } from './store/types.js';

export type ResolveOutcomeResult = { event: StoredEvent; replayed: boolean };

const MAX_RESOLUTION_METADATA_BYTES = 8192;

/** The event behind an outcome id (`out_` + event id), if it opened a pending outcome. */
export async function findOutcome(
  store: EventLookup,
  projectId: string,
  outcomeId: string,
): Promise<StoredEvent> {
  const event = outcomeId.startsWith('out_') ? await store.getEvent(projectId, outcomeId.slice(4)) : null;
  if (event?.outcome !== 'pending') {
    throw new ApiError(404, 'outcome_not_found', `There is no outcome "${outcomeId}" in this project.`);
  }
  return event;
}

function settle(
  event: StoredEvent,
  resolution: 'success' | 'failure',
  now: number,
): ResolveOutcomeResult | null {
  if (event.outcomeState === resolution) return { event, replayed: true };
  if (event.outcomeState === 'success' || event.outcomeState === 'failure') {
    throw new ApiError(
      409,
      'outcome_already_resolved',
      `The outcome was already resolved as "${event.outcomeState}"; it cannot become "${resolution}".`,
    );
  }
  if (event.expiresAt !== null && event.expiresAt <= now) {
    throw new ApiError(
      409,
      'outcome_expired',
      `The outcome expired at ${new Date(event.expiresAt).toISOString()} and can no longer be charged.`,
    );
  }
  return null;
}

/**
 * Resolves a pending outcome. The bonus is charged at most once, even with concurrent resolves on
 * several replicas: the write is one conditional update that only a pending, unexpired outcome
 * passes. Resolving again the same way returns the same result; differently, a 409.
 */
export async function resolveOutcome(
  store: OutcomeStore,
  projectId: string,
  outcomeId: string,
  resolution: 'success' | 'failure',
  metadata: Record<string, unknown> | undefined,
  now: number,
): Promise<ResolveOutcomeResult> {
  const event = await findOutcome(store, projectId, outcomeId);
  const settled = settle(event, resolution, now);
  if (settled) return settled;
  if (metadata !== undefined && nestsDeeperThan(metadata)) {
    throw validationError([{ field: '/metadata', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
  }
  const metadataJson = metadata === undefined ? null : JSON.stringify(metadata);
  if (metadataJson !== null && Buffer.byteLength(metadataJson) > MAX_RESOLUTION_METADATA_BYTES) {
    throw new ApiError(
      422,
      'metadata_too_large',
      `\`metadata\` is over ${MAX_RESOLUTION_METADATA_BYTES} bytes as JSON.`,
      {
        errors: [{ field: '/metadata', message: `is over ${MAX_RESOLUTION_METADATA_BYTES} bytes as JSON` }],
      },
    );
  }
  const result = await store.resolveOutcome(projectId, {
    eventId: event.eventId,
    resolution,
    amount: resolutionCharge(event.pendingBonus, resolution),
    now,
    metadata: metadataJson,
  });
  if (result.status === 'resolved') return { event: result.event, replayed: false };
  if (result.status === 'not_found')
    throw new ApiError(404, 'outcome_not_found', `There is no outcome "${outcomeId}" in this project.`);
  // Another request resolved it (or it expired) between our read and our write.
  const raced = settle(result.event, resolution, now);
  if (raced) return raced;
  throw new ApiError(409, 'outcome_expired', 'The outcome can no longer be charged.');
}
