import type { JsonWebKey } from 'node:crypto'
import { createPrivateKey } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type CompactDecryptResult,
  compactDecrypt,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyResult,
  jwtVerify,
} from 'jose'
import { type CreatedIssuer, type CreateIssuerOptions, createIssuer } from '../../src/core/create-issuer.js'
import { keySealingLabel } from '../../src/core/key-material.js'
import { KEYRING_META, type Keyring, unlockKeyring } from '../../src/crypto/keyring.js'
import type { Store } from '../../src/store/contract.js'
import { createSqliteStore } from '../../src/store/sqlite.js'

/** A clock the test moves by hand, in milliseconds. */
export interface TestClock {
  now: () => number
  advance(ms: number): void
}

/** Starts at a whole second, so that JWT second times line up with the millisecond clock. */
export function testClock(start = Date.UTC(2031, 0, 1)): TestClock {
  let t = start
  return {
    now: () => t,
    advance(ms) {
      t += ms
    },
  }
}

/** A real issuer on a real SQLite file in a temp folder. */
export interface CoreFixture {
  issuer: CreatedIssuer
  store: Store
  dir: string
  dbPath: string
  password: string
  adminToken: string
  clock: TestClock
  /** Every line the issuer logged. */
  logs: string[]
  /** Closes the issuer (and its store), then removes the folder. */
  close(): Promise<void>
}

export const PASSWORD = 'correct horse battery staple'
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789'

/** Makes a temp folder for a store file. */
export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'jwtis-core-'))
}

/**
 * Starts an issuer with a test clock and no background timer.
 *
 * @example
 * ```ts
 * const f = await startIssuer()
 * const { clientToken } = await f.issuer.registerClient('shop')
 * await f.close()
 * ```
 */
export async function startIssuer(options: Partial<CreateIssuerOptions> & { dir?: string } = {}): Promise<CoreFixture> {
  const { dir: givenDir, ...issuerOptions } = options
  const dir = givenDir ?? (await tempDir())
  const dbPath = join(dir, 'keys.db')
  const store = createSqliteStore({ path: dbPath })
  const clock = testClock()
  const logs: string[] = []
  const password = options.password ?? PASSWORD
  const adminToken = options.adminToken ?? ADMIN_TOKEN
  let issuer: CreatedIssuer
  try {
    issuer = await createIssuer({
      maintenanceInterval: 0,
      now: clock.now,
      log: (line) => logs.push(line),
      ...issuerOptions,
      store,
      password,
      adminToken,
    })
  } catch (err) {
    await store.close()
    if (options.dir === undefined) await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    issuer,
    store,
    dir,
    dbPath,
    password,
    adminToken,
    clock,
    logs,
    async close() {
      await issuer.close()
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Verifies an access token as a relying party would: with jose against the client's JWKS. */
export async function verifyAccessToken(
  fixture: CoreFixture,
  kid: string,
  token: string,
  audience: string = kid,
): Promise<JWTVerifyResult> {
  const jwks = createLocalJWKSet(await fixture.issuer.jwks(kid))
  return jwtVerify(token, jwks, {
    issuer: fixture.issuer.name,
    audience,
    typ: 'at+jwt',
    currentDate: new Date(fixture.clock.now()),
  })
}

/** A refresh token taken apart with real crypto, independent of the issuer's own code path. */
export interface OpenedRefreshToken {
  outer: CompactDecryptResult['protectedHeader']
  innerHeader: ReturnType<typeof decodeProtectedHeader>
  claims: JWTPayload
  inner: string
}

// Unlocking runs scrypt: once per fixture is enough.
const keyrings = new WeakMap<CoreFixture, Keyring>()

/** Unseals the client's private encryption key from the store and decrypts a refresh token with jose. */
export async function openRefreshTokenForTest(fixture: CoreFixture, kid: string, token: string): Promise<OpenedRefreshToken> {
  let keyring = keyrings.get(fixture)
  if (keyring === undefined) {
    keyring = await unlockKeyring((await fixture.store.getMeta(KEYRING_META))!, fixture.password)
    keyrings.set(fixture, keyring)
  }
  const header = decodeProtectedHeader(token)
  const record = (await fixture.store.listKeys({ clientKid: kid })).find((key) => key.use === 'enc' && key.id === header.kid)
  if (record === undefined) throw new Error('no such encryption key')
  const jwk = JSON.parse(new TextDecoder().decode(keyring.open(record.sealedPrivate, keySealingLabel(kid, record.id, 'enc'))))
  const privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' })
  const { plaintext, protectedHeader } = await compactDecrypt(token, privateKey)
  const inner = new TextDecoder().decode(plaintext)
  return { outer: protectedHeader, innerHeader: decodeProtectedHeader(inner), claims: decodeJwt(inner), inner }
}

/** The rejection of a promise, or a failure when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}
