import { describe, expect, it } from 'vitest'
import type { VerifierOptions } from '../../src/options.js'
import { BACKENDS } from '../helpers/backends.js'
import { keyPair } from '../helpers/keys.js'
import { AUDIENCE, ISSUER } from '../helpers/tokens.js'

describe.each(BACKENDS)('createVerifier options ($name)', ({ createVerifier }) => {
  const jwk = keyPair('ES256').jwk
  const base = { issuer: ISSUER, audience: AUDIENCE, keys: jwk }
  const create = (options: unknown) => () => createVerifier(options as VerifierOptions)

  it('builds with valid options', () => {
    expect(createVerifier(base).status().sources).toHaveLength(1)
  })

  it('refuses a missing or non-object options argument', () => {
    expect(create(undefined)).toThrow(TypeError)
    expect(create('https://id.example.com')).toThrow(TypeError)
  })

  it('refuses unknown options, naming them', () => {
    expect(create({ ...base, audiance: 'shop' })).toThrow(/unknown option audiance/)
    expect(create({ ...base, algorithm: ['ES256'] })).toThrow(/unknown option algorithm/)
    expect(create({ ...base, cache: { maxage: '1m' } })).toThrow(/unknown option cache\.maxage/)
  })

  it('requires issuer and audience', () => {
    expect(create({ audience: AUDIENCE, keys: jwk })).toThrow(/issuer/)
    expect(create({ issuer: ISSUER, keys: jwk })).toThrow(/audience/)
    expect(create({ ...base, issuer: [] })).toThrow(/issuer/)
    expect(create({ ...base, audience: [''] })).toThrow(/audience/)
  })

  it('requires exactly one key source', () => {
    expect(create({ issuer: ISSUER, audience: AUDIENCE })).toThrow(/key source/)
    expect(create({ ...base, secret: 'x'.repeat(32) })).toThrow(/only one key source, not keys and secret/)
  })

  it('never allows none and allows HS algs only with a long enough secret', () => {
    expect(create({ ...base, algorithms: ['none'] })).toThrow(/never allowed/)
    expect(create({ ...base, algorithms: ['ES256', 'HS256'] })).toThrow(/HS256 needs the secret/)
    expect(create({ issuer: ISSUER, audience: AUDIENCE, secret: 'x'.repeat(31) })).toThrow(/31 bytes/)
    expect(create({ issuer: ISSUER, audience: AUDIENCE, secret: 'x'.repeat(32), algorithms: ['HS512'] })).toThrow(/64/)
    expect(create({ issuer: ISSUER, audience: AUDIENCE, secret: 'x'.repeat(32), algorithms: ['RS256'] })).toThrow(TypeError)
    expect(create({ issuer: ISSUER, audience: AUDIENCE, secret: 42 })).toThrow(/secret must be/)
  })

  it('needs jwksUri over https, except on loopback or with allowHttp', () => {
    const opts = { issuer: ISSUER, audience: AUDIENCE }
    expect(create({ ...opts, jwksUri: 'http://id.example.com/jwks' })).toThrow(/https/)
    expect(create({ ...opts, jwksUri: 'ftp://id.example.com/jwks' })).toThrow(/https/)
    expect(create({ ...opts, jwksUri: 'https://user:pw@id.example.com/jwks' })).toThrow(/credentials/)
    expect(create({ ...opts, jwksUri: 'not a url' })).toThrow(/absolute URL/)
    const accepted = (options: Record<string, unknown>): string[] => {
      const verifier = createVerifier({ ...opts, ...options })
      const sources = verifier.status().sources.map((status) => status.source)
      verifier.close()
      return sources
    }
    for (const uri of ['https://id.example.com/jwks', 'http://127.0.0.1:1/jwks', 'http://localhost:1/jwks', 'http://[::1]:1/jwks']) {
      expect(accepted({ jwksUri: uri })).toEqual([uri])
    }
    expect(accepted({ jwksUri: 'http://id.example.com/jwks', allowHttp: true })).toEqual(['http://id.example.com/jwks'])
  })

  it('checks discovery options now, although the document is read later', () => {
    const opts = { issuer: ISSUER, audience: AUDIENCE }
    expect(create({ ...opts, issuer: [ISSUER, 'https://b.example'], discovery: true })).toThrow(/exactly one issuer/)
    expect(create({ ...opts, issuer: 'http://id.example.com', discovery: true })).toThrow(/https/)
    expect(create({ ...opts, discovery: 'yes' })).toThrow(/discovery/)
    expect(create({ ...opts, discovery: true, cache: { cooldown: 'soon' } })).toThrow(/cache\.cooldown/)
    expect(create({ ...opts, discovery: true, cache: { maxKeys: 0 } })).toThrow(/cache\.maxKeys/)
    const discovering = createVerifier({ ...opts, discovery: true })
    expect(discovering.status().sources).toEqual([
      { issuer: ISSUER, source: `${ISSUER}/.well-known/openid-configuration`, loaded: false, fresh: false, keys: 0, lastError: undefined },
    ])
    discovering.close()
  })

  it('holds cache options to the same rules whatever the key source: a TypeError now, not a failure per token', () => {
    const opts = { issuer: ISSUER, audience: AUDIENCE }
    const sources = [
      ['jwksUri', { jwksUri: `${ISSUER}/jwks` }],
      ['discovery', { discovery: true }],
      ['a discovery URL', { discovery: `${ISSUER}/.well-known/openid-configuration` }],
      ['keys', { keys: jwk }],
    ] as const
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ timeout: 0 }, /^cache\.timeout must be longer than zero$/],
      [{ maxAge: 0 }, /^cache\.maxAge must be longer than zero$/],
      [{ cooldown: -1 }, /^cache\.cooldown must be a non-negative number of milliseconds$/],
      [{ staleIfError: '1 day' }, /^cache\.staleIfError must be milliseconds or a string/],
      [{ negativeTtl: Number.NaN }, /^cache\.negativeTtl/],
      [{ maxResponseBytes: 0 }, /^cache\.maxResponseBytes must be a positive integer$/],
      [{ maxKeys: 2.5 }, /^cache\.maxKeys must be a positive integer$/],
      [{ maxage: '1m' }, /^unknown option cache\.maxage$/],
    ]
    for (const [, source] of sources) {
      for (const [cache, message] of bad) {
        expect(create({ ...opts, ...source, cache })).toThrow(TypeError)
        expect(create({ ...opts, ...source, cache })).toThrow(message)
      }
      expect(create({ ...opts, ...source, cache: 'fast' })).toThrow(/^cache must be an object$/)
    }
    const entry = { issuer: ISSUER, discovery: true }
    expect(create({ audience: AUDIENCE, issuers: [entry], cache: { timeout: 0 } })).toThrow(/^issuers\[0\]\.cache\.timeout must be longer than zero$/)
    expect(create({ audience: AUDIENCE, issuers: [{ ...entry, cache: { timeout: '0s' } }] })).toThrow(/^issuers\[0\]\.cache\.timeout/)
    const tuned = createVerifier({ ...opts, discovery: true, cache: { timeout: '1s', cooldown: 0, maxResponseBytes: 1024 } })
    expect(tuned.status()).toMatchObject({ loaded: false, fresh: false, sources: [{ issuer: ISSUER, keys: 0 }] })
    tuned.close()
  })

  it('checks the other options', () => {
    expect(create({ ...base, clockTolerance: 'a while' })).toThrow(/clockTolerance/)
    expect(create({ ...base, maxTokenAge: -1 })).toThrow(/maxTokenAge/)
    expect(create({ ...base, requiredClaims: 'jti' })).toThrow(/requiredClaims/)
    expect(create({ ...base, typ: '' })).toThrow(/typ/)
    expect(create({ ...base, maxTokenLength: 0 })).toThrow(/maxTokenLength/)
    expect(create({ ...base, tokenCache: { max: 0 } })).toThrow(/tokenCache\.max/)
    expect(create({ ...base, tokenCache: 'yes' })).toThrow(/tokenCache/)
    expect(create({ ...base, onEvent: 'log' })).toThrow(/onEvent/)
    expect(create({ ...base, allowHttp: 'true' })).toThrow(/allowHttp/)
    expect(create({ ...base, jwks: undefined, keys: undefined, issuer: ISSUER, secret: undefined })).toThrow(/key source/)
  })

  it('checks a jwks object', () => {
    expect(create({ issuer: ISSUER, audience: AUDIENCE, jwks: [jwk] })).toThrow(/jwks/)
  })

  it('checks issuers entries', () => {
    const entry = { issuer: ISSUER, keys: jwk }
    expect(create({ audience: AUDIENCE, issuers: [] })).toThrow(/issuers/)
    expect(create({ audience: AUDIENCE, issuer: ISSUER, issuers: [entry] })).toThrow(/inside each issuers entry/)
    expect(create({ audience: AUDIENCE, keys: jwk, issuers: [entry] })).toThrow(/inside each issuers entry/)
    expect(create({ audience: AUDIENCE, issuers: [entry, { ...entry }] })).toThrow(/already served/)
    expect(create({ audience: AUDIENCE, issuers: [{ ...entry, tokenCache: true }] })).toThrow(/issuers\[0\]\.tokenCache/)
    expect(create({ issuers: [entry] })).toThrow(/issuers\[0\]\.audience/)
    expect(create({ audience: AUDIENCE, issuers: [{ issuer: ISSUER }] })).toThrow(/issuers\[0\]/)
    expect(create({ audience: AUDIENCE, issuers: ['https://a.example'] })).toThrow(/issuers\[0\] must be an object/)
  })
})
