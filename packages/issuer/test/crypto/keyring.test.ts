import { describe, expect, it } from 'vitest'
import {
  createKeyring,
  KEYRING_META,
  type Keyring,
  KeyringError,
  rewrapKeyring,
  unlockKeyring,
  upgradeKeyring,
} from '../../src/crypto/keyring.js'
import { legacyKeyringMeta } from '../helpers/legacy-keyring.js'

const PASSWORD = 'correct horse battery staple'
const encode = (text: string): Uint8Array => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** Flips one bit of the sealed box at `index` (a byte offset into the decoded box). */
function flipBit(sealed: string, index: number): string {
  const [version, box] = sealed.split('.') as [string, string]
  const bytes = Buffer.from(box, 'base64url')
  bytes[index % bytes.length]! ^= 0x01
  return `${version}.${bytes.toString('base64url')}`
}

async function keyringError(promise: Promise<unknown>): Promise<KeyringError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KeyringError)
  return err as KeyringError
}

function openError(keyring: Keyring, sealed: string, aad: string): KeyringError {
  let caught: unknown
  try {
    keyring.open(sealed, aad)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(KeyringError)
  expect((caught as KeyringError).code).toBe('corrupt')
  return caught as KeyringError
}

describe('createKeyring', () => {
  it('stores scrypt parameters, a 16-byte salt and the wrapped data key, never the password', async () => {
    const { meta } = await createKeyring(PASSWORD)
    const parsed = JSON.parse(meta)
    expect(parsed).toMatchObject({ v: 2, kdf: { name: 'scrypt', N: 2 ** 17, r: 8, p: 1 } })
    expect(Buffer.from(parsed.kdf.salt, 'base64url')).toHaveLength(16)
    // 12-byte IV, 32-byte data key, 16-byte tag.
    expect(Buffer.from(parsed.wrapped, 'base64url')).toHaveLength(60)
    expect(meta).not.toContain(PASSWORD)
    expect(KEYRING_META).toBe('keyring')
  })

  it('makes a new data key and salt each time', async () => {
    const [one, two] = await Promise.all([createKeyring(PASSWORD), createKeyring(PASSWORD)])
    expect(JSON.parse(one.meta).kdf.salt).not.toBe(JSON.parse(two.meta).kdf.salt)
    const sealed = one.keyring.seal(encode('secret'), 'aad')
    openError(two.keyring, sealed, 'aad')
  })

  it('refuses an empty password', async () => {
    await expect(createKeyring('')).rejects.toThrow(TypeError)
  })
})

describe('seal and open', () => {
  it('round-trips text, binary and empty values', async () => {
    const { keyring } = await createKeyring(PASSWORD)
    const binary = new Uint8Array(256).map((_, i) => i)
    for (const value of [encode('{"kty":"EC","d":"private"}'), binary, new Uint8Array(0), encode('é ✓')]) {
      const sealed = keyring.seal(value, 'key:shop:abc')
      expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/)
      expect(Buffer.from(keyring.open(sealed, 'key:shop:abc'))).toEqual(Buffer.from(value))
    }
  })

  it('uses a fresh IV each time and hides the plaintext', async () => {
    const { keyring } = await createKeyring(PASSWORD)
    const one = keyring.seal(encode('private key material'), 'aad')
    const two = keyring.seal(encode('private key material'), 'aad')
    expect(one).not.toBe(two)
    expect(Buffer.from(one.split('.')[1]!, 'base64url').toString('latin1')).not.toContain('private key')
  })

  it('refuses another aad', async () => {
    const { keyring } = await createKeyring(PASSWORD)
    const sealed = keyring.seal(encode('secret'), 'key:shop:abc')
    for (const aad of ['key:shop:abd', 'key:blog:abc', '', 'key:shop:abc ']) openError(keyring, sealed, aad)
  })

  it('refuses any altered bit, in the IV, the ciphertext or the tag', async () => {
    const { keyring } = await createKeyring(PASSWORD)
    const sealed = keyring.seal(encode('a secret of some length'), 'aad')
    const length = Buffer.from(sealed.split('.')[1]!, 'base64url').length
    for (let i = 0; i < length; i++) openError(keyring, flipBit(sealed, i), 'aad')
  })

  it('refuses truncated, extended and malformed values, without echoing them', async () => {
    const { keyring } = await createKeyring(PASSWORD)
    const sealed = keyring.seal(encode('secret'), 'aad')
    const [, box] = sealed.split('.') as [string, string]
    const damaged = [
      sealed.slice(0, -4),
      `${sealed}AAAA`,
      `v2.${box}`,
      box,
      `${sealed}.x`,
      '',
      'v1.',
      `v1.${box.slice(0, 10)}`,
    ]
    for (const value of damaged) {
      const { message } = openError(keyring, value, 'aad')
      if (value.length > 8) expect(message).not.toContain(value)
    }
  })
})

describe('unlockKeyring', () => {
  it('opens what the created keyring sealed', async () => {
    const { keyring, meta } = await createKeyring(PASSWORD)
    const sealed = keyring.seal(encode('secret'), 'aad')
    const unlocked = await unlockKeyring(meta, PASSWORD)
    expect(decode(unlocked.open(sealed, 'aad'))).toBe('secret')
    expect(decode(keyring.open(unlocked.seal(encode('back'), 'aad'), 'aad'))).toBe('back')
  })

  it('refuses a wrong password with a clear message that carries no secret', async () => {
    const { meta } = await createKeyring(PASSWORD)
    for (const wrong of ['correct horse battery stapler', 'CORRECT HORSE BATTERY STAPLE', 'x']) {
      const err = await keyringError(unlockKeyring(meta, wrong))
      expect(err.code).toBe('wrong_password')
      expect(err.message).toBe('wrong password: the store was not changed')
      expect(err.message).not.toContain(wrong)
    }
    await expect(unlockKeyring(meta, '')).rejects.toThrow(TypeError)
  })

  it('reports damaged meta as corrupt', async () => {
    const { meta } = await createKeyring(PASSWORD)
    const good = JSON.parse(meta)
    const damaged = [
      '',
      'not json',
      meta.slice(0, -2),
      'null',
      JSON.stringify({ ...good, v: 3 }),
      JSON.stringify({ ...good, kdf: { ...good.kdf, name: 'pbkdf2' } }),
      JSON.stringify({ ...good, kdf: { ...good.kdf, N: 30000 } }),
      // Parameters that would take gigabytes or hours are refused before any work.
      JSON.stringify({ ...good, kdf: { ...good.kdf, N: 2 ** 30 } }),
      JSON.stringify({ ...good, kdf: { ...good.kdf, r: 1000 } }),
      JSON.stringify({ ...good, kdf: { ...good.kdf, salt: 'c2hvcnQ' } }),
      JSON.stringify({ ...good, wrapped: 42 }),
      JSON.stringify({ v: 1 }),
    ]
    for (const text of damaged) {
      const err = await keyringError(unlockKeyring(text, PASSWORD))
      expect(err.code).toBe('corrupt')
    }
  })

  it('cannot unwrap a tampered data key', async () => {
    const { meta } = await createKeyring(PASSWORD)
    const parsed = JSON.parse(meta)
    const wrapped = Buffer.from(parsed.wrapped, 'base64url')
    wrapped[20]! ^= 0x80
    const tampered = JSON.stringify({ ...parsed, wrapped: wrapped.toString('base64url') })
    // GCM cannot tell tampering from a wrong key; either way nothing is unlocked.
    expect((await keyringError(unlockKeyring(tampered, PASSWORD))).code).toBe('wrong_password')
  })

  it('honours the parameters stored in the meta', async () => {
    const { meta } = await createKeyring(PASSWORD)
    const parsed = JSON.parse(meta)
    // Same password, other cost: a different derived key, so unwrapping fails.
    const changed = JSON.stringify({ ...parsed, kdf: { ...parsed.kdf, N: 2 ** 14 } })
    expect((await keyringError(unlockKeyring(changed, PASSWORD))).code).toBe('wrong_password')
  })
})

describe('keyrings made before rows carried MACs (v1, scrypt N 2^15)', () => {
  it('still open with their own parameters, and say they do not authenticate rows yet', async () => {
    const meta = legacyKeyringMeta(PASSWORD)
    const keyring = await unlockKeyring(meta, PASSWORD)
    expect(keyring.authenticatesRows).toBe(false)
    expect((await keyringError(unlockKeyring(meta, 'not it'))).code).toBe('wrong_password')
  })

  it('upgrade to v2 with the same data key and scrypt cost', async () => {
    const meta = legacyKeyringMeta(PASSWORD)
    const old = await unlockKeyring(meta, PASSWORD)
    const sealed = old.seal(encode('private jwk'), 'key:shop:1')
    const upgraded = await upgradeKeyring(meta, PASSWORD)
    expect(JSON.parse(upgraded.meta)).toMatchObject({ v: 2, kdf: { N: 2 ** 15, r: 8, p: 1 } })
    const reopened = await unlockKeyring(upgraded.meta, PASSWORD)
    expect(reopened.authenticatesRows).toBe(true)
    expect(decode(reopened.open(sealed, 'key:shop:1'))).toBe('private jwk')
    expect(reopened.mac('client', 'row')).toBe(old.mac('client', 'row'))
  })

  it('cannot be lowered back to v1 without the password', async () => {
    const { meta } = await createKeyring(PASSWORD)
    const lowered = JSON.stringify({ ...JSON.parse(meta), v: 1 })
    expect((await keyringError(unlockKeyring(lowered, PASSWORD))).code).toBe('wrong_password')
  })
})

describe('Keyring.mac', () => {
  it('depends on the label, the data and the data key', async () => {
    const [one, two] = await Promise.all([createKeyring(PASSWORD), createKeyring(PASSWORD)])
    const mac = one.keyring.mac('client', 'row')
    expect(mac).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(one.keyring.mac('client', 'row')).toBe(mac)
    expect(one.keyring.mac('admin token hash', 'row')).not.toBe(mac)
    expect(one.keyring.mac('client', 'rov')).not.toBe(mac)
    expect(two.keyring.mac('client', 'row')).not.toBe(mac)
  })
})

describe('rewrapKeyring', () => {
  it('keeps the data key: old sealed values open with the new password, not the old one', async () => {
    const { keyring, meta } = await createKeyring(PASSWORD)
    const sealed = keyring.seal(encode('private jwk'), 'key:shop:1')
    const newMeta = await rewrapKeyring(meta, PASSWORD, 'a new password')

    expect(JSON.parse(newMeta).kdf.salt).not.toBe(JSON.parse(meta).kdf.salt)
    expect(newMeta).not.toContain('a new password')
    const unlocked = await unlockKeyring(newMeta, 'a new password')
    expect(decode(unlocked.open(sealed, 'key:shop:1'))).toBe('private jwk')
    expect(decode(keyring.open(unlocked.seal(encode('later'), 'x'), 'x'))).toBe('later')

    const err = await keyringError(unlockKeyring(newMeta, PASSWORD))
    expect(err.code).toBe('wrong_password')
  })

  it('refuses a wrong old password', async () => {
    const { meta } = await createKeyring(PASSWORD)
    const err = await keyringError(rewrapKeyring(meta, 'not it', 'new'))
    expect(err.code).toBe('wrong_password')
    await expect(rewrapKeyring(meta, PASSWORD, '')).rejects.toThrow(TypeError)
  })
})
