/**
 * Envelope encryption of secrets at rest. A random 256-bit data key seals values
 * (AES-256-GCM); the data key itself is stored only wrapped (AES-256-GCM) under a key
 * derived from the password with scrypt. Changing the password rewraps the data key and
 * leaves every sealed value as it is. A MAC key derived from the data key (HKDF) lets the
 * store's clear rows that grant access be authenticated too.
 *
 * Keyring meta v2 is v1 plus a promise: every row that grants access carries a MAC. The
 * version is bound into the wrapping's associated data, so it cannot be lowered without
 * the password.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt } from 'node:crypto'

/** Seals and opens secrets at rest (AES-256-GCM under the data key). */
export interface Keyring {
  /** Seals `plaintext`, binding it to `aad` (e.g. `key:<clientKid>:<keyId>`). */
  seal(plaintext: Uint8Array, aad: string): string
  /** Opens what `seal` made with the same `aad`; throws a {@link KeyringError} (`corrupt`) on any tampering. */
  open(sealed: string, aad: string): Uint8Array
  /** HMAC-SHA256 of `data` under the MAC key, bound to `label`; base64url. */
  mac(label: string, data: string): string
  /**
   * True once the store's clear rows carry MACs (keyring meta v2). A v1 keyring's store
   * gets them at its first unlock, then its meta is upgraded with {@link upgradeKeyring}.
   */
  readonly authenticatesRows: boolean
}

/**
 * `wrong_password`: the password does not unwrap the data key; `corrupt`: damaged meta or
 * sealed value; `tampered`: a record of the store fails its check against the keyring (edited
 * without the password).
 */
export type KeyringErrorCode = 'wrong_password' | 'corrupt' | 'tampered'

/**
 * Why a keyring could not be unlocked or a value opened. Messages never carry a password,
 * a key or a sealed value.
 *
 * @example
 * ```ts
 * try {
 *   await unlockKeyring(meta, password)
 * } catch (err) {
 *   if (err instanceof KeyringError && err.code === 'wrong_password') process.exit(1)
 *   throw err
 * }
 * ```
 */
export class KeyringError extends Error {
  override readonly name = 'KeyringError'
  readonly code: KeyringErrorCode

  constructor(code: KeyringErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** The meta entry under which the store keeps the keyring's meta text. */
export const KEYRING_META = 'keyring'

/** scrypt settings of a wrapped data key, stored beside it so they can change later. */
interface KdfParams {
  name: 'scrypt'
  /** CPU/memory cost, a power of two. */
  N: number
  /** Block size. */
  r: number
  /** Parallelism. */
  p: number
  /** Random salt, base64url. */
  salt: string
}

interface KeyringMeta {
  v: 1 | 2
  kdf: KdfParams
  /** base64url(iv ‖ ciphertext ‖ tag) of the data key under the password-derived key. */
  wrapped: string
}

/**
 * OWASP's scrypt guidance: N 2^17, r 8, p 1, about 128 MiB and half a second per unlock.
 * Stores wrapped with other parameters keep theirs (they are stored beside the wrapped key)
 * until `jwtis rekey` rewraps them with these.
 */
const DEFAULT_KDF = { N: 2 ** 17, r: 8, p: 1 } as const
/** Bounds for meta read back from a store, so a doctored meta cannot exhaust memory or time. */
const KDF_LIMITS = { minLogN: 14, maxLogN: 20, maxR: 32, maxP: 16, maxMemory: 1024 * 1024 * 1024 } as const

const KEY_BYTES = 32
const SALT_BYTES = 16
const IV_BYTES = 12
const TAG_BYTES = 16
const WRAP_AAD: Readonly<Record<KeyringMeta['v'], Buffer>> = {
  1: Buffer.from('jwtis keyring v1: data key', 'utf8'),
  2: Buffer.from('jwtis keyring v2: data key', 'utf8'),
}
const MAC_INFO = Buffer.from('jwtis row mac v1', 'utf8')
const SEAL_VERSION = 'v1'

const WRONG_PASSWORD = 'wrong password: the store was not changed'
const CORRUPT_META = 'the keyring metadata is damaged or of an unknown version'
const CORRUPT_SEALED = 'a sealed value is damaged, was altered, or belongs elsewhere'

/** The memory scrypt needs for these parameters (OpenSSL's bound), in bytes. */
function scryptMemory({ N, r, p }: { N: number; r: number; p: number }): number {
  return 128 * r * (N + p + 2)
}

function deriveKek(password: string, kdf: KdfParams): Promise<Buffer> {
  const salt = Buffer.from(kdf.salt, 'base64url')
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: scryptMemory(kdf) }, (err, key) => {
      if (err) reject(new KeyringError('corrupt', 'the keyring key derivation failed', { cause: err }))
      else resolve(key)
    })
  })
}

function encrypt(key: Buffer, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([iv, body, cipher.getAuthTag()])
}

/** Decrypts `iv ‖ ciphertext ‖ tag`; undefined when it does not authenticate. */
function decrypt(key: Buffer, box: Buffer, aad: Uint8Array): Buffer | undefined {
  if (box.length < IV_BYTES + TAG_BYTES) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(box.subarray(box.length - TAG_BYTES))
    return Buffer.concat([decipher.update(box.subarray(IV_BYTES, box.length - TAG_BYTES)), decipher.final()])
  } catch {
    return undefined
  }
}

function checkPassword(password: unknown, what: string): asserts password is string {
  if (typeof password !== 'string' || password === '') throw new TypeError(`${what} must be a non-empty string`)
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0
}

function parseMeta(text: string): KeyringMeta {
  let meta: unknown
  try {
    meta = JSON.parse(text)
  } catch {
    throw new KeyringError('corrupt', CORRUPT_META)
  }
  const m = meta as Partial<KeyringMeta> | null
  const kdf = m?.kdf as Partial<KdfParams> | undefined
  const valid =
    (m?.v === 1 || m?.v === 2) &&
    typeof m.wrapped === 'string' &&
    kdf?.name === 'scrypt' &&
    typeof kdf.salt === 'string' &&
    Buffer.from(kdf.salt, 'base64url').length >= SALT_BYTES &&
    typeof kdf.N === 'number' &&
    isPowerOfTwo(kdf.N) &&
    kdf.N >= 2 ** KDF_LIMITS.minLogN &&
    kdf.N <= 2 ** KDF_LIMITS.maxLogN &&
    Number.isInteger(kdf.r) &&
    kdf.r! >= 1 &&
    kdf.r! <= KDF_LIMITS.maxR &&
    Number.isInteger(kdf.p) &&
    kdf.p! >= 1 &&
    kdf.p! <= KDF_LIMITS.maxP &&
    scryptMemory(kdf as KdfParams) <= KDF_LIMITS.maxMemory
  if (!valid) throw new KeyringError('corrupt', CORRUPT_META)
  return m as KeyringMeta
}

async function wrapDataKey(
  dataKey: Buffer,
  password: string,
  version: KeyringMeta['v'],
  cost: Pick<KdfParams, 'N' | 'r' | 'p'> = DEFAULT_KDF,
): Promise<string> {
  const kdf: KdfParams = { name: 'scrypt', N: cost.N, r: cost.r, p: cost.p, salt: randomBytes(SALT_BYTES).toString('base64url') }
  const kek = await deriveKek(password, kdf)
  const meta: KeyringMeta = { v: version, kdf, wrapped: encrypt(kek, dataKey, WRAP_AAD[version]).toString('base64url') }
  return JSON.stringify(meta)
}

async function unwrapDataKey(metaText: string, password: string): Promise<{ dataKey: Buffer; meta: KeyringMeta }> {
  const meta = parseMeta(metaText)
  const kek = await deriveKek(password, meta.kdf)
  const dataKey = decrypt(kek, Buffer.from(meta.wrapped, 'base64url'), WRAP_AAD[meta.v])
  // GCM cannot tell a wrong key from a damaged box; a wrong password is by far the likelier.
  if (!dataKey) throw new KeyringError('wrong_password', WRONG_PASSWORD)
  if (dataKey.length !== KEY_BYTES) throw new KeyringError('corrupt', CORRUPT_META)
  return { dataKey, meta }
}

function sealAad(aad: string): Buffer {
  return Buffer.from(`${SEAL_VERSION}:${aad}`, 'utf8')
}

function keyringFor(dataKey: Buffer, version: KeyringMeta['v']): Keyring {
  const macKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), MAC_INFO, KEY_BYTES))
  return {
    authenticatesRows: version === 2,
    mac(label, data) {
      return createHmac('sha256', macKey).update(label).update('\u0000').update(data).digest('base64url')
    },
    seal(plaintext, aad) {
      if (typeof aad !== 'string') throw new TypeError('seal needs an aad string')
      return `${SEAL_VERSION}.${encrypt(dataKey, plaintext, sealAad(aad)).toString('base64url')}`
    },
    open(sealed, aad) {
      if (typeof aad !== 'string') throw new TypeError('open needs an aad string')
      const [version, box, extra] = typeof sealed === 'string' ? sealed.split('.') : []
      const plaintext =
        version === SEAL_VERSION && box !== undefined && extra === undefined
          ? decrypt(dataKey, Buffer.from(box, 'base64url'), sealAad(aad))
          : undefined
      if (!plaintext) throw new KeyringError('corrupt', CORRUPT_SEALED)
      return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)
    },
  }
}

/**
 * Creates a keyring with a fresh random data key, wrapped under `password`.
 *
 * @returns the keyring, and the meta text to store under {@link KEYRING_META}.
 * @example
 * ```ts
 * const { keyring, meta } = await createKeyring(password)
 * await store.initMeta({ [KEYRING_META]: meta })
 * const sealed = keyring.seal(new TextEncoder().encode(JSON.stringify(privateJwk)), `key:${kid}:${id}`)
 * ```
 */
export async function createKeyring(password: string): Promise<{ keyring: Keyring; meta: string }> {
  checkPassword(password, 'the password')
  const dataKey = randomBytes(KEY_BYTES)
  return { keyring: keyringFor(dataKey, 2), meta: await wrapDataKey(dataKey, password, 2) }
}

/**
 * Unlocks the keyring of a store with its password.
 *
 * @throws KeyringError `wrong_password` ("wrong password: the store was not changed"), or
 * `corrupt` when the meta text is damaged.
 * @example
 * ```ts
 * const keyring = await unlockKeyring((await store.getMeta(KEYRING_META))!, password)
 * ```
 */
export async function unlockKeyring(meta: string, password: string): Promise<Keyring> {
  checkPassword(password, 'the password')
  const unwrapped = await unwrapDataKey(meta, password)
  return keyringFor(unwrapped.dataKey, unwrapped.meta.v)
}

/**
 * Rewraps a v1 keyring's data key as v2 (same password and scrypt cost), once every clear
 * row of its store carries a MAC.
 *
 * @returns the keyring, now authenticating rows, and the meta text to store in place of the old.
 * @example
 * ```ts
 * const upgraded = await upgradeKeyring(meta, password)
 * await store.setMeta({ [KEYRING_META]: upgraded.meta })
 * ```
 */
export async function upgradeKeyring(meta: string, password: string): Promise<{ keyring: Keyring; meta: string }> {
  checkPassword(password, 'the password')
  const unwrapped = await unwrapDataKey(meta, password)
  return {
    keyring: keyringFor(unwrapped.dataKey, 2),
    meta: await wrapDataKey(unwrapped.dataKey, password, 2, unwrapped.meta.kdf),
  }
}

/**
 * Wraps the same data key under a new password (with a new salt), so every sealed value
 * stays valid and opens only through the new password.
 *
 * @returns the new meta text, to store under {@link KEYRING_META} in place of the old.
 * @throws KeyringError as {@link unlockKeyring} does for the old password.
 * @example
 * ```ts
 * const meta = await rewrapKeyring(oldMeta, oldPassword, newPassword)
 * await store.setMeta({ [KEYRING_META]: meta })
 * ```
 */
export async function rewrapKeyring(meta: string, oldPassword: string, newPassword: string): Promise<string> {
  checkPassword(oldPassword, 'the old password')
  checkPassword(newPassword, 'the new password')
  const unwrapped = await unwrapDataKey(meta, oldPassword)
  return wrapDataKey(unwrapped.dataKey, newPassword, unwrapped.meta.v)
}
