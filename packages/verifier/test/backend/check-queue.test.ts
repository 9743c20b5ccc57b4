import { randomBytes, sign, verify } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { BYTES, CONTROL, type Check, CheckQueue, SLOTS, VERDICT } from '../../src/backend/check-queue.js'
import { VerifyThread } from '../../src/backend/verify-thread.js'
import { generateDerKeyPair } from '../helpers/der-key-pair.mjs'

const { privateKey, publicKey } = generateDerKeyPair('ec', { namedCurve: 'P-256' })
const KEY_ID = 0
const ALGORITHM_ID = 1
const ids = { key: KEY_ID, algorithm: ALGORITHM_ID }

/** Signing inputs of sizes from a few bytes to a third of the ring, each with a good and a bad signature. */
const inputs = [40, 900, 7_000, 31_000, Math.floor(BYTES / 5), Math.floor(BYTES / 3)].map((size) => {
  const data = randomBytes(size)
  const good = sign('sha256', data, privateKey)
  const bad = Buffer.from(good)
  bad[bad.length - 3]! ^= 1
  return { data, good, bad }
})

const threads: VerifyThread[] = []
afterEach(() => {
  for (const thread of threads.splice(0)) thread.stop()
})

function startThread(queue: CheckQueue): VerifyThread {
  const thread = new VerifyThread(queue.memory, { wake: () => {}, lost: () => {} })
  thread.introduce([
    [KEY_ID, publicKey],
    [ALGORITHM_ID, 'sha256'],
  ])
  threads.push(thread)
  return thread
}

interface Tracked {
  check: Check
  expected: boolean
  verdicts: boolean[]
}

function tracked(i: number): Tracked {
  const input = inputs[(i * 7) % inputs.length]!
  const expected = i % 3 !== 0
  const verdicts: boolean[] = []
  const check = {
    algorithm: 'sha256',
    data: input.data,
    key: publicKey,
    signature: expected ? input.good : input.bad,
    resolve: (valid: boolean) => verdicts.push(valid),
  }
  return { check, expected, verdicts }
}

async function settle(queue: CheckQueue): Promise<void> {
  while (queue.outstanding > 0) {
    // The main thread takes a share too, as its turns do.
    const mine = queue.claim()
    if (mine !== undefined) mine.resolve(verify(mine.algorithm, mine.data, mine.key, mine.signature))
    queue.collect()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('CheckQueue with a thread', () => {
  it('carries checks across the end of its byte ring and the wrap of its record numbers', async () => {
    // Close to the largest int32, so that the record numbers wrap to negative on the way.
    const queue = new CheckQueue(2 ** 31 - 40)
    startThread(queue)
    const all: Tracked[] = []
    let refused = 0
    for (let round = 0; round < 30; round++) {
      for (;;) {
        const next = tracked(all.length)
        if (!queue.publish(next.check, ids)) {
          refused++
          break
        }
        all.push(next)
      }
      await settle(queue)
    }
    expect(refused).toBe(30)
    expect(all.length).toBeGreaterThan(80)
    // Every check resolved exactly once, with node:crypto's verdict.
    expect(all.map((entry) => entry.verdicts)).toEqual(all.map((entry) => [entry.expected]))
  }, 30_000)

  it('refuses a record larger than its ring, and more records than its slots', () => {
    const queue = new CheckQueue()
    const huge = Buffer.alloc(BYTES + 1)
    expect(queue.publish({ ...tracked(0).check, data: huge }, ids)).toBe(false)
    const small = tracked(1).check
    let taken = 0
    while (queue.publish({ ...small, data: inputs[0]!.data }, ids)) taken++
    expect(taken).toBe(SLOTS)
    expect(queue.outstanding).toBe(SLOTS)
  })

  it('gives back on drain every check whose verdict is not collected, and lets no thread take them', async () => {
    const queue = new CheckQueue()
    const all = Array.from({ length: 6 }, (_, i) => tracked(i))
    for (const entry of all) expect(queue.publish(entry.check, ids)).toBe(true)
    const mine = queue.claim()!
    expect(mine).toBe(all[0]!.check)
    const left = queue.drain()
    expect(left).toEqual(all.slice(1).map((entry) => entry.check))
    expect(queue.outstanding).toBe(0)
    expect(queue.unclaimed).toBe(0)
    // A thread started now finds nothing to take.
    startThread(queue)
    await new Promise((resolve) => setTimeout(resolve, 50))
    queue.collect()
    expect(all.every((entry) => entry.verdicts.length === 0)).toBe(true)
  })
})

describe('CheckQueue wake-up requests', () => {
  /** Does what a thread does with the oldest unclaimed record, through the shared memory alone. */
  function claimAndJudgeAsAThread(queue: CheckQueue, valid: boolean): void {
    const control = new Int32Array(queue.memory.control)
    const record = Atomics.load(control, CONTROL.claimed)
    expect(Atomics.compareExchange(control, CONTROL.claimed, record, (record + 1) | 0)).toBe(record)
    Atomics.store(new Int32Array(queue.memory.verdicts), record & (SLOTS - 1), valid ? VERDICT.valid : VERDICT.invalid)
  }

  const wakeRequested = (queue: CheckQueue): number => Atomics.load(new Int32Array(queue.memory.control), CONTROL.wakeMain)

  it('collects a verdict written before the request took effect, which sent no message', () => {
    const queue = new CheckQueue()
    const [first, second] = [tracked(1), tracked(2)]
    queue.publish(first.check, ids)
    queue.publish(second.check, ids)
    // The thread judges the first record while the main thread is not looking yet and has
    // not asked for a message: none is sent, so the request itself must collect it.
    claimAndJudgeAsAThread(queue, first.expected)
    queue.askForWake()
    expect(first.verdicts).toEqual([first.expected])
    expect(queue.outstanding).toBe(1)
    expect(wakeRequested(queue)).toBe(1)
    // With nothing outstanding after collecting, no message is wanted.
    claimAndJudgeAsAThread(queue, second.expected)
    queue.askForWake()
    expect(second.verdicts).toEqual([second.expected])
    expect(queue.outstanding).toBe(0)
    expect(wakeRequested(queue)).toBe(0)
  })
})
