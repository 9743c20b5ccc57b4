/** The issuer as users run it: the built `jwtis` CLI in a child process, on a real SQLite file or PostgreSQL. */
import { type ChildProcess, spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A running `jwtis` server. */
export interface CliServer {
  url: string
  /** The server's process id, to read its CPU time. */
  pid: number | undefined
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>
}

/**
 * Starts `jwtis -l 127.0.0.1:0` on the SQLite file `dbPath` or the PostgreSQL `storeUrl`, and
 * resolves once it prints `listening on URL`.
 *
 * @example
 * ```ts
 * const server = await startCliServer({ dbPath, password, adminToken })
 * ```
 */
export function startCliServer(
  options: ({ dbPath: string } | { storeUrl: string }) & { password: string; adminToken: string },
): Promise<CliServer> {
  const packageDir = dirname(fileURLToPath(import.meta.resolve('@jwtis/issuer/package.json')))
  const main = join(packageDir, 'dist', 'cli', 'main.js')
  const store = 'dbPath' in options ? ['-d', options.dbPath] : ['--store', options.storeUrl]
  const child: ChildProcess = spawn(process.execPath, [main, '-l', '127.0.0.1:0', ...store], {
    env: { ...process.env, JWTIS_PSWD: options.password, JWTIS_ADMIN_TOKEN: options.adminToken },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()))
  return new Promise((resolve, reject) => {
    let stdout = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const match = /^listening on (\S+)$/m.exec(stdout)
      if (match) {
        child.stdout?.removeAllListeners('data')
        child.stdout?.resume()
        resolve({
          url: match[1]!,
          pid: child.pid,
          stop: () => {
            child.kill('SIGTERM')
            return exited
          },
        })
      }
    })
    void exited.then(() => reject(new Error(`jwtis exited before listening:\n${stdout}`)))
  })
}
