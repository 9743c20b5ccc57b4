export { type CreatedIssuer, type CreateIssuerOptions, createIssuer } from './core/create-issuer.js'
export { DEFAULTS, type IssuerDefaults } from './core/defaults.js'
export { rekeyStore } from './core/rekey.js'
export { CLIENT_ROTATION_INTERVAL } from './core/types.js'
export type {
  ClientKeys,
  ClientSettings,
  ClientSummary,
  IssueRequest,
  Issuer,
  Jwks,
  PublicJwk,
  RegisteredClient,
  RevokeTarget,
  TokenPair,
} from './core/types.js'
export {
  FIELD_API_NAMES,
  INVALID_GRANT_MESSAGE,
  IssuerError,
  type IssuerErrorCode,
  type IssuerErrorField,
  KeyringError,
  type KeyringErrorCode,
  StoreError,
  type StoreErrorCode,
} from './errors.js'
export { createIssuerMetrics, type IssuerMetrics, type IssuerMetricsOptions, type TokenOperation } from './http/metrics.js'
export { createIssuerRouter, type IssuerRouterOptions } from './http/router.js'
export { type RunningServer, type ServeOptions, startServer } from './http/server.js'
export { type ErrorBody, HTTP_STATUS } from './http/status.js'
export type {
  ClientConfig,
  ClientRecord,
  FamilyAdvance,
  FamilyRecord,
  KeyRecord,
  KeyRotation,
  KeyState,
  KeyUse,
  RefreshStrategy,
  Store,
} from './store/contract.js'
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './store/postgres.js'
export type { PostgresConnectionOptions } from './store/postgres-pool.js'
export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './store/sqlite.js'
