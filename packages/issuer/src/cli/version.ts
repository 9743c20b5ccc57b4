import { readFileSync } from 'node:fs'

/**
 * The version of `@jwtis/issuer`, read from its package.json (two folders up from both
 * `src/cli` and `dist/cli`).
 *
 * @example
 * ```ts
 * console.log(`jwtis ${packageVersion()}`)
 * ```
 */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown
  }
  return typeof manifest.version === 'string' ? manifest.version : 'unknown'
}
