/**
 * Two `jwtis` processes on PostgreSQL under load while the database cuts their connections,
 * stops answering and refuses connections: requests fail fast with 503 and `Retry-After`,
 * never hang, the processes recover by themselves, and no refresh token answered with 200
 * is lost.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgTestUrl } from '../store/postgres-schemas.js'
import { assertBuilt, type ServerProcess } from './helpers.js'
import { type Answer, call, cutConnections, eventually, register, type SharedSchema, sharedSchema } from './instances.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

const base = pgTestUrl('the database outage tests')

/** No request may take longer, in milliseconds, whatever the database does. */
const REQUEST_BOUND = 15_000

interface Logged extends Answer {
  /** When the answer came, milliseconds since the epoch. */
  at: number
}

describe.skipIf(base === undefined)('PostgreSQL outages under load on two instances', () => {
  const db = base ?? ''
  let shared: SharedSchema
  let proxy: TcpProxy
  let servers: [ServerProcess, ServerProcess]
  let clientToken: string

  beforeAll(async () => {
    assertBuilt()
    const target = new URL(db)
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
    shared = sharedSchema(db)
    const viaProxy = new URL(shared.url)
    viaProxy.hostname = '127.0.0.1'
    viaProxy.port = String(proxy.port)
    servers = (await Promise.all([shared.start([], viaProxy.href), shared.start([], viaProxy.href)])) as [
      ServerProcess,
      ServerProcess,
    ]
    clientToken = await register(servers[0], 'shop')
  })
  afterAll(async () => {
    proxy?.restore()
    await shared?.dispose()
    await proxy?.close()
  })

  async function readiness(): Promise<number[]> {
    return Promise.all(servers.map(async (server) => (await call(server.url, 'GET', '/readyz')).status))
  }

  it('answers 503 with Retry-After or 200, never hangs, recovers, and keeps every refresh token it handed out', async () => {
    const answers: Logged[] = []
    let stopping = false
    const logged = async (promise: Promise<Answer>): Promise<Answer> => {
      const answer = await promise
      answers.push({ ...answer, at: Date.now() })
      return answer
    }

    /** One user's session: issue once, then renew on alternate instances; a 503 retries the same token. */
    async function session(worker: number): Promise<{ token: string | undefined; lastOk: number }> {
      let token: string | undefined
      let lastOk = 0
      for (let n = 0; !stopping; n++) {
        const server = servers[(worker + n) % 2]!
        const answer =
          token === undefined
            ? await logged(call(server.url, 'POST', '/issue_token', clientToken, { kid: 'shop', claims: { sub: `user-${worker}` } }))
            : await logged(call(server.url, 'POST', '/renew_token', clientToken, { kid: 'shop', refresh_token: token }))
        if (answer.status === 200) {
          token = answer.body['refresh_token'] as string
          lastOk = Date.now()
        } else {
          await sleep(100)
        }
        // A 401 is a lost token: stop this session so the final check names it.
        if (answer.status === 401) return { token, lastOk }
      }
      return { token, lastOk }
    }

    const sessions = Array.from({ length: 6 }, (_, worker) => session(worker))
    await sleep(1000)

    // 1. Every connection of both instances is terminated by the server.
    const cutAt = Date.now()
    expect(await cutConnections(db, shared.schema)).toBeGreaterThan(0)
    await sleep(1500)

    // 2. The database stops answering (connections hang).
    proxy.blackhole()
    await sleep(500)
    expect(await readiness()).toEqual([503, 503])
    proxy.restore()
    await sleep(1500)

    // 3. The database is down: every connection is cut, and new ones are reset as they open.
    proxy.refuse()
    expect(await readiness()).toEqual([503, 503])
    await sleep(1500)
    proxy.restore()
    const restored = Date.now()
    await eventually('both instances are ready again', async () => (await readiness()).every((status) => status === 200))
    const readyAfter = Date.now() - restored
    await sleep(1500)
    stopping = true
    const ended = await Promise.all(sessions)

    for (const server of servers) expect(server.child.exitCode).toBeNull()
    const statuses = new Set(answers.map((answer) => answer.status))
    expect([...statuses].sort()).toEqual([200, 503])
    for (const answer of answers) {
      expect(answer.took).toBeLessThan(REQUEST_BOUND)
      if (answer.status === 503) {
        expect(answer.headers.get('retry-after')).toMatch(/^\d+$/)
        expect(answer.body['error']).toBe('temporarily_unavailable')
      }
    }
    // Every session got through again after the outage, with no restart of jwtis.
    for (const { lastOk } of ended) expect(lastOk).toBeGreaterThan(restored)
    // The last refresh token each session was answered with 200 still renews, on either instance.
    for (const [i, { token }] of ended.entries()) {
      const answer = await call(servers[i % 2]!.url, 'POST', '/renew_token', clientToken, { kid: 'shop', refresh_token: token })
      expect(answer.status).toBe(200)
    }
    const slowest = Math.max(...answers.map((answer) => answer.took))
    const firstOkAfterCut = Math.min(...answers.filter((a) => a.status === 200 && a.at > cutAt).map((a) => a.at)) - cutAt
    console.info(
      `outages: ${answers.length} answers, ${answers.filter((a) => a.status === 503).length} of them 503; slowest ${Math.round(slowest)} ms; ` +
        `first 200 ${firstOkAfterCut} ms after the connections were cut; ready ${readyAfter} ms after the database came back`,
    )
  }, 60_000)
})
