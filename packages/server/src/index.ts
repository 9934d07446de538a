export type { AppOptions, RequestContext, RouteDefinition, RouteResult } from './app.js';
export { BOOTSTRAP_PROJECT_ID, bootstrap, type CreateProjectOptions, createProject } from './bootstrap.js';
export { operations } from './contract.js';
export { hashKey } from './keys.js';
export { ApiError } from './problem.js';
export type { RateLimitOptions } from './rate-limit.js';
export {
  createApp,
  DEFAULT_DB_PATH,
  openStore,
  type RunningServer,
  type StartServerOptions,
  type StoreOptions,
  startServer,
} from './server.js';
export type { PostgresStoreOptions } from './store/postgres.js';
export type * from './store/types.js';
export { VERSION } from './version.js';
