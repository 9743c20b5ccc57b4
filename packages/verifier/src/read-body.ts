/** The errors {@link readBoundedText} throws, made by the caller so that each names its own document. */
export interface BodyErrors {
  /** The body is (or says it is) larger than allowed. */
  tooLarge(): Error
  /** The body is not UTF-8. */
  notUtf8(): Error
}

/**
 * Reads a response body as UTF-8 text of at most `maxBytes` bytes. The size is counted
 * while streaming, whatever `Content-Length` claims, and a body that claims or reaches
 * more is cancelled at once. Resolves with undefined when the response has no body.
 */
export async function readBoundedText(
  response: Response,
  maxBytes: number,
  errors: BodyErrors,
): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await discardBody(response)
    throw errors.tooLarge()
  }
  if (response.body === null) return undefined
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw errors.tooLarge()
    }
    chunks.push(value)
  }
  const body = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch {
    throw errors.notUtf8()
  }
}

/** Releases a body that will not be read. */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel()
  } catch {
    // The body may already be errored; there is nothing left to release.
  }
}
