import { formatMoney, moneyToNumber } from '@agentmeter/pricing';
import type { RequestContext } from '../app.js';
import { schemaValidator, toFieldErrors } from '../contract.js';
import type { Schemas } from '../contract-types.js';
import { type IngestResult, ingestEvents, mintEventId } from '../ingest.js';
import { resolveOutcome } from '../outcomes.js';
import { batchEventResult, meterResponse, outcomeIdOf } from '../presenters.js';
import { ApiError, type FieldError, validationError } from '../problem.js';
import { problemForError, STORE_RETRY_AFTER_SECONDS } from '../store/errors.js';
import { route } from '../typed-route.js';

const ingestContext = (context: Omit<RequestContext, 'params' | 'query' | 'body'>) => ({
  store: context.store,
  config: context.config,
  projectId: context.projectId,
  configVersion: context.configVersion,
  now: context.now,
  tierOverride: context.tierOverride,
});

/** Only a span's event can find its call charged already: a meter event is always recorded. */
const NEVER_LINKED = 'A meter event was answered as linked; only span events can be.';

const STATUS_OF: Record<string, number> = {
  validation_error: 400,
  idempotency_key_mismatch: 400,
  idempotency_key_reused: 409,
  tier_override_forbidden: 403,
  store_unavailable: 503,
};

const meter = route('meterEvent')({
  scope: 'ingest',
  handler: async (context) => {
    const header = context.header('idempotency-key');
    const [result] = await ingestEvents(ingestContext(context), [context.body], (_index, body) => {
      if (body.event_id !== undefined && header !== undefined && body.event_id !== header) {
        throw new ApiError(
          400,
          'idempotency_key_mismatch',
          'The `Idempotency-Key` header and `event_id` differ; send one, or the same in both.',
          {
            errors: [{ field: 'header.Idempotency-Key', message: 'differs from event_id' }],
          },
        );
      }
      return body.event_id ?? header ?? mintEventId();
    });
    if (!result) throw new Error('ingest returned no result');
    if (result.status === 'linked') throw new Error(NEVER_LINKED);
    if (result.status === 'rejected') {
      const status = STATUS_OF[result.error.code] ?? 422;
      const errors = result.error.field
        ? [{ field: result.error.field, message: result.error.message, code: result.error.code }]
        : undefined;
      throw new ApiError(status, result.error.code, result.error.message, {
        ...(errors ? { errors } : {}),
        ...(status === 503 ? { headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) } } : {}),
      });
    }
    return { status: 200, body: meterResponse(result.event, result.status === 'duplicate') };
  },
});

const validateResolution = schemaValidator('BatchResolution');
const BATCH_KEYS = new Set(['events', 'resolutions']);

const batch = route('meterBatch')({
  scope: 'ingest',
  maxBodyBytes: 1024 * 1024,
  validateBody: false,
  itemArrays: ['events', 'resolutions'],
  handler: async (context) => {
    // Not validated by the app (each item is, on its own): checked here, shape by shape.
    const body = context.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw validationError([{ field: '/', message: 'must be an object with an `events` array' }]);
    }
    const unknown = Object.keys(body).filter((key) => !BATCH_KEYS.has(key));
    if (unknown.length > 0)
      throw validationError(unknown.map((key) => ({ field: `/${key}`, message: 'is not a known field' })));
    const events = body['events'];
    const resolutions = body['resolutions'] ?? [];
    if (!Array.isArray(events)) throw validationError([{ field: '/events', message: 'must be an array' }]);
    if (!Array.isArray(resolutions))
      throw validationError([{ field: '/resolutions', message: 'must be an array' }]);
    if (events.length > 1000)
      throw new ApiError(413, 'batch_too_large', 'A batch carries at most 1000 events; split it.');
    if (resolutions.length > 1000)
      throw new ApiError(413, 'batch_too_large', 'A batch carries at most 1000 resolutions; split it.');

    // Items whose JSON the server refused (a lone surrogate, a number a double cannot hold) are
    // rejected one by one; the rest of the batch is recorded.
    const refused = refusedItems(context.itemErrors);
    const key = context.header('idempotency-key');
    const kept = events.flatMap((_event, index) => (refused.get(`events/${index}`) ? [] : [index]));
    const keptResults = await ingestEvents(
      ingestContext(context),
      kept.map((index) => events[index]),
      (position, event) => event.event_id ?? (key !== undefined ? `${key}:${kept[position]}` : mintEventId()),
    );
    const results: IngestResult[] = new Array(events.length);
    kept.forEach((index, position) => {
      results[index] = keptResults[position] as IngestResult;
    });
    for (const [index, event] of events.entries()) {
      const error = refused.get(`events/${index}`);
      if (error) results[index] = refusedItem(readableString(event, 'event_id'), error);
    }
    const summary = { accepted: 0, duplicate: 0, rejected: 0 };
    const eventResults = results.map((result, index): Schemas['BatchEventResult'] => {
      if (result.status === 'linked') throw new Error(NEVER_LINKED);
      summary[result.status] += 1;
      if (result.status === 'rejected')
        return { index, event_id: result.eventId, status: result.status, error: result.error };
      return batchEventResult(index, result.event, result.status);
    });

    const resolutionResults: Schemas['BatchResolutionResult'][] = [];
    for (const [index, item] of resolutions.entries()) {
      // Each resolution is a write of its own: on SQLite a synchronous one, so other requests get a
      // turn between every few dozen.
      if (index > 0 && index % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      const refusal = refused.get(`resolutions/${index}`);
      if (refusal) {
        const rejected = refusedItem(readableString(item, 'outcome_id'), refusal);
        resolutionResults.push({
          index,
          outcome_id: rejected.eventId,
          status: 'rejected' as const,
          error: rejected.error,
        });
        continue;
      }
      const outcomeId =
        item && typeof item === 'object' && typeof item.outcome_id === 'string'
          ? (item.outcome_id as string)
          : null;
      if (!validateResolution(item)) {
        const [first] = toFieldErrors(validateResolution.errors);
        resolutionResults.push({
          index,
          outcome_id: outcomeId,
          status: 'rejected' as const,
          error: {
            code: 'validation_error',
            message: `${first?.field} ${first?.message}`,
            field: first?.field ?? null,
            retryable: false,
          },
        });
        continue;
      }
      const { outcome, metadata } = item as Schemas['BatchResolution'];
      try {
        const resolved = await resolveOutcome(
          context.store,
          context.projectId,
          outcomeId as string,
          outcome,
          metadata,
          context.now,
        );
        resolutionResults.push({
          index,
          outcome_id: outcomeIdOf(resolved.event.eventId),
          status: resolved.replayed ? ('duplicate' as const) : ('accepted' as const),
          outcome_status: resolved.event.outcomeState,
          price_charged: moneyToNumber(resolved.event.resolutionAmount),
          price: formatMoney(resolved.event.resolutionAmount),
        });
      } catch (error) {
        // The batch's events are committed by now: a failure here is this item's alone, never a
        // whole-request 5xx (a client retrying the batch would record its server-minted events twice).
        const problem = problemForError(error);
        if (problem.status >= 500) context.reportError(problem.cause ?? problem);
        resolutionResults.push({
          index,
          outcome_id: outcomeId,
          status: 'rejected' as const,
          // Only a transient store failure may succeed if sent again; a permanent fault would not.
          error: {
            code: problem.code,
            message: problem.message,
            field: null,
            retryable: problem.status === 503,
          },
        });
      }
    }
    return { status: 200, body: { results: eventResults, resolution_results: resolutionResults, summary } };
  },
});

/** The first refused field of each batch item, keyed `events/3` or `resolutions/0`. */
function refusedItems(errors: readonly FieldError[]): Map<string, FieldError> {
  const byItem = new Map<string, FieldError>();
  for (const error of errors) {
    const item = /^\/((?:events|resolutions)\/\d+)/.exec(error.field)?.[1];
    if (item !== undefined && !byItem.has(item)) byItem.set(item, error);
  }
  return byItem;
}

/** A string member of an item, when it is one a client could recognise (not itself the refused text). */
function readableString(item: unknown, name: string): string | null {
  const value = item && typeof item === 'object' ? (item as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && (value as unknown as { isWellFormed(): boolean }).isWellFormed()
    ? value
    : null;
}

function refusedItem(id: string | null, error: FieldError): IngestResult & { status: 'rejected' } {
  const field = error.field.replace(/^\/(?:events|resolutions)\/\d+/, '') || '/';
  return {
    status: 'rejected',
    eventId: id,
    error: { code: 'validation_error', message: `${field} ${error.message}`, field, retryable: false },
  };
}

export const meteringRoutes = [meter, batch];
