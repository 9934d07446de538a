// The parts of the API the dashboard reads, as openapi-typescript generates them from openapi.yaml
// (@agentmeter/client's types; type-only, so nothing of the client reaches the browser). Money is
// always an exact decimal string in what the server answers.
import type { components } from '@agentmeter/client';

type Schemas = components['schemas'];

export type Amounts = Schemas['Amounts'];
export type TokenTotals = Schemas['TokenTotals'];
export type OutcomeCounts = Schemas['OutcomeCounts'];
export type UsageGroup = Schemas['UsageGroup'];
export type UsageReport = Schemas['UsageReport'];
/** What a usage report can be grouped by (`group_by`). */
export type UsageDimension = keyof UsageGroup['key'];
export type Tier = Schemas['Tier'];
/** What PUT /v1/tiers/{id} and simulate `candidates` take. */
export type TierInput = Schemas['TierInput'];
export type Workload = Schemas['Workload'];
export type SimulateRequest = Schemas['SimulateRequest'];
export type SimulationResult = Schemas['SimulationResult'];
export type SimulateResponse = Schemas['SimulateResponse'];
export type ExactPrice = Schemas['ExactPrice'];
export type LedgerEvent = Schemas['LedgerEvent'];
export type EventPage = Schemas['EventPage'];
export type InvoiceLine = Schemas['InvoiceLine'];
export type InvoicePreview = Schemas['InvoicePreview'];
export type Health = Schemas['Health'];
/** An RFC 9457 problem, as the server sends it. */
export type Problem = Schemas['Problem'];
