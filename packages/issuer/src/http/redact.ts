// Tokens, JWS/JWE segments and key parameters are long base64url runs; nothing a log line
// needs to explain a failure looks like one.
const SECRET_LIKE = /[A-Za-z0-9_-]{24,}/g

/** Replaces anything shaped like a token or key material with `[redacted]`. */
export function redact(text: string): string {
  return text.replace(SECRET_LIKE, '[redacted]')
}

/**
 * A one-line server-side account of an unexpected error: its name, code and message, with
 * anything secret-shaped redacted. Never the stack of a library that may echo input.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return redact(`non-error thrown: ${typeof err}`)
  const code = (err as { code?: unknown }).code
  const parts = [err.name, typeof code === 'string' ? `[${code}]` : '', err.message].filter((p) => p !== '')
  const where = err.stack?.split('\n').find((line) => line.trimStart().startsWith('at '))?.trim()
  const cause = err.cause === undefined ? '' : `; caused by ${describeError(err.cause)}`
  return redact(`${parts.join(' ')}${where !== undefined ? ` (${where})` : ''}${cause}`)
}
