// The parts of the API the dashboard reads, as openapi-typescript generates them from openapi.yaml
// (the server's contract types; type-only, so nothing of them reaches the browser). Money is always
// an exact decimal string in what the server answers.
import type { Schemas } from '../contract-types.js';

export type OutcomeCounts = Schemas['OutcomeCounts'];
export type UsageGroup = Schemas['UsageGroup'];
export type UsageReport = Schemas['UsageReport'];
/** What a usage report can be grouped by (`group_by`). */
export type UsageDimension = keyof UsageGroup['key'];
export type Tier = Schemas['Tier'];
/** What PUT /v1/tiers/{id} and simulate `candidates` take. */
export type TierInput = Schemas['TierInput'];
export type Workload = Schemas['Workload'];
export type SimulationResult = Schemas['SimulationResult'];
export type LedgerEvent = Schemas['LedgerEvent'];
export type InvoiceLine = Schemas['InvoiceLine'];
export type InvoicePreview = Schemas['InvoicePreview'];
export type Health = Schemas['Health'];
/** An RFC 9457 problem, as the server sends it. */
export type Problem = Schemas['Problem'];
