/** Curve orders n, big-endian, padded to the curve's coordinate length. */
const ORDERS: Readonly<Record<string, Uint8Array>> = {
  ES256: hex('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
  ES384: hex(
    'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
  ),
  ES512: hex(
    '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409',
  ),
}

function hex(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16)
  return bytes
}

/** True when the alg is ECDSA, whose signatures get the range check below. */
export function isEcdsa(alg: string): boolean {
  return Object.hasOwn(ORDERS, alg)
}

/**
 * True when an IEEE P1363 ECDSA signature (r || s) has the curve's exact length and
 * 0 < r < n and 0 < s < n. Checked before any verify call: r = s = 0 once passed a
 * runtime's verify (CVE-2022-21449), and no valid signature lies outside this range.
 */
export function isEcdsaSignatureInRange(alg: string, signature: Uint8Array): boolean {
  const order = ORDERS[alg]
  if (order === undefined) return false
  const size = order.length
  if (signature.length !== size * 2) return false
  return isInRange(signature, 0, order) && isInRange(signature, size, order)
}

function isInRange(signature: Uint8Array, offset: number, order: Uint8Array): boolean {
  const size = order.length
  let first = 0
  while (first < size && signature[offset + first] === 0) first++
  if (first === size) return false
  for (let i = 0; i < size; i++) {
    const byte = signature[offset + i]!
    const limit = order[i]!
    if (byte !== limit) return byte < limit
  }
  return false
}
