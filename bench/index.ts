/**
 * Runs the benchmarks: the verifier's, then the issuer's when bench/issuer.ts exists.
 */
import { existsSync } from 'node:fs'
import { run as runVerifier } from './verifier.js'

await runVerifier()

const issuerBench = new URL('./issuer.ts', import.meta.url)
if (existsSync(issuerBench)) {
  const { run } = (await import(issuerBench.href)) as { run: () => Promise<void> }
  await run()
}
