import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIssuer, createSqliteStore, type Issuer, type RunningServer, startServer } from '@jwtis/issuer'

/** A real issuer on a SQLite file in a temp folder, served on 127.0.0.1, with one client. */
export interface TestIssuer {
  readonly url: string
  readonly port: number
  readonly adminToken: string
  readonly kid: string
  readonly clientToken: string
  readonly issuer: Issuer
  /** Stops the HTTP server only (the issuer stays open): an outage seen from the app. */
  stop(): Promise<void>
  /** Serves the same issuer again on the same port. */
  restart(): Promise<void>
  /** The issuer's `jwtis_tokens_renewed_total`, read from its `/metrics`. */
  renewCount(): Promise<number>
  close(): Promise<void>
}

/**
 * Starts an issuer and registers the client `shop` with the issuer's defaults.
 *
 * @example
 * ```ts
 * const t = await startTestIssuer()
 * ```
 */
export async function startTestIssuer(): Promise<TestIssuer> {
  const dir = await mkdtemp(join(tmpdir(), 'jwtis-express-'))
  const adminToken = randomBytes(24).toString('base64url')
  const issuer = await createIssuer({
    store: createSqliteStore({ path: join(dir, 'keys.db') }),
    password: randomBytes(24).toString('base64url'),
    adminToken,
    maintenanceInterval: 0,
  })
  let server: RunningServer = await startServer({ issuer, listen: { host: '127.0.0.1', port: 0 }, log: () => {} })
  const url = server.url
  const port = server.port
  const registered = await fetch(`${url}/register/shop`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}` },
  })
  if (registered.status !== 201) throw new Error(`registration answered ${registered.status}: ${await registered.text()}`)
  const { client_token: clientToken } = (await registered.json()) as { client_token: string }
  let running = true
  return {
    url,
    port,
    adminToken,
    kid: 'shop',
    clientToken,
    issuer,
    async stop() {
      if (!running) return
      running = false
      await server.close()
    },
    async restart() {
      if (running) return
      server = await startServer({ issuer, listen: { host: '127.0.0.1', port }, log: () => {} })
      running = true
    },
    async renewCount() {
      const answer = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
      const match = /^jwtis_tokens_renewed_total (\d+)/m.exec(await answer.text())
      if (match === null) throw new Error('the issuer reported no renew counter')
      return Number(match[1])
    },
    async close() {
      if (running) await server.close()
      running = false
      await issuer.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
