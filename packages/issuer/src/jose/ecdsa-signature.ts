/**
 * ECDSA signatures between JOSE's form, IEEE P1363 `r || s` with each half as long as a
 * coordinate, and the DER `SEQUENCE { INTEGER r, INTEGER s }` that OpenSSL signs and
 * verifies. node:crypto converts too (`dsaEncoding: 'ieee-p1363'`), but on Node 24 its
 * conversion nearly doubles the cost of an ES256 signature; here it is a few byte copies.
 */

/** The DER length octets of `length` (at most 255, enough for P-521). */
function derLength(length: number): number[] {
  return length < 0x80 ? [length] : [0x81, length]
}

/** One half of a P1363 signature as a DER INTEGER: minimal, and positive. */
function derInteger(half: Uint8Array): number[] {
  let first = 0
  while (first < half.length - 1 && half[first] === 0) first++
  const body = Array.from(half.subarray(first))
  if (body[0]! >= 0x80) body.unshift(0)
  return [0x02, ...derLength(body.length), ...body]
}

/**
 * A P1363 signature as DER, for node:crypto's verify. Out-of-range halves (0, or n and
 * above) convert faithfully, and OpenSSL refuses them as it would refuse the P1363 form.
 *
 * @throws Error for an empty signature or one of odd length.
 * @example
 * ```ts
 * verify('sha256', input, publicKey, p1363ToDer(signature))
 * ```
 */
export function p1363ToDer(signature: Uint8Array): Buffer {
  if (signature.length === 0 || signature.length % 2 !== 0) throw new Error('an ECDSA signature has two equal halves')
  const size = signature.length / 2
  const content = [...derInteger(signature.subarray(0, size)), ...derInteger(signature.subarray(size))]
  return Buffer.from([0x30, ...derLength(content.length), ...content])
}

/** Reads a DER length at `offset`: the length and where the content starts. */
function readLength(der: Uint8Array, offset: number): { length: number; start: number } {
  const first = der[offset]
  if (first === undefined) throw new Error('the DER signature is truncated')
  if (first < 0x80) return { length: first, start: offset + 1 }
  if (first === 0x81 && der[offset + 1] !== undefined && der[offset + 1]! >= 0x80) {
    return { length: der[offset + 1]!, start: offset + 2 }
  }
  throw new Error('the DER signature has a length it should not')
}

/**
 * A DER signature (as node:crypto's sign makes it) as P1363, each half `size` bytes.
 *
 * @throws Error when the input is not one DER sequence of two integers that fit `size`.
 * @example
 * ```ts
 * const signature = derToP1363(sign('sha256', input, privateKey), 32)
 * ```
 */
export function derToP1363(der: Uint8Array, size: number): Buffer {
  if (der[0] !== 0x30) throw new Error('the DER signature is not a sequence')
  const sequence = readLength(der, 1)
  if (sequence.start + sequence.length !== der.length) throw new Error('the DER signature has the wrong length')
  const out = Buffer.alloc(size * 2)
  let offset = sequence.start
  for (let half = 0; half < 2; half++) {
    if (der[offset] !== 0x02) throw new Error('the DER signature holds something other than an integer')
    const { length, start } = readLength(der, offset + 1)
    let first = start
    const end = start + length
    if (end > der.length) throw new Error('the DER signature is truncated')
    while (first < end && der[first] === 0) first++
    if (end - first > size) throw new Error('a DER signature integer does not fit the curve')
    out.set(der.subarray(first, end), half * size + size - (end - first))
    offset = end
  }
  if (offset !== der.length) throw new Error('the DER signature has bytes after its integers')
  return out
}
