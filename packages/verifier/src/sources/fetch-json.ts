import { parseJsonObject } from '../parse/json.js'
import { discardBody, readBoundedText } from '../read-body.js'

/** Limits of {@link fetchJsonObject}. */
export interface FetchJsonOptions {
  /** Milliseconds before the request is abandoned. */
  timeoutMs: number
  /** Largest accepted body, in bytes. */
  maxBytes: number
}

/**
 * GETs a JSON object: status 200 only (redirects are not followed), a body of at most
 * `maxBytes` read as a stream, strict JSON (no duplicate members). Rejects with an Error
 * whose message names the problem, never the body.
 */
export async function fetchJsonObject(url: URL, options: FetchJsonOptions): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs),
    headers: { accept: 'application/json' },
  })
  if (response.status !== 200) {
    await discardBody(response)
    throw new Error(`HTTP status ${response.status}`)
  }
  const text = await readBoundedText(response, options.maxBytes, {
    tooLarge: () => new Error(`the response is larger than ${options.maxBytes} bytes`),
    notUtf8: () => new Error('the response is not UTF-8'),
  })
  const value = parseJsonObject(text ?? '')
  if (typeof value === 'string') throw new Error(`the response ${value}`)
  return value
}
