import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CreateIssuerOptions, createIssuer } from '../../src/core/create-issuer.js'
import type { Issuer } from '../../src/core/types.js'
import { type RunningServer, type ServeOptions, startServer } from '../../src/http/server.js'
import { createSqliteStore } from '../../src/store/sqlite.js'

/** A real issuer on a real SQLite file in a temp folder, served on 127.0.0.1, port 0. */
export interface TestIssuer {
  /** The server's base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  readonly adminToken: string
  readonly password: string
  readonly issuer: Issuer
  readonly server: RunningServer
  /** The temp folder holding the store; removed by `close()`. */
  readonly dir: string
  readonly dbPath: string
  /** Every line the issuer and the server logged. */
  readonly logs: string[]
  /** Moves the issuer's clock forward (it starts at the real time). */
  advance(ms: number): void
  /** Stops the server, closes the issuer and removes the temp folder. */
  close(): Promise<void>
}

/** Options of {@link startTestIssuer}. */
export interface TestIssuerOptions {
  name?: string
  defaults?: CreateIssuerOptions['defaults']
  /** Milliseconds. */
  graceTTL?: number
  publicUrl?: string
  tls?: ServeOptions['tls']
  /** An existing folder to hold `keys.db` (not removed by `close()`); default a fresh temp one. */
  dir?: string
  password?: string
  adminToken?: string
  /** Milliseconds between background maintenance passes; `0` runs none. Default: the core's. */
  maintenanceInterval?: number
}

/** A fresh random secret, distinct per call, so a leak of it can be searched for. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Starts a real issuer for a test. Call `close()` in `afterAll`/`afterEach`.
 *
 * @example
 * ```ts
 * const t = await startTestIssuer()
 * const client = await registerClient(t, 'shop')
 * await t.close()
 * ```
 */
export async function startTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const ownDir = options.dir === undefined
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'jwtis-test-')))
  const dbPath = join(dir, 'keys.db')
  const password = options.password ?? randomSecret()
  const adminToken = options.adminToken ?? randomSecret()
  const logs: string[] = []
  const log = (line: string): void => {
    logs.push(line)
  }
  let offset = 0
  const issuer = await createIssuer({
    store: createSqliteStore({ path: dbPath }),
    password,
    adminToken,
    log,
    now: () => Date.now() + offset,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.defaults !== undefined ? { defaults: options.defaults } : {}),
    ...(options.graceTTL !== undefined ? { graceTTL: options.graceTTL } : {}),
    ...(options.maintenanceInterval !== undefined ? { maintenanceInterval: options.maintenanceInterval } : {}),
  })
  let server: RunningServer
  try {
    server = await startServer({
      issuer,
      listen: { host: '127.0.0.1', port: 0 },
      log,
      publicUrl: options.publicUrl,
      tls: options.tls,
    })
  } catch (err) {
    await issuer.close()
    throw err
  }
  let closed = false
  return {
    url: server.url,
    adminToken,
    password,
    issuer,
    server,
    dir,
    dbPath,
    logs,
    advance(ms) {
      offset += ms
    },
    async close() {
      if (closed) return
      closed = true
      await server.close()
      await issuer.close()
      if (ownDir) await rm(dir, { recursive: true, force: true })
    },
  }
}
