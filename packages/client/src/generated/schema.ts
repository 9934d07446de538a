// DO NOT EDIT. Generated from openapi.yaml by `npm run generate`; CI fails when it is stale. (openapi-typescript)
export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness and storage check */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/meter": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Meter one event and price it now
         * @description Prices the event with the tier that applies to it (event `tier`, then the customer's
         *     tier, then the agent's tier, then `default`) and records it. `outcome: pending` charges
         *     base and tokens now and returns an `outcome_id` to resolve later; `outcome: success`
         *     charges the outcome bonus now; no `outcome` means no outcome component.
         *     An event's own `tier` needs a key allowed to choose tiers (an admin key, or an ingest key
         *     created with `allow_tier_override: true`); from any other key it is a
         *     `403 tier_override_forbidden` naming `/tier`.
         */
        post: operations["meterEvent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/meter/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Meter up to 1,000 events (and resolve outcomes) in one request
         * @description Never all-or-nothing: every event gets its own result. Valid events are accepted even
         *     when others in the batch are rejected. A replayed event is `duplicate` and carries its
         *     original price. Events are processed first, then `resolutions` in order, so a batch may
         *     carry an event and the resolution of its outcome. An event without `event_id` in a
         *     request with an `Idempotency-Key` header gets the id `{Idempotency-Key}:{index}` (the same
         *     event sent later with that id as `event_id` is a replay); with neither, the server mints
         *     one (and the event cannot be deduplicated). An event with its own `tier` from a key not
         *     allowed to choose tiers is rejected (`tier_override_forbidden`, field `/tier`); the others
         *     are accepted.
         *     Limits: 1,000 events, 1,000 resolutions, 1 MiB body.
         *
         *     Once the events are recorded, nothing fails the whole request: a resolution the store
         *     cannot apply is `rejected` on its own, with `store_unavailable` (`retryable: true`) when
         *     the store is busy or unreachable, or `internal_error` (`retryable: false`) for a fault of
         *     the server. A whole-batch `503` is answered only when writing the events failed.
         */
        post: operations["meterBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/traces": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive OpenTelemetry traces (OTLP/HTTP) and meter their model calls
         * @description An OTLP/HTTP trace receiver: point an OpenTelemetry Collector's `otlphttp` exporter (or any
         *     OTLP exporter) at the server with an `ingest` key. Every span that reports model-call token
         *     usage (`gen_ai.usage.*` of the GenAI conventions, OpenInference `llm.token_count.*`, the
         *     Vercel AI SDK's `ai.usage.*`) becomes one meter event, priced as `/v1/meter` prices it; other
         *     spans are accepted and ignored. A span whose descendant reports usage (a framework, agent or
         *     workflow span summing its calls) and spans agentmeter itself made are not metered; a provider
         *     response id already metered is metered once. The event id is `otel:{traceId}:{spanId}`, so an
         *     export sent again is a replay, never a second charge. Attribution: `agentmeter.agent_id`,
         *     `agentmeter.action`, `agentmeter.customer_id` on the span, then on its resource; else the agent
         *     is `gen_ai.agent.name` or the resource's `service.name` and the action `gen_ai.operation.name`.
         *     Parent links are taken as sent: a span on a parent cycle (its own parent, or spans that are
         *     each other's parent) counts as having no parent.
         *     The response is an `ExportTraceServiceResponse` in the request's format; spans that could not
         *     be metered (unreadable, rejected like a `/v1/meter` event, or `invalid_attribute`: an attribute
         *     metering reads, on the span or its resource, holds a string that is not valid Unicode) are
         *     counted in `partialSuccess.rejectedSpans`, and must not be sent again. Only the attributes
         *     metering reads are decoded; others, of any size, are skipped. An export is read up to its first
         *     20,000 spans (above the Collector's default batch of 8,192): the spans after them are not read,
         *     nothing of them is recorded, and they are counted in `partialSuccess.rejectedSpans` with the
         *     error `too_many_spans` (a partial success, which OTLP senders do not retry; the spans before
         *     them are metered as usual). Keep batches to 20,000 spans at most (the Collector's batch
         *     `send_batch_max_size`, or `sending_queue.batch.max_size`). Bodies may be gzip or deflate
         *     encoded; limits: 8 MiB as sent; once inflated, 32 MiB for protobuf and 4 MiB for OTLP/JSON
         *     (a JSON body is parsed in one go; send larger batches as protobuf). A body over a limit is a
         *     413 and records nothing.
         */
        post: operations["exportTraces"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/outcomes/{outcome_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read an outcome */
        get: operations["getOutcome"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/outcomes/{outcome_id}/resolve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resolve a pending outcome as success or failure
         * @description `success` charges the outcome bonus fixed when the event was metered, exactly once;
         *     `failure` charges nothing more. Resolving again the same way returns the same result
         *     with `replayed: true`; resolving differently is `409 outcome_already_resolved`; after
         *     `expires_at` it is `409 outcome_expired`.
         */
        post: operations["resolveOutcome"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tiers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the current version of every tier */
        get: operations["listTiers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tiers/{tier_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a tier (its current version, or `?version=N`) */
        get: operations["getTier"];
        /**
         * Create a tier or publish a new version of it
         * @description Every change creates a new version; events record the version that priced them, so a
         *     change never reprices history. Any component may be zero or left out (zero). Money
         *     inputs accept a JSON number or a decimal string with at most 12 fractional digits.
         */
        put: operations["putTier"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/customers/{customer_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a customer's tier assignment */
        get: operations["getCustomer"];
        /** Assign a tier to a customer (`tier: null` removes the assignment) */
        put: operations["putCustomer"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/agents/{agent_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read an agent's tier assignment */
        get: operations["getAgent"];
        /** Assign a tier to an agent (`tier: null` removes the assignment) */
        put: operations["putAgent"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Usage and money totals, optionally grouped
         * @description Base and token charges count at the event's `timestamp`; an outcome bonus counts when
         *     it was charged (at the event for `outcome: success`, at resolution for a pending
         *     outcome). `from` is inclusive, `to` exclusive. Groups are split by currency.
         */
        get: operations["getUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/invoices/preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What a customer owes for a period, line by line */
        get: operations["previewInvoice"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The event ledger, newest first, cursor-paginated
         * @description Superseded events (a span's charge replaced by the meter event of the same model call) are
         *     left out, as they are of usage, invoices and simulations; `GET /v1/events/{event_id}` reads them.
         */
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events/{event_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Read one event of the ledger, superseded or not
         * @description The event as the ledger holds it. Unlike the event list, this also answers an event whose
         *     charge was superseded (`superseded_by`: a span's charge replaced by the meter event of the
         *     same model call), so a client can see what became of it.
         */
        get: operations["getEvent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/simulate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Price a workload under several tiers side by side
         * @description The workload is either described (`workload`) or taken from the project's real events
         *     in a period (`history`). It is priced under each tier named in `tiers`, each inline
         *     definition in `candidates`, or, when both are absent, the four reference models
         *     (per-token, per-call, outcome-based, hybrid).
         */
        post: operations["simulate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the project's keys (never their secrets) */
        get: operations["listKeys"];
        put?: never;
        /** Create a key; its secret is returned once */
        post: operations["createKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/{key_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a key; it stops working at once */
        delete: operations["revokeKey"];
        options?: never;
        head?: never;
        /**
         * Change what an existing key may do
         * @description Grants or withdraws `allow_tier_override` on an active ingest key, at once on every
         *     replica, so agents already deployed with a key need no new one. Admin keys always may set
         *     a tier (`false` is refused for them); a revoked key cannot be changed.
         */
        patch: operations["updateKey"];
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Up to 128 characters, no control characters. */
        Identifier: string;
        /** @description Letters, digits and `._:~-`, starting with a letter or digit, up to 200 characters. */
        EventId: string;
        /** @description An event id, at most 190 characters so that the ids derived from it in a batch (`{key}:{index}`) are valid event ids too. */
        IdempotencyKey: string;
        /** @description `out_` followed by the id of the event that opened the outcome. */
        OutcomeId: string;
        /** @description Lower-case letters, digits and `_.-`, up to 64 characters. */
        TierId: string;
        TokenCount: number;
        /** Format: date-time */
        Timestamp: string;
        /** @description Free-form; at most 64 keys, 8 KiB as JSON, and 32 levels of nesting. */
        Metadata: {
            [key: string]: unknown;
        };
        /** @description A non-negative decimal, as a JSON number or a string, with at most 12 fractional digits. */
        Money: number | string;
        /** @description An exact decimal with 2 to 12 fractional digits. */
        Decimal: string;
        /** @description An ISO 4217 currency code. */
        Currency: string;
        /** @enum {string} */
        OutcomeValue: "pending" | "success" | "failure";
        /** @enum {string} */
        OutcomeStatus: "none" | "pending" | "success" | "failure" | "expired";
        MeterEvent: {
            agent_id: components["schemas"]["Identifier"];
            action: components["schemas"]["Identifier"];
            customer_id?: components["schemas"]["Identifier"];
            event_id?: components["schemas"]["EventId"];
            /** @description When the work happened; default now. At most 35 days back and 5 minutes ahead. */
            timestamp?: components["schemas"]["Timestamp"];
            /** @description All input tokens, cache reads, cache writes and audio included. */
            tokens_input?: components["schemas"]["TokenCount"];
            /** @description All output tokens, reasoning and audio included. */
            tokens_output?: components["schemas"]["TokenCount"];
            /** @description Input tokens read from a cache; part of `tokens_input`. */
            tokens_cached_input?: components["schemas"]["TokenCount"];
            /** @description Input tokens written to a cache, whatever their lifetime; part of `tokens_input`. */
            tokens_cache_write?: components["schemas"]["TokenCount"];
            /**
             * @description Cache writes kept for an hour rather than the provider's short (5-minute) lifetime; part of
             *     `tokens_cache_write`, priced at `token_rate_cache_write_1h` (anything larger than
             *     `tokens_cache_write`: `token_subset_exceeds_total`, 422).
             */
            tokens_cache_write_1h?: components["schemas"]["TokenCount"];
            /** @description Reasoning tokens; part of `tokens_output`. */
            tokens_reasoning?: components["schemas"]["TokenCount"];
            /**
             * @description Uncached audio input tokens; part of `tokens_input`, apart from `tokens_cached_input` and
             *     `tokens_cache_write` (audio read from or written to a cache is counted there only), priced at
             *     `token_rate_audio_input`. The three together may not exceed `tokens_input`
             *     (`token_subset_exceeds_total`, 422, naming this field).
             */
            tokens_audio_input?: components["schemas"]["TokenCount"];
            /**
             * @description Audio output tokens; part of `tokens_output`, priced at `token_rate_audio_output` (anything
             *     larger than `tokens_output`: `token_subset_exceeds_total`, 422).
             */
            tokens_audio_output?: components["schemas"]["TokenCount"];
            /**
             * @description Web searches the provider ran for the call: a count of requests, not tokens, part of no token
             *     total. Each is charged `web_search_request_fee`, in the event's token component.
             */
            web_search_requests?: number;
            /** @description No NUL character. */
            model?: string;
            /** @description No NUL character. */
            provider?: string;
            outcome?: components["schemas"]["OutcomeValue"];
            /** @description With `outcome: pending` only; default 7 days after `timestamp`, at most 90. */
            expires_at?: components["schemas"]["Timestamp"];
            /**
             * @description Prices this event with this tier, whatever applies to its customer or agent. Only from an
             *     admin key or an ingest key created with `allow_tier_override: true` (anything else:
             *     `tier_override_forbidden`, 403 from `/v1/meter`, a rejected item in a batch).
             */
            tier?: components["schemas"]["TierId"];
            metadata?: components["schemas"]["Metadata"];
            call?: components["schemas"]["CallLinks"];
            /**
             * @description The model call was seen but reported no token counts (a stream that ended without usage):
             *     the event is priced by the base fee alone and counted as such in usage. With `true`, every
             *     token count and `web_search_requests` must be 0 or absent (anything else: `validation_error`
             *     naming the field).
             */
            usage_missing?: boolean;
        };
        /**
         * @description What identifies the model call this event charges (docs/call-identity.md): the provider's
         *     response id and the OpenTelemetry span the call ran in. A span of the same call received on
         *     `/v1/traces` is then not charged again: arriving after this event, it is not charged; charged
         *     before it, its charge is superseded by this event (it stays in the ledger, marked
         *     `superseded_by`, and leaves usage, invoices and simulations). A response id links records
         *     only when it cannot repeat (at least 16 characters after a leading `word-` or `word_`, not
         *     all digits, at least 8 different characters); `trace_id` goes with `span_id` or
         *     `parent_span_id` (one without the other: `validation_error` naming the missing one). A link to
         *     a span that is not a model call changes nothing.
         */
        CallLinks: {
            /** @description The provider's response id (`chatcmpl-…`, `msg_…`, `resp_…`); no control characters. */
            response_id?: string;
            /** @description The trace of the call's span, 32 lower-case hex digits, not all zeros. */
            trace_id?: string;
            /** @description The call's span, 16 lower-case hex digits, not all zeros; with `trace_id` only. */
            span_id?: string;
            /**
             * @description For a layer that cannot see the call's own span (a LangChain callback): the span that was
             *     active when the call started, with `trace_id`; ignored when `span_id` is given. A last resort:
             *     one span charge directly under it, of the same provider, with the same input and output
             *     counts (or, with `streamed: true`, traced without counts), is taken for this call — one for
             *     one.
             */
            parent_span_id?: string;
            /**
             * @description With `parent_span_id`: the call was streamed, so its span may carry no token counts (some
             *     instrumentations record none on streams).
             */
            streamed?: boolean;
        };
        PriceBreakdown: {
            base: number;
            tokens: number;
            outcome: number;
        };
        /** @description The same price as exact decimal strings. */
        ExactPrice: {
            total: components["schemas"]["Decimal"];
            base: components["schemas"]["Decimal"];
            tokens: components["schemas"]["Decimal"];
            outcome: components["schemas"]["Decimal"];
        };
        MeterResponse: {
            event_id: components["schemas"]["EventId"];
            /** @description base + tokens + outcome charged by this event. */
            price_charged: number;
            price_breakdown: components["schemas"]["PriceBreakdown"];
            price: components["schemas"]["ExactPrice"];
            currency: components["schemas"]["Currency"];
            tier: components["schemas"]["TierId"];
            tier_version: number;
            /** @description Present when the event opened a pending outcome. */
            outcome_id: components["schemas"]["OutcomeId"] | null;
            outcome_status: components["schemas"]["OutcomeStatus"];
            /** @description When the pending outcome expires. */
            expires_at?: components["schemas"]["Timestamp"] | null;
            timestamp: components["schemas"]["Timestamp"];
            /** @description True when the key had been seen and this is the original response. */
            replayed: boolean;
        };
        /** @description Each event is validated on its own; an invalid one is `rejected` in the results. */
        BatchRequest: {
            events: components["schemas"]["MeterEvent"][];
            resolutions?: components["schemas"]["BatchResolution"][];
        };
        BatchResolution: {
            outcome_id: components["schemas"]["OutcomeId"];
            /** @enum {string} */
            outcome: "success" | "failure";
            metadata?: components["schemas"]["Metadata"];
        };
        ItemError: {
            code: string;
            message: string;
            /** @description The failing field, as a JSON pointer into the item, or null. */
            field: string | null;
            /** @description True when sending the same item again later may succeed. */
            retryable: boolean;
        };
        BatchEventResult: {
            index: number;
            /** @description Null only when the event was rejected before an id could be read. */
            event_id: string | null;
            /** @enum {string} */
            status: "accepted" | "duplicate" | "rejected";
            price_charged?: number;
            price_breakdown?: components["schemas"]["PriceBreakdown"];
            price?: components["schemas"]["ExactPrice"];
            currency?: components["schemas"]["Currency"];
            tier?: components["schemas"]["TierId"];
            tier_version?: number;
            outcome_id?: components["schemas"]["OutcomeId"] | null;
            outcome_status?: components["schemas"]["OutcomeStatus"];
            error?: components["schemas"]["ItemError"];
        };
        BatchResolutionResult: {
            index: number;
            outcome_id: string | null;
            /** @enum {string} */
            status: "accepted" | "duplicate" | "rejected";
            outcome_status?: components["schemas"]["OutcomeStatus"];
            price_charged?: number;
            price?: components["schemas"]["Decimal"];
            error?: components["schemas"]["ItemError"];
        };
        BatchResponse: {
            results: components["schemas"]["BatchEventResult"][];
            resolution_results: components["schemas"]["BatchResolutionResult"][];
            summary: {
                accepted: number;
                duplicate: number;
                rejected: number;
            };
        };
        ResolveRequest: {
            /** @enum {string} */
            outcome: "success" | "failure";
            metadata?: components["schemas"]["Metadata"];
        };
        Outcome: {
            outcome_id: components["schemas"]["OutcomeId"];
            event_id: components["schemas"]["EventId"];
            /** @enum {string} */
            status: "pending" | "success" | "failure" | "expired";
            agent_id: string;
            action: string;
            customer_id: string | null;
            currency: components["schemas"]["Currency"];
            /** @description The bonus a success charges, fixed by the tier version that priced the event. */
            bonus: components["schemas"]["Decimal"];
            /** @description What the resolution charged (the bonus on success, zero otherwise). */
            charged: components["schemas"]["Decimal"];
            expires_at: components["schemas"]["Timestamp"];
            resolved_at: components["schemas"]["Timestamp"] | null;
            created_at: components["schemas"]["Timestamp"];
            metadata?: components["schemas"]["Metadata"] | null;
        };
        ResolveResponse: {
            outcome_id: components["schemas"]["OutcomeId"];
            event_id: components["schemas"]["EventId"];
            /** @enum {string} */
            status: "success" | "failure";
            /** @description What this resolution charged. */
            price_charged: number;
            price_breakdown: components["schemas"]["PriceBreakdown"];
            price: components["schemas"]["ExactPrice"];
            currency: components["schemas"]["Currency"];
            replayed: boolean;
            outcome: components["schemas"]["Outcome"];
        };
        TierInput: {
            description?: string;
            /** @description Charged per call. */
            base_fee?: components["schemas"]["Money"];
            /**
             * @description Per `token_unit` input tokens not read from or written to a cache (uncached audio input too,
             *     unless `token_rate_audio_input` is given).
             */
            token_rate_input?: components["schemas"]["Money"];
            /**
             * @description Per `token_unit` output tokens, reasoning included (audio output too, unless
             *     `token_rate_audio_output` is given).
             */
            token_rate_output?: components["schemas"]["Money"];
            /** @description Per `token_unit` cached input tokens; default `token_rate_input`. */
            token_rate_cached_input?: components["schemas"]["Money"];
            /**
             * @description Per `token_unit` cache-write input tokens (the short, 5-minute lifetime; 1-hour writes too,
             *     unless `token_rate_cache_write_1h` is given); default `token_rate_input`.
             */
            token_rate_cache_write?: components["schemas"]["Money"];
            /**
             * @description Per `token_unit` cache-write tokens kept for an hour (`tokens_cache_write_1h`); default
             *     `token_rate_cache_write`.
             */
            token_rate_cache_write_1h?: components["schemas"]["Money"];
            /** @description Per `token_unit` uncached audio input tokens (`tokens_audio_input`); default `token_rate_input`. */
            token_rate_audio_input?: components["schemas"]["Money"];
            /** @description Per `token_unit` audio output tokens (`tokens_audio_output`); default `token_rate_output`. */
            token_rate_audio_output?: components["schemas"]["Money"];
            /**
             * @description Per web search the provider ran (`web_search_requests`), charged in the token component;
             *     default 0.
             */
            web_search_request_fee?: components["schemas"]["Money"];
            /**
             * @default 1000
             * @enum {integer}
             */
            token_unit: 1000 | 1000000;
            /** @description Charged once per success. */
            outcome_bonus?: components["schemas"]["Money"];
            /** @description Per-action bonus, overriding `outcome_bonus`. */
            outcome_bonus_by_action?: {
                [key: string]: components["schemas"]["Money"];
            };
            /** @default USD */
            currency: components["schemas"]["Currency"];
        };
        Tier: {
            tier_id: components["schemas"]["TierId"];
            version: number;
            description: string | null;
            base_fee: components["schemas"]["Decimal"];
            token_rate_input: components["schemas"]["Decimal"];
            token_rate_output: components["schemas"]["Decimal"];
            token_rate_cached_input: components["schemas"]["Decimal"];
            token_rate_cache_write: components["schemas"]["Decimal"];
            /** @description Present only when it differs from its default, `token_rate_cache_write`. */
            token_rate_cache_write_1h?: components["schemas"]["Decimal"];
            /** @description Present only when it differs from its default, `token_rate_input`. */
            token_rate_audio_input?: components["schemas"]["Decimal"];
            /** @description Present only when it differs from its default, `token_rate_output`. */
            token_rate_audio_output?: components["schemas"]["Decimal"];
            /** @description Present only when it is not zero (its default). */
            web_search_request_fee?: components["schemas"]["Decimal"];
            /** @enum {integer} */
            token_unit: 1000 | 1000000;
            outcome_bonus: components["schemas"]["Decimal"];
            outcome_bonus_by_action: {
                [key: string]: components["schemas"]["Decimal"];
            };
            currency: components["schemas"]["Currency"];
            created_at: components["schemas"]["Timestamp"];
        };
        TierList: {
            data: components["schemas"]["Tier"][];
        };
        AssignmentInput: {
            /** @description The tier to apply, or null for none. */
            tier: components["schemas"]["TierId"] | null;
            name?: string;
            metadata?: components["schemas"]["Metadata"];
        };
        Customer: {
            customer_id: string;
            tier: string | null;
            name: string | null;
            metadata?: components["schemas"]["Metadata"] | null;
            updated_at: components["schemas"]["Timestamp"];
        };
        Agent: {
            agent_id: string;
            tier: string | null;
            name: string | null;
            metadata?: components["schemas"]["Metadata"] | null;
            updated_at: components["schemas"]["Timestamp"];
        };
        TokenTotals: {
            /** @description All input tokens (every other input count is part of it). */
            input: number;
            /** @description All output tokens (reasoning and audio are part of it). */
            output: number;
            cached_input: number;
            cache_write: number;
            reasoning: number;
            /** @description The part of `cache_write` kept for an hour. */
            cache_write_1h: number;
            /** @description Uncached audio input; part of `input`, apart from `cached_input` and `cache_write`. */
            audio_input: number;
            /** @description Part of `output`. */
            audio_output: number;
            /** @description Web searches the provider ran (requests, not tokens); their fees are in the token amounts. */
            web_search_requests: number;
        };
        OutcomeCounts: {
            pending: number;
            success: number;
            failure: number;
            expired: number;
        };
        Amounts: {
            base: components["schemas"]["Decimal"];
            tokens: components["schemas"]["Decimal"];
            outcome: components["schemas"]["Decimal"];
            total: components["schemas"]["Decimal"];
        };
        UsageGroup: {
            key: {
                customer_id?: string | null;
                agent_id?: string;
                action?: string;
                /** Format: date */
                day?: string;
            };
            currency: components["schemas"]["Currency"];
            calls: number;
            /** @description Of `calls`, those seen without token counts (`usage_missing`), priced by the base fee alone. */
            usage_missing_events: number;
            tokens: components["schemas"]["TokenTotals"];
            outcomes: components["schemas"]["OutcomeCounts"];
            amounts: components["schemas"]["Amounts"];
        };
        UsageReport: {
            from: components["schemas"]["Timestamp"];
            to: components["schemas"]["Timestamp"];
            group_by: ("customer_id" | "agent_id" | "action" | "day")[];
            groups: components["schemas"]["UsageGroup"][];
            /** @description One entry per currency. */
            totals: components["schemas"]["UsageGroup"][];
        };
        InvoiceLine: {
            tier: components["schemas"]["TierId"];
            tier_version: number;
            /** @enum {string} */
            component: "base" | "tokens" | "outcome";
            description: string;
            /**
             * @description Calls (base), input plus output tokens (tokens: its amount includes the fees of any web
             *     searches, which its description then counts) or successes (outcome).
             */
            quantity: number;
            currency: components["schemas"]["Currency"];
            amount: components["schemas"]["Decimal"];
        };
        InvoicePreview: {
            customer_id: string;
            from: components["schemas"]["Timestamp"];
            to: components["schemas"]["Timestamp"];
            lines: components["schemas"]["InvoiceLine"][];
            totals: {
                currency: components["schemas"]["Currency"];
                total: components["schemas"]["Decimal"];
            }[];
            /** @description The invoice currency when all lines share one, else null. */
            currency: components["schemas"]["Currency"] | null;
            /** @description The exact sum of `lines` when all share one currency, else null. */
            total: components["schemas"]["Decimal"] | null;
        };
        LedgerEvent: {
            event_id: components["schemas"]["EventId"];
            timestamp: components["schemas"]["Timestamp"];
            received_at: components["schemas"]["Timestamp"];
            agent_id: string;
            action: string;
            customer_id: string | null;
            model: string | null;
            provider: string | null;
            tokens: components["schemas"]["TokenTotals"];
            tier: components["schemas"]["TierId"];
            tier_version: number;
            currency: components["schemas"]["Currency"];
            price: components["schemas"]["ExactPrice"];
            outcome_status: components["schemas"]["OutcomeStatus"];
            outcome_id: components["schemas"]["OutcomeId"] | null;
            expires_at: components["schemas"]["Timestamp"] | null;
            resolved_at: components["schemas"]["Timestamp"] | null;
            /** @description What the resolution of a pending outcome charged. */
            outcome_charged: components["schemas"]["Decimal"];
            metadata: components["schemas"]["Metadata"] | null;
            /** @description The call reported no token counts; priced by the base fee alone. */
            usage_missing: boolean;
            /**
             * @description The meter event that charges this span's model call instead (it arrived after the span and
             *     names the same call): this event is no longer counted anywhere. Null: it counts.
             */
            superseded_by: components["schemas"]["EventId"] | null;
        };
        EventPage: {
            data: components["schemas"]["LedgerEvent"][];
            next_cursor: string | null;
        };
        Workload: {
            calls: number;
            /** @default 0 */
            avg_tokens_input: components["schemas"]["TokenCount"];
            /** @default 0 */
            avg_tokens_output: components["schemas"]["TokenCount"];
            /**
             * @description Part of `avg_tokens_input`.
             * @default 0
             */
            avg_tokens_cached_input: components["schemas"]["TokenCount"];
            /** @description Part of `avg_tokens_input`; default 0. */
            avg_tokens_cache_write?: components["schemas"]["TokenCount"];
            /** @description Part of `avg_tokens_cache_write`; default 0. */
            avg_tokens_cache_write_1h?: components["schemas"]["TokenCount"];
            /** @description Uncached audio input; part of `avg_tokens_input`, apart from cache reads and writes; default 0. */
            avg_tokens_audio_input?: components["schemas"]["TokenCount"];
            /** @description Part of `avg_tokens_output`; default 0. */
            avg_tokens_audio_output?: components["schemas"]["TokenCount"];
            /** @description Web searches per call; default 0. */
            avg_web_search_requests?: number;
            /** @description Share of calls that succeed, 0 to 1 (a number or a decimal string). */
            success_rate?: number | string;
            /** @description Number of successful calls; overrides `success_rate`. */
            successes?: number;
            action?: components["schemas"]["Identifier"];
        };
        SimulateRequest: {
            workload?: components["schemas"]["Workload"];
            /** @description Reprice the project's real events in this period instead of a described workload. */
            history?: {
                from: components["schemas"]["Timestamp"];
                to: components["schemas"]["Timestamp"];
                customer_id?: components["schemas"]["Identifier"];
                agent_id?: components["schemas"]["Identifier"];
            };
            tiers?: components["schemas"]["TierId"][];
            candidates?: {
                [key: string]: components["schemas"]["TierInput"];
            };
        };
        SimulationResult: {
            name: string;
            tier_version?: number | null;
            currency: components["schemas"]["Currency"];
            calls: number;
            successes: number;
            success_rate: components["schemas"]["Decimal"];
            revenue: components["schemas"]["Amounts"];
            revenue_per_call: components["schemas"]["Decimal"];
            revenue_per_success: components["schemas"]["Decimal"] | null;
        };
        SimulateResponse: {
            /** @enum {string} */
            source: "workload" | "history";
            calls: number;
            successes: number;
            tokens: components["schemas"]["TokenTotals"];
            results: components["schemas"]["SimulationResult"][];
        };
        KeyInput: {
            name?: string;
            /** @enum {string} */
            scope: "ingest" | "admin";
            /**
             * @description For an ingest key: may its events set `tier` (and so choose their price)? Absent: no;
             *     such an event is rejected with `tier_override_forbidden`. Admin keys always may (`false`
             *     is refused for them).
             */
            allow_tier_override?: boolean;
        };
        KeyUpdate: {
            /** @description May the key's events set `tier` (and so choose their price)? */
            allow_tier_override: boolean;
        };
        ApiKey: {
            key_id: string;
            name: string | null;
            /** @enum {string} */
            scope: "ingest" | "admin";
            /** @description The key may set `tier` on events (always true for admin keys). */
            allow_tier_override: boolean;
            /** @description The first characters of the secret, to recognise it. */
            prefix: string;
            created_at: components["schemas"]["Timestamp"];
            revoked_at: components["schemas"]["Timestamp"] | null;
        };
        CreatedKey: {
            key_id: string;
            name: string | null;
            /** @enum {string} */
            scope: "ingest" | "admin";
            /** @description The key may set `tier` on events (always true for admin keys). */
            allow_tier_override: boolean;
            prefix: string;
            created_at: components["schemas"]["Timestamp"];
            revoked_at: null;
            /** @description The secret. It is shown once and stored only as a hash. */
            key: string;
        };
        KeyList: {
            data: components["schemas"]["ApiKey"][];
        };
        /**
         * @description An `ExportTraceServiceRequest` in OTLP/JSON: lowerCamelCase field names, trace and span ids
         *     as hex strings, 64-bit integers as decimal strings or numbers, enums as integers. Only what
         *     metering reads is described; every other OTLP field is accepted and ignored.
         */
        OtlpTraceRequest: {
            resourceSpans?: ({
                resource?: {
                    attributes?: components["schemas"]["OtlpAttributes"];
                } & {
                    [key: string]: unknown;
                };
                scopeSpans?: ({
                    scope?: {
                        name?: string;
                    } & {
                        [key: string]: unknown;
                    };
                    spans?: components["schemas"]["OtlpSpan"][];
                } & {
                    [key: string]: unknown;
                })[];
            } & {
                [key: string]: unknown;
            })[];
        } & {
            [key: string]: unknown;
        };
        OtlpSpan: {
            /** @description 32 hex digits. */
            traceId: string;
            /** @description 16 hex digits. */
            spanId: string;
            /** @description 16 hex digits; empty or absent for a root span. */
            parentSpanId?: string;
            name?: string;
            /** @description OTLP `SpanKind` (3 = client). */
            kind?: number;
            startTimeUnixNano?: string | number;
            /** @description When the call ended; the meter event's timestamp. */
            endTimeUnixNano?: string | number;
            attributes?: components["schemas"]["OtlpAttributes"];
            status?: {
                /** @description 0 unset, 1 ok, 2 error. */
                code?: number;
            } & {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        OtlpAttributes: ({
            key: string;
            /** @description An OTLP `AnyValue`, e.g. `{"intValue": "812"}` or `{"stringValue": "openai"}`. */
            value?: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        })[];
        /** @description An `ExportTraceServiceResponse` in OTLP/JSON; `{}` when every span was accepted. */
        OtlpTraceResponse: {
            partialSuccess?: {
                /** @description How many spans could not be metered (int64, as OTLP/JSON writes it). */
                rejectedSpans: string;
                /** @description Why, by error code. */
                errorMessage: string;
            };
        };
        Health: {
            /** @enum {string} */
            status: "ok";
            version: string;
            /** @enum {string} */
            store: "sqlite" | "postgres";
        };
        Problem: {
            /** @description A URI naming the problem type. */
            type: string;
            title: string;
            status: number;
            detail?: string;
            /** @description A stable, machine-readable code, e.g. `validation_error`, `idempotency_key_reused`. */
            code: string;
            instance?: string;
            errors?: {
                /** @description A JSON pointer into the body (`/tokens_input`), or `query.from`, `path.tier_id`, `header.Idempotency-Key`. */
                field: string;
                message: string;
                code?: string;
            }[];
        } & {
            [key: string]: unknown;
        };
    };
    responses: {
        /**
         * @description The request is malformed or fails the schema; `errors[]` names each field. This includes
         *     bodies that JSON parsing would silently change: bytes that are not UTF-8, strings with a
         *     lone UTF-16 surrogate (`"\ud800"`), and numbers that a binary double does not hold as
         *     written (only possible with 16 or more significant digits or an exponent), such as
         *     `1234567.123456789012` or `9007199254740993`; send such amounts as decimal strings.
         */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No key, an unknown key, or a revoked key. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The key's scope does not allow this route (`insufficient_scope`), or the key may not choose an event's tier (`tier_override_forbidden`). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Nothing with that id in this project. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description `idempotency_key_reused` (same key, different body), `outcome_already_resolved`,
         *     `outcome_expired`, or `last_admin_key`.
         */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description `request_timeout`: the request body paused for longer than the server waits between two
         *     pieces of it (10 s by default). The same status, without a body, when the whole request
         *     took longer than its limit (30 s) or its headers longer than theirs (10 s). The connection
         *     is closed; send the request again.
         */
        RequestTimeout: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is over its limit (8 MiB for a trace export, 1 MiB for a batch, 64 KiB otherwise). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request is well-formed but cannot be applied (an unknown tier, token subsets larger than their totals, a timestamp outside the accepted window). */
        Unprocessable: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description `unsupported_media_type`: the body's `Content-Type` or `Content-Encoding` is not one the route
         *     accepts. JSON routes take `application/json` or `application/*+json`, in UTF-8 (a `charset`
         *     parameter other than UTF-8 is refused); a body sent without a `Content-Type` is read as JSON.
         */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The key's rate limit is exhausted; retry after `Retry-After` seconds. */
        TooManyRequests: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /**
         * @description `overloaded`: the server is handling, or holding the bodies of, as many requests as it
         *     allows (or has as many connections open); nothing of the request was done. Retry after
         *     `Retry-After` seconds.
         *     `store_unavailable`: the store is busy, locked, full, restarting or unreachable right now;
         *     retry after `Retry-After` seconds. Resending events is safe when they carry an `event_id`
         *     (or the same `Idempotency-Key`): a write that reached the store before the failure is not
         *     recorded twice. A fault of the server itself, such as a broken schema, is a
         *     `500 internal_error` instead, sent with `x-should-retry: false`: the same request would
         *     meet the same fault, so clients should report it rather than retry.
         */
        ServiceUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /**
         * @description For `/v1/meter`, the event's idempotency key when the body has no `event_id` (when
         *     both are given they must be equal). For `/v1/meter/batch`, the request's key, from
         *     which ids of events without `event_id` are derived.
         */
        IdempotencyKey: components["schemas"]["IdempotencyKey"];
        OutcomeId: components["schemas"]["OutcomeId"];
        TierId: components["schemas"]["TierId"];
        CustomerId: components["schemas"]["Identifier"];
        AgentId: components["schemas"]["Identifier"];
        FilterCustomer: components["schemas"]["Identifier"];
        FilterAgent: components["schemas"]["Identifier"];
        FilterAction: components["schemas"]["Identifier"];
        /** @description Inclusive start (RFC 3339). Default 1970-01-01. */
        From: string;
        /** @description Exclusive end (RFC 3339). Default 9999-12-31. */
        To: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The server is up and its store answers. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description The store does not answer. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    meterEvent: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description For `/v1/meter`, the event's idempotency key when the body has no `event_id` (when
                 *     both are given they must be equal). For `/v1/meter/batch`, the request's key, from
                 *     which ids of events without `event_id` are derived.
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MeterEvent"];
            };
        };
        responses: {
            /** @description The event was recorded (or, with `replayed: true`, had been already). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MeterResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            408: components["responses"]["RequestTimeout"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["Unprocessable"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    meterBatch: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description For `/v1/meter`, the event's idempotency key when the body has no `event_id` (when
                 *     both are given they must be equal). For `/v1/meter/batch`, the request's key, from
                 *     which ids of events without `event_id` are derived.
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchRequest"];
            };
        };
        responses: {
            /** @description Per-event and per-resolution results, in request order. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    exportTraces: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OtlpTraceRequest"];
                "application/x-protobuf": string;
            };
        };
        responses: {
            /** @description The export was processed; `partialSuccess` names what was rejected, if anything (spans past the first 20,000 included). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OtlpTraceResponse"];
                    "application/x-protobuf": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getOutcome: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                outcome_id: components["parameters"]["OutcomeId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The outcome; `status` is `expired` once `expires_at` has passed unresolved. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Outcome"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    resolveOutcome: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                outcome_id: components["parameters"]["OutcomeId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ResolveRequest"];
            };
        };
        responses: {
            /** @description The outcome after the resolution. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ResolveResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            408: components["responses"]["RequestTimeout"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listTiers: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tiers, ordered by id. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TierList"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getTier: {
        parameters: {
            query?: {
                version?: number;
            };
            header?: never;
            path: {
                tier_id: components["parameters"]["TierId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tier. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tier"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    putTier: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tier_id: components["parameters"]["TierId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TierInput"];
            };
        };
        responses: {
            /** @description The new current version (or the unchanged one, when the body is identical). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tier"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["Unprocessable"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                customer_id: components["parameters"]["CustomerId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The customer. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    putCustomer: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                customer_id: components["parameters"]["CustomerId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AssignmentInput"];
            };
        };
        responses: {
            /** @description The customer. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["Unprocessable"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: components["parameters"]["AgentId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    putAgent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                agent_id: components["parameters"]["AgentId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AssignmentInput"];
            };
        };
        responses: {
            /** @description The agent. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Agent"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["Unprocessable"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getUsage: {
        parameters: {
            query?: {
                customer_id?: components["parameters"]["FilterCustomer"];
                agent_id?: components["parameters"]["FilterAgent"];
                action?: components["parameters"]["FilterAction"];
                /** @description Inclusive start (RFC 3339). Default 1970-01-01. */
                from?: components["parameters"]["From"];
                /** @description Exclusive end (RFC 3339). Default 9999-12-31. */
                to?: components["parameters"]["To"];
                /** @description A comma-separated list of dimensions. */
                group_by?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Usage. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UsageReport"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    previewInvoice: {
        parameters: {
            query: {
                customer_id: components["schemas"]["Identifier"];
                /** @description Inclusive start (RFC 3339). Default 1970-01-01. */
                from?: components["parameters"]["From"];
                /** @description Exclusive end (RFC 3339). Default 9999-12-31. */
                to?: components["parameters"]["To"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The invoice preview; `total` is the exact sum of `lines`. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["InvoicePreview"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listEvents: {
        parameters: {
            query?: {
                customer_id?: components["parameters"]["FilterCustomer"];
                agent_id?: components["parameters"]["FilterAgent"];
                action?: components["parameters"]["FilterAction"];
                /** @description Inclusive start (RFC 3339). Default 1970-01-01. */
                from?: components["parameters"]["From"];
                /** @description Exclusive end (RFC 3339). Default 9999-12-31. */
                to?: components["parameters"]["To"];
                limit?: number;
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of the ledger. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EventPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getEvent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                event_id: components["schemas"]["EventId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LedgerEvent"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    simulate: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SimulateRequest"];
            };
        };
        responses: {
            /** @description Revenue under each candidate. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SimulateResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["Unprocessable"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    listKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Keys, newest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyList"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    createKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KeyInput"];
            };
        };
        responses: {
            /** @description The key, with its secret. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            408: components["responses"]["RequestTimeout"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    revokeKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked key. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    updateKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                key_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["KeyUpdate"];
            };
        };
        responses: {
            /** @description The key as it is now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            408: components["responses"]["RequestTimeout"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
}
