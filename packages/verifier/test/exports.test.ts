import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { typeExports } from '../../../test/helpers/type-exports.js'
import * as neutral from '../src/index.js'
import * as node from '../src/index.node.js'

describe('public surface', () => {
  it('exports these values', () => {
    expect(Object.keys(neutral).sort()).toMatchInlineSnapshot(`
      [
        "VerifyError",
        "createJwksCache",
        "createStaticKeySet",
        "createVerifier",
        "isVerifyError",
        "parseDuration",
      ]
    `)
  })

  it('exports these types', () => {
    expect(typeExports(new URL('../src/index.ts', import.meta.url))).toMatchInlineSnapshot(`
      [
        "CheckOptions",
        "CreateJwksCacheOptions",
        "CreateStaticKeySetOptions",
        "Duration",
        "IssuerOptions",
        "JsonWebKeyLike",
        "JsonWebKeySetLike",
        "JwksCache",
        "JwksCacheOptions",
        "JwtHeader",
        "JwtPayload",
        "KeyImporter",
        "KeyInput",
        "KeyLookup",
        "KeyObjectLike",
        "KeySource",
        "KeySourceOptions",
        "KeySourceStatus",
        "KeysRemovedListener",
        "ResolvedKey",
        "StaticKeySet",
        "TokenCacheOptions",
        "Verifier",
        "VerifierEvent",
        "VerifierEventHandler",
        "VerifierOptions",
        "VerifierSourceStatus",
        "VerifierStatus",
        "VerifyErrorCode",
        "VerifyErrorOptions",
        "VerifyResult",
      ]
    `)
  })

  it('offers the same names on the Node.js entry, with its own createVerifier', () => {
    expect(Object.keys(node).sort()).toEqual(Object.keys(neutral).sort())
    expect(typeExports(new URL('../src/index.node.ts', import.meta.url))).toEqual(typeExports(new URL('../src/index.ts', import.meta.url)))
    expect(node.createVerifier).not.toBe(neutral.createVerifier)
    expect(node.VerifyError).toBe(neutral.VerifyError)
  })

  it('keeps index files to named re-exports', () => {
    for (const file of ['../src/index.ts', '../src/index.node.ts']) {
      const source = readFileSync(new URL(file, import.meta.url), 'utf8')
      const statements = source.split(/\n(?=export )/).map((s) => s.trim()).filter(Boolean)
      for (const statement of statements) expect(statement).toMatch(/^export (type )?\{[^}]*\} from '\.\/[\w/.-]+\.js'$/)
    }
  })
})
