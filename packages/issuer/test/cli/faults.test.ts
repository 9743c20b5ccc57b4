import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { api, assertBuilt, startServer, tempDir } from './helpers.js'

const PASSWORD = 'faults-test-password-0001'
const ADMIN = 'faults-test-admin-token-0000000000000000001'
const BURST = 400
/** Responses to wait for before the kill, so that the rest of the burst is in flight. */
const KILL_AFTER = 40

let dir: ReturnType<typeof tempDir>
beforeAll(() => {
  assertBuilt()
  dir = tempDir()
})
afterAll(() => dir?.remove())

interface Outcome {
  status: number | 'failed'
  body?: Record<string, unknown>
}

/**
 * Fires `count` requests at once and SIGKILLs the server after `killAfter` of them answered.
 * Requests cut by the kill end as 'failed'.
 */
async function burstThenKill(
  count: number,
  killAfter: number,
  send: (i: number) => Promise<{ status: number; body: Record<string, unknown> }>,
  kill: () => void,
): Promise<Outcome[]> {
  let answered = 0
  return Promise.all(
    Array.from({ length: count }, async (_, i): Promise<Outcome> => {
      try {
        const result = await send(i)
        answered++
        if (answered === killAfter) kill()
        return result
      } catch {
        return { status: 'failed' }
      }
    }),
  )
}

describe('kill -9 in the middle of a burst', () => {
  it('keeps every refresh token that was answered with 200, issued or renewed', { timeout: 90_000 }, async () => {
    const db = join(dir.path, 'faults.db')
    const args = ['-l', '127.0.0.1:0', '-d', db, '-p', PASSWORD, '--adminToken', ADMIN]

    // 1. A client, then a burst of issues cut by SIGKILL.
    let server = await startServer(args)
    const registered = await api(server.url, 'POST', '/register/shop', ADMIN, {})
    expect(registered.status).toBe(201)
    const clientToken = registered.body.client_token as string
    const issue = (url: string) => (i: number) =>
      api(url, 'POST', '/issue_token', clientToken, { kid: 'shop', claims: { sub: `user-${i}` } })
    const issued = await burstThenKill(BURST, KILL_AFTER, issue(server.url), () => server.child.kill('SIGKILL'))
    expect((await server.exited).signal).toBe('SIGKILL')
    const issuedOk = issued.filter((o) => o.status === 200)
    // The kill must have cut the burst, or this test proved nothing.
    expect(issued.some((o) => o.status === 'failed')).toBe(true)
    expect(issuedOk.length).toBeGreaterThanOrEqual(KILL_AFTER)
    // Nothing but success or a cut connection: no error answers under load.
    expect(issued.every((o) => o.status === 200 || o.status === 'failed')).toBe(true)

    // 2. Restart: every issued token that was answered with 200 renews.
    server = await startServer(args)
    const renew = (url: string, tokens: string[]) => (i: number) =>
      api(url, 'POST', '/renew_token', clientToken, { kid: 'shop', refresh_token: tokens[i] })
    const issuedTokens = issuedOk.map((o) => o.body?.refresh_token as string)
    const afterIssue = await Promise.all(issuedTokens.map((_, i) => renew(server.url, issuedTokens)(i)))
    expect(afterIssue.map((r) => r.status)).toEqual(issuedTokens.map(() => 200))

    // 3. A burst of renews (those new tokens, and more families to make a full burst), cut by SIGKILL.
    const more = await Promise.all(
      Array.from({ length: BURST - afterIssue.length }, (_, i) => issue(server.url)(BURST + i)),
    )
    expect(more.every((r) => r.status === 200)).toBe(true)
    const renewedTokens = [...afterIssue, ...more].map((r) => r.body.refresh_token as string)
    const renewed = await burstThenKill(renewedTokens.length, KILL_AFTER, renew(server.url, renewedTokens), () =>
      server.child.kill('SIGKILL'),
    )
    expect((await server.exited).signal).toBe('SIGKILL')
    const renewedOk = renewed.filter((o) => o.status === 200)
    expect(renewed.some((o) => o.status === 'failed')).toBe(true)
    expect(renewedOk.length).toBeGreaterThanOrEqual(KILL_AFTER)
    expect(renewed.every((o) => o.status === 200 || o.status === 'failed')).toBe(true)

    // 4. Restart: every refresh token a renew answered with 200 renews in turn, in its family.
    server = await startServer(args)
    try {
      const survivors = renewedOk.map((o) => o.body?.refresh_token as string)
      const results = await Promise.all(survivors.map((_, i) => renew(server.url, survivors)(i)))
      expect(results.map((r) => r.status)).toEqual(survivors.map(() => 200))
      for (const [i, result] of results.entries()) {
        expect(result.body.refresh_token).not.toBe(survivors[i])
        expect(result.body.id).toBe(renewedOk[i]?.body?.id)
      }
    } finally {
      await server.stop()
    }
  })
})
