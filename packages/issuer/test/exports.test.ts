import { describe, expect, it } from 'vitest'
import { typeExports } from '../../../test/helpers/type-exports.js'
import * as client from '../src/client/index.js'
import * as main from '../src/index.js'

describe('public surface of @jwtis/issuer', () => {
  it('exports these values', () => {
    expect(Object.keys(main).sort()).toMatchInlineSnapshot(`
      [
        "CLIENT_ROTATION_INTERVAL",
        "DEFAULTS",
        "FIELD_API_NAMES",
        "HTTP_STATUS",
        "INVALID_GRANT_MESSAGE",
        "IssuerError",
        "KeyringError",
        "StoreError",
        "createIssuer",
        "createIssuerMetrics",
        "createIssuerRouter",
        "createPostgresStore",
        "createSqliteStore",
        "rekeyStore",
        "startServer",
      ]
    `)
  })

  it('exports these types', () => {
    expect(typeExports(new URL('../src/index.ts', import.meta.url))).toMatchInlineSnapshot(`
      [
        "ClientConfig",
        "ClientKeys",
        "ClientRecord",
        "ClientSettings",
        "ClientSummary",
        "CreateIssuerOptions",
        "CreatedIssuer",
        "ErrorBody",
        "FamilyAdvance",
        "FamilyRecord",
        "IssueRequest",
        "Issuer",
        "IssuerDefaults",
        "IssuerErrorCode",
        "IssuerErrorField",
        "IssuerMetrics",
        "IssuerMetricsOptions",
        "IssuerRouterOptions",
        "Jwks",
        "KeyRecord",
        "KeyRotation",
        "KeyState",
        "KeyUse",
        "KeyringErrorCode",
        "PostgresConnectionOptions",
        "PostgresStore",
        "PostgresStoreOptions",
        "PublicJwk",
        "RefreshStrategy",
        "RegisteredClient",
        "RevokeTarget",
        "RunningServer",
        "ServeOptions",
        "SqliteStore",
        "SqliteStoreOptions",
        "Store",
        "StoreErrorCode",
        "TokenOperation",
        "TokenPair",
      ]
    `)
  })

  it('exports the public errors as classes a caller can test with instanceof', () => {
    expect(new main.KeyringError('wrong_password', 'x')).toBeInstanceOf(Error)
    expect(new main.StoreError('closed', 'x').code).toBe('closed')
    expect(new main.IssuerError('invalid_request', 'x', { field: 'authTTL' }).field).toBe('authTTL')
  })
})

describe('public surface of @jwtis/issuer/client', () => {
  it('exports these values', () => {
    expect(Object.keys(client).sort()).toMatchInlineSnapshot(`
      [
        "API_ERROR_STATUS",
        "IssuerClientError",
        "createIssuerClient",
        "isApiErrorCode",
      ]
    `)
  })
})
