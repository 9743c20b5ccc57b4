/**
 * Real processes for end-to-end tests: the built `jwtis` CLI, and TypeScript fixtures run
 * with tsx on the workspace sources. The root `pnpm test` builds first.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
/** The built CLI the `jwtis` bin points at. */
export const CLI_MAIN: string = join(dirname(require.resolve('@jwtis/issuer/package.json')), 'dist', 'cli', 'main.js')
/** This package's folder, where tsx resolves. */
export const TEST_DIR: string = fileURLToPath(new URL('../', import.meta.url))

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A child process that printed `listening on URL`. */
export interface Running {
  readonly url: string
  readonly child: ChildProcess
  output(): string
  /** SIGTERM, then resolves with the exit code once it has exited. */
  stop(): Promise<number | null>
}

/** Spawns `args` with node and resolves at its `listening on` line; rejects with its output if it exits first. */
export function startProcess(args: readonly string[], env: Record<string, string> = {}): Promise<Running> {
  const clean: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('JWTIS_')) clean[name] = value
  const child = spawn(process.execPath, args, { cwd: TEST_DIR, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no "listening on" line within 60 s:\n${text}`))
    }, 60_000)
    const onData = (): void => {
      const match = /^listening on (https?:\/\/\S+)$/m.exec(text)
      if (match === null) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolve({
        url: match[1]!,
        child,
        output: () => text,
        stop: () => {
          if (child.exitCode === null) child.kill('SIGTERM')
          return exited
        },
      })
    }
    child.stdout?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`process exited (${code}) before listening:\n${text}`))
    })
  })
}

/** Runs a TypeScript fixture with tsx on the workspace sources (the `dev-source` condition). */
export function startFixture(file: string, env: Record<string, string> = {}): Promise<Running> {
  return startProcess(['--conditions=dev-source', '--import', 'tsx', join(TEST_DIR, 'fixtures', file)], env)
}

/** A `jwtis` CLI process on a temp store, named after its URL so discovery-based verifiers accept its tokens. */
export interface Jwtis extends Running {
  readonly adminToken: string
  /** Registers a client through the admin API; `body` is the registration body. */
  register(kid: string, body?: Record<string, unknown>): Promise<{ clientToken: string }>
  /** Stops the process and removes its store. */
  close(): Promise<void>
}

/**
 * Starts the real `jwtis` CLI on 127.0.0.1 with a fresh store.
 *
 * @example
 * ```ts
 * const jwtis = await startJwtis()
 * const { clientToken } = await jwtis.register('shop')
 * ```
 */
export async function startJwtis(): Promise<Jwtis> {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run \`pnpm build\` first`)
  // Hex, so that no secret starts with '-' and reads as a flag on the command line.
  const adminToken = randomBytes(24).toString('hex')
  const password = randomBytes(24).toString('hex')
  // The issuer's name holds its URL, so the port is chosen before the process starts; until
  // it listens, another process may take that port, and then another port is tried.
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), 'jwtis-e2e-'))
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    try {
      const running = await startProcess([CLI_MAIN, '-l', `127.0.0.1:${port}`, '-n', url, '-d', join(dir, 'keys.db'), '-p', password, '--adminToken', adminToken])
      return jwtisOn(running, url, dir, adminToken)
    } catch (err) {
      await rm(dir, { recursive: true, force: true })
      if (attempt >= 3 || !/the address is in use/.test(String(err))) throw err
    }
  }
}

/** The handle of a `jwtis` process that listens at `url` on the store in `dir`. */
function jwtisOn(running: Running, url: string, dir: string, adminToken: string): Jwtis {
  return {
    ...running,
    adminToken,
    async register(kid, body = {}) {
      const answer = await fetch(`${url}/register/${encodeURIComponent(kid)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      if (answer.status !== 201) throw new Error(`registering ${kid} answered ${answer.status}: ${await answer.text()}`)
      const { client_token: clientToken } = (await answer.json()) as { client_token: string }
      return { clientToken }
    },
    async close() {
      await running.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
