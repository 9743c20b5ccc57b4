/**
 * Interleaved measurement for a shared machine: every contender of a case is measured in
 * short rounds taken in turn (the starting contender rotating), and each keeps its best
 * round. A neighbour's burst, a slower stretch of the host or the order of the contenders
 * then weighs on no one contender alone: the best round is the one least disturbed.
 */
import { watchOtherProcesses } from './contention.js'
import { measure, type Task } from './measure.js'

/** How the rounds of a case are run. */
export interface RoundsOptions {
  /** Rounds per contender. */
  rounds: number
  /** Length of one round, in milliseconds. */
  roundMs: number
  /** Time each contender runs once before the rounds (JIT, caches, threads), in milliseconds. */
  warmupMs: number
  /** Calls in flight at once; 1 awaits each call before the next. */
  concurrency: number
}

/** The best round of one contender. */
export interface BestRound {
  /** Completed calls per second in the best round. */
  opsPerSec: number
  /** Cores other processes kept busy during that round, when the platform tells. */
  othersBusy: number | undefined
}

/**
 * Measures each task in interleaved rounds and returns each one's best round, in the
 * order of `tasks`.
 *
 * @example
 * ```ts
 * const [raw, mine] = await measureInterleaved([rawVerify, myVerify], {
 *   rounds: 5, roundMs: 250, warmupMs: 200, concurrency: 1,
 * })
 * ```
 */
export async function measureInterleaved(tasks: readonly Task[], options: RoundsOptions): Promise<BestRound[]> {
  const { rounds, roundMs, warmupMs, concurrency } = options
  const best: BestRound[] = tasks.map(() => ({ opsPerSec: 0, othersBusy: undefined }))
  for (const task of tasks) await measure(task, { budgetMs: warmupMs, warmupMs: 0, concurrency })
  for (let round = 0; round < rounds; round++) {
    for (let turn = 0; turn < tasks.length; turn++) {
      const index = (round + turn) % tasks.length
      const othersBusy = watchOtherProcesses()
      const { opsPerSec } = await measure(tasks[index]!, { budgetMs: roundMs, warmupMs: 0, concurrency })
      if (opsPerSec > best[index]!.opsPerSec) best[index] = { opsPerSec, othersBusy: othersBusy() }
    }
  }
  return best
}
