const APPLICATION = 'application/'

/**
 * Builds the `typ` check for an expected media type. RFC 7515 lets `typ` omit the
 * `application/` prefix when no other slash appears, and media types compare
 * case-insensitively: `at+jwt`, `AT+JWT` and `application/at+jwt` are one type.
 */
export function createTypCheck(expected: string): (typ: unknown) => boolean {
  const full = (expected.includes('/') ? expected : APPLICATION + expected).toLowerCase()
  const rest = full.startsWith(APPLICATION) ? full.slice(APPLICATION.length) : undefined
  const short = rest !== undefined && !rest.includes('/') ? rest : undefined
  return (typ) => {
    if (typeof typ !== 'string') return false
    if (typ.length === full.length) return typ.toLowerCase() === full
    return short !== undefined && typ.length === short.length && typ.toLowerCase() === short
  }
}
