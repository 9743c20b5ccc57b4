const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Value of each base64url character by char code; -1 for every other character. */
const VALUES: Int8Array = (() => {
  const values = new Int8Array(128).fill(-1)
  for (let i = 0; i < ALPHABET.length; i++) values[ALPHABET.charCodeAt(i)] = i
  return values
})()

/**
 * True when base64url text of this length, ending in this character, leaves no non-zero
 * trailing bits (and has a possible length). With the alphabet checked elsewhere, this
 * makes the encoding canonical.
 */
export function hasCanonicalEnd(text: string, start: number, end: number): boolean {
  const rest = (end - start) & 3
  if (rest === 0) return true
  if (rest === 1) return false
  const last = VALUES[text.charCodeAt(end - 1) & 127]!
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

/**
 * True when `text` is base64url without padding whose trailing bits are zero, so that
 * exactly one string encodes each byte sequence. Non-canonical forms are refused because
 * they let the same signed bytes travel as several distinct tokens.
 */
export function isCanonicalBase64Url(text: string): boolean {
  const length = text.length
  const rest = length & 3
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i)
    if (code > 127 || VALUES[code]! < 0) return false
  }
  if (rest === 0) return true
  if (rest === 1) return false
  const last = VALUES[text.charCodeAt(length - 1)]!
  return rest === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0
}

/**
 * Decodes base64url without padding into bytes. Throws a TypeError on any character
 * outside the alphabet or an impossible length; callers check canonical form first.
 */
export function decodeBase64Url(text: string): Uint8Array {
  const length = text.length
  if ((length & 3) === 1) throw new TypeError('invalid base64url length')
  const out = new Uint8Array((length * 3) >>> 2)
  let invalid = 0
  let o = 0
  let i = 0
  for (; i + 4 <= length; i += 4) {
    const a = value(text, i)
    const b = value(text, i + 1)
    const c = value(text, i + 2)
    const d = value(text, i + 3)
    invalid |= a | b | c | d
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = n >>> 16
    out[o++] = (n >>> 8) & 0xff
    out[o++] = n & 0xff
  }
  const rest = length - i
  if (rest >= 2) {
    const a = value(text, i)
    const b = value(text, i + 1)
    const c = rest === 3 ? value(text, i + 2) : 0
    invalid |= a | b | c
    const n = (a << 18) | (b << 12) | (c << 6)
    out[o++] = n >>> 16
    if (rest === 3) out[o++] = (n >>> 8) & 0xff
  }
  if (invalid < 0) throw new TypeError('invalid base64url character')
  return out
}

function value(text: string, index: number): number {
  const code = text.charCodeAt(index)
  return code < 128 ? VALUES[code]! : -1
}

/** Encodes bytes as base64url without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]! + ALPHABET[(n >>> 6) & 63]! + ALPHABET[n & 63]!
  }
  const rest = bytes.length - i
  if (rest > 0) {
    const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0)
    out += ALPHABET[n >>> 18]! + ALPHABET[(n >>> 12) & 63]!
    if (rest === 2) out += ALPHABET[(n >>> 6) & 63]!
  }
  return out
}
