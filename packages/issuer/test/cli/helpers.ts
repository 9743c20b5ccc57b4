/**
 * Runs the real `jwtis` CLI (the package's bin, `bin/jwtis.js`, which loads the built `dist/cli/main.js`)
 * as a child process. The root `pnpm test` builds first; a stale build fails loudly rather
 * than testing old code.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url))
/** The built CLI entry. */
export const CLI_MAIN: string = join(PACKAGE_DIR, 'dist', 'cli', 'main.js')
/** The package's bin, as `npx -p @jwtis/issuer jwtis` runs it. */
export const CLI_BIN: string = join(PACKAGE_DIR, 'bin', 'jwtis.js')

/** Fails with the fix when the CLI is not built; warns when the build is older than the sources. */
export function assertBuilt(): void {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run \`pnpm build\` first`)
  const built = statSync(join(PACKAGE_DIR, 'tsconfig.tsbuildinfo'), { throwIfNoEntry: false })?.mtimeMs ?? 0
  if (newestMtime(join(PACKAGE_DIR, 'src')) > built) {
    console.warn('notice: packages/issuer/dist is older than src; these CLI tests run the build (`pnpm build` first)')
  }
}

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** An environment without the runner's `JWTIS_*` variables, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('JWTIS_')) env[name] = value
  return { ...env, ...extra }
}

/** A temp folder, removed by `remove()`. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'jwtis-cli-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** What a finished CLI run printed and how it ended. */
export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs the CLI to completion.
 *
 * @example
 * ```ts
 * const { code, stdout } = await runCli(['client', 'list', '-d', db, '-p', pswd])
 * ```
 */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawnCli(args, env)
  const output = collect(child)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code, signal) => resolve({ code, signal, ...output() }))
  })
}

/** A server started through the CLI. */
export interface ServerProcess {
  child: ChildProcess
  /** `http://HOST:PORT`, from the `listening on` line. */
  url: string
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string }
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Sends SIGTERM and waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * Starts `jwtis` with `args` and resolves once it prints `listening on URL`; rejects with its
 * output when it exits first.
 *
 * @example
 * ```ts
 * const server = await startServer(['-l', '127.0.0.1:0', '-d', db, '-p', pswd])
 * ```
 */
export function startServer(args: readonly string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawnCli(args, env)
  const output = collect(child)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`no "listening on" line within 30 s:\n${JSON.stringify(output())}`))
    }, 30_000)
    const onData = (): void => {
      const match = /^listening on (https?:\/\/\S+)$/m.exec(output().stdout)
      if (!match) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolve({
        child,
        url: match[1]!,
        output,
        exited,
        stop: () => {
          child.kill('SIGTERM')
          return exited
        },
      })
    }
    child.stdout?.on('data', onData)
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`jwtis exited (${code ?? signal}) before listening:\n${JSON.stringify(output())}`))
    })
  })
}

function spawnCli(args: readonly string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [CLI_BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
}

function collect(child: ChildProcess): () => { stdout: string; stderr: string } {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return () => ({ stdout, stderr })
}

/** The secrets a first start printed in its banner. */
export interface FirstStartSecrets {
  password: string
  adminToken: string
}

/**
 * Reads the generated password and admin token from a first start's banner.
 *
 * @example
 * ```ts
 * const { password, adminToken } = bannerSecrets(server.output().stdout)
 * ```
 */
export function bannerSecrets(stdout: string): FirstStartSecrets {
  const password = /^ {2}password: +(\S+)$/m.exec(stdout)?.[1]
  const adminToken = /^ {2}admin token: +(\S+)$/m.exec(stdout)?.[1]
  if (!password || !adminToken) throw new Error(`no banner with both secrets in:\n${stdout}`)
  return { password, adminToken }
}

/** SHA-256 of each of the store's files that exists (the database, -wal, -shm). */
export function hashStoreFiles(dbPath: string): Record<string, string> {
  const hashes: Record<string, string> = {}
  for (const suffix of ['', '-wal', '-shm']) {
    const path = dbPath + suffix
    if (existsSync(path)) hashes[suffix || 'db'] = createHash('sha256').update(readFileSync(path)).digest('hex')
  }
  return hashes
}

/**
 * Calls the API with JSON, optionally as a bearer.
 *
 * @example
 * ```ts
 * const { status, body } = await api(url, 'POST', '/register/shop', adminToken)
 * ```
 */
export async function api(
  base: string,
  method: string,
  path: string,
  bearer?: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {}
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(base + path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

/** A fresh store: first start with the given secrets, then a clean stop. */
export async function createStore(dbPath: string, password: string, adminToken: string): Promise<void> {
  const server = await startServer(['-l', '127.0.0.1:0', '-d', dbPath, '-p', password, '--adminToken', adminToken])
  const { code } = await server.stop()
  if (code !== 0) throw new Error(`first start did not stop cleanly: ${JSON.stringify(server.output())}`)
}
