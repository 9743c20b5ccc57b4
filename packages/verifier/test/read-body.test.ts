import { describe, expect, it } from 'vitest'
import { discardBody, readBoundedText } from '../src/read-body.js'

class TooLarge extends Error {}
class NotUtf8 extends Error {}
const errors = { tooLarge: () => new TooLarge('too large'), notUtf8: () => new NotUtf8('not UTF-8') }

/** A body streamed in chunks (no Content-Length unless given); records what was pulled and whether it was cancelled. */
function streamed(
  chunks: Uint8Array[],
  headers: Record<string, string> = {},
): { response: Response; cancelled: () => boolean; pulled: () => number } {
  let cancelled = false
  let pulled = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[pulled++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(chunk)
    },
    cancel() {
      cancelled = true
    },
  })
  return { response: new Response(stream, { headers }), cancelled: () => cancelled, pulled: () => pulled }
}

describe('readBoundedText', () => {
  it('reads a body up to the limit as UTF-8 text', async () => {
    const text = '{"keys":[],"name":"Zoë"}'
    const bytes = new TextEncoder().encode(text)
    const { response } = streamed([bytes.subarray(0, 5), bytes.subarray(5)])
    expect(await readBoundedText(response, bytes.length, errors)).toBe(text)
  })

  it('stops and cancels as soon as the streamed bytes pass the limit', async () => {
    const chunk = new Uint8Array(600).fill(0x20)
    const { response, cancelled, pulled } = streamed([chunk, chunk, chunk, chunk])
    await expect(readBoundedText(response, 1000, errors)).rejects.toBeInstanceOf(TooLarge)
    expect(cancelled()).toBe(true)
    expect(pulled()).toBeLessThan(4)
  })

  it('refuses a declared Content-Length over the limit without reading', async () => {
    const { response, cancelled } = streamed([new Uint8Array(10)], { 'content-length': '100' })
    await expect(readBoundedText(response, 99, errors)).rejects.toBeInstanceOf(TooLarge)
    expect(cancelled()).toBe(true)
  })

  it('refuses bytes that are not UTF-8', async () => {
    const { response } = streamed([Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])])
    await expect(readBoundedText(response, 100, errors)).rejects.toBeInstanceOf(NotUtf8)
  })

  it('answers undefined for a response without a body', async () => {
    expect(await readBoundedText(new Response(null, { status: 204 }), 100, errors)).toBeUndefined()
  })
})

describe('discardBody', () => {
  it('cancels an unread body, and does not throw for one already used or absent', async () => {
    const { response, cancelled } = streamed([new Uint8Array(10)])
    await discardBody(response)
    expect(cancelled()).toBe(true)
    const used = new Response('done')
    await used.text()
    await discardBody(used)
    await discardBody(new Response(null))
  })
})
