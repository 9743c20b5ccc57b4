import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { typeExports } from '../../../test/helpers/type-exports.js'
import * as entry from '../src/index.js'

describe('public surface', () => {
  it('exports these values', () => {
    expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
      [
        "API_ERROR_STATUS",
        "IssuerClientError",
        "createIssuerClient",
        "isApiErrorCode",
      ]
    `)
  })

  it('exports these types', () => {
    expect(typeExports(new URL('../src/index.ts', import.meta.url))).toMatchInlineSnapshot(`
      [
        "ApiErrorBody",
        "ApiErrorCode",
        "ClientKeys",
        "ClientKeysBody",
        "Duration",
        "IssueOptions",
        "IssuerClient",
        "IssuerClientErrorCode",
        "IssuerClientOptions",
        "PublicJwk",
        "RefreshStrategy",
        "RegisteredClientBody",
        "RenewOptions",
        "RevokeTarget",
        "TokenPair",
        "TokenPairBody",
      ]
    `)
  })

  it('keeps the index to named re-exports', () => {
    const source = readFileSync(new URL('../src/index.ts', import.meta.url), 'utf8')
    const statements = source.split(/\n(?=export )/).map((s) => s.trim()).filter(Boolean)
    for (const statement of statements) expect(statement).toMatch(/^export (type )?\{[^}]*\} from '\.\/[\w/.-]+\.js'$/)
  })
})
