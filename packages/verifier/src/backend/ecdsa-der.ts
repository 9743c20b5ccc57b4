/// <reference types="node" />
import { Buffer } from 'node:buffer'

/**
 * An ECDSA signature in JOSE's IEEE P1363 form (`r || s`, each half a coordinate long) as
 * the DER `SEQUENCE { INTEGER r, INTEGER s }` node:crypto verifies natively. node:crypto
 * can read P1363 itself (`dsaEncoding: 'ieee-p1363'`), but on Node 24 that makes an ES256
 * verification 40% slower; this is a few byte copies. The verifier has already checked
 * that both halves lie in [1, n-1], so each integer is positive and at most one byte longer
 * than a half, and the sequence of P-521's stays under 256 bytes.
 *
 * @throws TypeError for an empty signature or one of odd length.
 */
export function p1363ToDer(signature: Uint8Array): Buffer {
  // Never reached after the range check; a caller without it must not get a byte dropped.
  if (signature.length === 0 || signature.length % 2 !== 0) throw new TypeError('an ECDSA signature has two equal halves')
  const size = signature.length / 2
  const r = integerBounds(signature, 0, size)
  const s = integerBounds(signature, size, size)
  const content = 2 + r.length + 2 + s.length
  const header = content < 0x80 ? 2 : 3
  const der = Buffer.allocUnsafe(header + content)
  der[0] = 0x30
  if (header === 2) der[1] = content
  else {
    der[1] = 0x81
    der[2] = content
  }
  const afterR = writeInteger(der, header, signature, r)
  writeInteger(der, afterR, signature, s)
  return der
}

interface IntegerBounds {
  /** Where the half's significant bytes start. */
  start: number
  end: number
  /** Whether a zero byte goes first, to keep the integer positive. */
  pad: boolean
  /** The DER integer's content length. */
  length: number
}

function integerBounds(signature: Uint8Array, offset: number, size: number): IntegerBounds {
  const end = offset + size
  let start = offset
  while (start < end - 1 && signature[start] === 0) start++
  const pad = signature[start]! >= 0x80
  return { start, end, pad, length: end - start + (pad ? 1 : 0) }
}

function writeInteger(der: Buffer, at: number, signature: Uint8Array, bounds: IntegerBounds): number {
  der[at] = 0x02
  der[at + 1] = bounds.length
  let next = at + 2
  if (bounds.pad) der[next++] = 0
  der.set(signature.subarray(bounds.start, bounds.end), next)
  return next + bounds.end - bounds.start
}
