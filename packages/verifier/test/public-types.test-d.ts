/**
 * The public types, as a user's code meets them: what the options accept and refuse, what
 * verify resolves with, how errors and events narrow. Checked by tsc (vitest typecheck).
 */
import { describe, expectTypeOf, it } from 'vitest'
import {
  type CreateJwksCacheOptions,
  type Duration,
  type JwksCache,
  type JwtPayload,
  type KeySource,
  type KeySourceStatus,
  type ResolvedKey,
  type StaticKeySet,
  type Verifier,
  type VerifierEvent,
  type VerifierOptions,
  type VerifierStatus,
  type VerifyErrorCode,
  type VerifyResult,
  type VerifyError,
  createJwksCache,
  createStaticKeySet,
  createVerifier,
  isVerifyError,
  parseDuration,
} from '../src/index.js'
import { createVerifier as createNodeVerifier } from '../src/index.node.js'

describe('createVerifier', () => {
  it('takes VerifierOptions and returns a Verifier, on both entries', () => {
    expectTypeOf(createVerifier).parameters.toEqualTypeOf<[VerifierOptions]>()
    expectTypeOf(createVerifier).returns.toEqualTypeOf<Verifier>()
    expectTypeOf(createNodeVerifier).toEqualTypeOf(createVerifier)
  })

  it('accepts each key source and the documented options', () => {
    const base = { issuer: 'https://id.example.com', audience: 'shop', algorithms: ['ES256'] } as const
    expectTypeOf({ ...base, jwksUri: 'https://id.example.com/jwks' }).toExtend<VerifierOptions>()
    expectTypeOf({ ...base, jwksUri: new URL('https://id.example.com/jwks') }).toExtend<VerifierOptions>()
    expectTypeOf({ ...base, discovery: true as const }).toExtend<VerifierOptions>()
    expectTypeOf({ ...base, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] } }).toExtend<VerifierOptions>()
    expectTypeOf({ ...base, keys: ['-----BEGIN PUBLIC KEY-----'] }).toExtend<VerifierOptions>()
    expectTypeOf({ ...base, secret: new Uint8Array(32) }).toExtend<VerifierOptions>()
    expectTypeOf({
      ...base,
      jwksUri: 'https://id.example.com/jwks',
      cache: { maxAge: '10m', cooldown: 30_000, staleIfError: '24h', timeout: '5s', maxKeys: 1000 },
      clockTolerance: '5s',
      tokenCache: { max: 10 },
      now: () => 0,
    }).toExtend<VerifierOptions>()
  })

  it('refuses misspelt and mistyped options', () => {
    // @ts-expect-error: `audiance` is not an option.
    createVerifier({ issuer: 'https://id.example.com', audiance: 'shop', jwksUri: 'https://id.example.com/jwks' })
    // @ts-expect-error: `discovery` is `true` or a URL, not `false`.
    createVerifier({ issuer: 'https://id.example.com', discovery: false })
    // @ts-expect-error: a cache duration is a number or a string.
    createVerifier({ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks', cache: { timeout: true } })
    expectTypeOf<{ maxKeys: '1000' }>().not.toExtend<NonNullable<VerifierOptions['cache']>>()
  })
})

describe('Verifier', () => {
  it('resolves verify with the payload type asked for, and the protected header', () => {
    interface Claims extends JwtPayload {
      scope: string
    }
    const verifier = createVerifier({ issuer: 'https://id.example.com', secret: 'x'.repeat(32) })
    expectTypeOf(verifier.verify('token')).toEqualTypeOf<Promise<VerifyResult<JwtPayload>>>()
    expectTypeOf(verifier.verify<Claims>('token')).resolves.toEqualTypeOf<VerifyResult<Claims>>()
    expectTypeOf<VerifyResult<Claims>['payload']['scope']>().toEqualTypeOf<string>()
    expectTypeOf<VerifyResult['payload']['exp']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<VerifyResult['protectedHeader']['alg']>().toEqualTypeOf<string>()
    expectTypeOf(verifier.status()).toEqualTypeOf<VerifierStatus>()
    expectTypeOf(verifier.close()).toBeVoid()
  })
})

describe('errors', () => {
  it('narrows an unknown error with isVerifyError, and its code is the union', () => {
    const err: unknown = new Error('x')
    if (isVerifyError(err, 'ERR_KEYS_UNAVAILABLE')) {
      expectTypeOf(err).toEqualTypeOf<VerifyError>()
      expectTypeOf(err.code).toEqualTypeOf<VerifyErrorCode>()
      expectTypeOf(err.claim).toEqualTypeOf<string | undefined>()
    }
    expectTypeOf<'ERR_TOKEN_EXPIRED'>().toExtend<VerifyErrorCode>()
    expectTypeOf<'ERR_KID_AMBIGUOUS'>().toExtend<VerifyErrorCode>()
    expectTypeOf<'ERR_SOMETHING_ELSE'>().not.toExtend<VerifyErrorCode>()
    // @ts-expect-error: only known codes may be asked for.
    isVerifyError(err, 'ERR_UNKNOWN_CODE')
  })
})

describe('events', () => {
  it('narrow by type', () => {
    const handle = (event: VerifierEvent): void => {
      if (event.type === 'jwks_fetch') expectTypeOf(event.status).toEqualTypeOf<number>()
      if (event.type === 'keys_changed') expectTypeOf(event.removed).toEqualTypeOf<readonly string[]>()
      if (event.type === 'verify_failed') expectTypeOf(event.code).toEqualTypeOf<VerifyErrorCode>()
    }
    expectTypeOf(handle).toExtend<NonNullable<VerifierOptions['onEvent']>>()
  })
})

describe('durations', () => {
  it('are milliseconds or strings, parsed to milliseconds', () => {
    expectTypeOf<Duration>().toEqualTypeOf<number | string>()
    expectTypeOf(parseDuration).parameters.toEqualTypeOf<[value: Duration, what?: string]>()
    expectTypeOf(parseDuration('30s')).toEqualTypeOf<number>()
  })
})

describe('key sources', () => {
  it('are KeySources whose lookup may answer synchronously', () => {
    expectTypeOf<JwksCache>().toExtend<KeySource>()
    expectTypeOf<StaticKeySet>().toExtend<KeySource>()
    expectTypeOf<KeySource['getKey']>().returns.toEqualTypeOf<ResolvedKey | Promise<ResolvedKey>>()
    expectTypeOf<KeySource['status']>().returns.toEqualTypeOf<KeySourceStatus>()
    expectTypeOf(createJwksCache).returns.toEqualTypeOf<JwksCache>()
    expectTypeOf(createStaticKeySet).returns.toEqualTypeOf<StaticKeySet>()
    expectTypeOf<JwksCache['refresh']>().returns.toEqualTypeOf<Promise<void>>()
  })

  it('need a URL and an allow-list, and keep the cache clock internal', () => {
    expectTypeOf<{ url: string; algorithms: string[] }>().toExtend<CreateJwksCacheOptions>()
    expectTypeOf<{ url: string }>().not.toExtend<CreateJwksCacheOptions>()
    expectTypeOf<CreateJwksCacheOptions>().not.toHaveProperty('clock')
    // @ts-expect-error: the clock is not a public option.
    createJwksCache({ url: 'https://id.example.com/jwks', algorithms: ['ES256'], clock: { now: () => 0 } })
  })
})
