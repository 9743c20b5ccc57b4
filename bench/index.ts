/**
 * Runs the benchmarks: the verifier's, then the issuer's and the Express middleware's when
 * their files exist.
 */
import { existsSync } from 'node:fs'
import { run as runVerifier } from './verifier.js'

await runVerifier()

for (const file of ['./issuer.ts', './express.ts']) {
  const bench = new URL(file, import.meta.url)
  if (existsSync(bench)) {
    const { run } = (await import(bench.href)) as { run: () => Promise<void> }
    await run()
  }
}
