import type { components, operations, paths } from './generated/schema.js';

export type { components, operations, paths };

/** Every schema of the contract, by name: `Schemas['MeterEvent']`. */
export type Schemas = components['schemas'];

export type MeterEvent = Schemas['MeterEvent'];
export type MeterResponse = Schemas['MeterResponse'];
export type BatchRequest = Schemas['BatchRequest'];
export type BatchResponse = Schemas['BatchResponse'];
export type BatchEventResult = Schemas['BatchEventResult'];
export type BatchResolution = Schemas['BatchResolution'];
export type BatchResolutionResult = Schemas['BatchResolutionResult'];
export type ResolveRequest = Schemas['ResolveRequest'];
export type ResolveResponse = Schemas['ResolveResponse'];
export type Outcome = Schemas['Outcome'];
export type Tier = Schemas['Tier'];
export type TierInput = Schemas['TierInput'];
export type UsageReport = Schemas['UsageReport'];
export type InvoicePreview = Schemas['InvoicePreview'];
export type LedgerEvent = Schemas['LedgerEvent'];
export type SimulateRequest = Schemas['SimulateRequest'];
export type SimulateResponse = Schemas['SimulateResponse'];
export type Problem = Schemas['Problem'];
export type ItemError = Schemas['ItemError'];

export interface ClientOptions {
  /** The API key sent as `Authorization: Bearer <key>`. Default: `AGENTMETER_API_KEY` where `process.env` exists. */
  apiKey?: string;
  /** The server's base URL. Default: `AGENTMETER_URL`, else `http://127.0.0.1:8787`. */
  baseUrl?: string;
  /** A `fetch` implementation. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Appended to the `User-Agent` header, e.g. `my-agent/1.2`. Default: none. */
  userAgent?: string;
  /** Headers sent with every request. Default: none. */
  headers?: Record<string, string>;
}
