import { readdirSync, readFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { describe, expect, it } from 'vitest'
import { WORKER_NICE_OFFSET } from '../../src/core/thread-priority.js'
import { createTokenWorkers } from '../../src/core/token-workers.js'
import { generateKeyPairViaDer } from '../helpers/key-pair.js'

/** The `nice` of each thread of this process, by thread id, as the kernel reports it. */
function threadNices(): Map<number, number> {
  const nices = new Map<number, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // Fields after the command name: state is field 3, nice is field 19.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      nices.set(Number(tid), Number(fields[16]))
    } catch {
      // The thread ended meanwhile.
    }
  }
  return nices
}

const linux = process.platform === 'linux'
if (!linux) console.log('thread priorities are checked on Linux only: skipped here')

describe.skipIf(!linux)('token worker priority', () => {
  it('runs each token worker a few points of nice below the process, and nothing else of it', async () => {
    const base = getPriority(process.pid)
    const expected = Math.min(19, base + WORKER_NICE_OFFSET)
    const before = threadNices()
    const tokens = createTokenWorkers({ size: 2 })
    try {
      const { privateKey } = generateKeyPairViaDer('ec', { namedCurve: 'P-256' })
      const header = JSON.stringify({ alg: 'ES256', typ: 'at+jwt' })
      // A burst reaches both workers.
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          tokens.run({ op: 'sign', alg: 'ES256', header, payload: JSON.stringify({ sub: `u${i}` }) }, [privateKey]),
        ),
      )
      const after = threadNices()
      const lowered = [...after].filter(([tid, nice]) => !before.has(tid) && nice === expected)
      expect(lowered.length).toBeGreaterThanOrEqual(2)
      // The threads that were there before, the main thread among them, keep their priority.
      for (const [tid, nice] of before) if (after.has(tid)) expect(after.get(tid)).toBe(nice)
      expect(after.get(process.pid)).toBe(base)
    } finally {
      await tokens.close()
    }
  })
})
