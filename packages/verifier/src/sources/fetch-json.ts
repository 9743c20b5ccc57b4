import { parseJsonObject } from '../parse/json.js'

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
    await response.body?.cancel().catch(() => undefined)
    throw new Error(`HTTP status ${response.status}`)
  }
  const text = await readText(response, options.maxBytes)
  const value = parseJsonObject(text)
  if (typeof value === 'string') throw new Error(`the response ${value}`)
  return value
}

async function readText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new Error(`the response is larger than ${maxBytes} bytes`)
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new Error(`the response is larger than ${maxBytes} bytes`)
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
    throw new Error('the response is not UTF-8')
  }
}
