/**
 * The world a security test runs in: one key pair per asymmetric alg published by a real
 * JWKS server on 127.0.0.1, an attacker's key pairs nobody publishes, and the options of a
 * verifier that trusts exactly the published keys.
 */
import type { JsonWebKeySetLike } from '../../../src/jwk-types.js'
import { type JsonServer, startJsonServer } from '../../helpers/http-server.js'
import { type FixtureAlg, generateKeyPair, type TestKeyPair } from '../../helpers/keys.js'
import { AUDIENCE, ISSUER } from '../../helpers/tokens.js'

/** Every asymmetric alg the fixture covers. */
export const FIXTURE_ALGS: readonly FixtureAlg[] = ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'PS256']

/** Keys, JWKS server and base verifier options. */
export interface SecurityFixture {
  /** The issuer's keys, published by {@link server}. */
  keys: Record<FixtureAlg, TestKeyPair>
  /** The attacker's keys: same algs, never published. */
  attacker: Record<FixtureAlg, TestKeyPair>
  /** The published JWKS. */
  jwks: JsonWebKeySetLike
  /** The JWKS endpoint. */
  server: JsonServer
  /** Options trusting the published keys for every fixture alg; `overrides` win. */
  options(overrides?: Record<string, unknown>): BaseVerifierOptions
  close(): Promise<void>
}

/** The options every fixture verifier starts from. */
export interface BaseVerifierOptions {
  issuer: string
  audience: string
  jwksUri: string
  algorithms: string[]
  [option: string]: unknown
}

function keysFor(prefix: string): Record<FixtureAlg, TestKeyPair> {
  const keys = {} as Record<FixtureAlg, TestKeyPair>
  for (const alg of FIXTURE_ALGS) keys[alg] = generateKeyPair(alg, { kid: `${prefix}-${alg}` })
  return keys
}

/** Generates the keys and starts the JWKS server. Close it in `afterAll`. */
export async function startFixture(): Promise<SecurityFixture> {
  const keys = keysFor('issuer')
  const attacker = keysFor('attacker')
  const jwks = { keys: FIXTURE_ALGS.map((alg) => keys[alg].jwk) }
  const server = await startJsonServer(jwks)
  return {
    keys,
    attacker,
    jwks,
    server,
    options(overrides = {}) {
      return {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: server.jwksUri,
        algorithms: [...FIXTURE_ALGS],
        ...overrides,
      }
    },
    close: () => server.close(),
  }
}
