/**
 * Throughput measurement: warm up, then run a task for a fixed time budget, one at a time
 * or with N calls in flight on this one thread, and count completed calls.
 */
import { performance } from 'node:perf_hooks'

/** How one case is measured. */
export interface MeasureOptions {
  /** Time spent measuring, in milliseconds. */
  budgetMs: number
  /** Time spent running the task before measuring (JIT, caches, key import), in milliseconds. */
  warmupMs: number
  /** Calls in flight at once; 1 awaits each call before the next. */
  concurrency: number
}

/** What a measurement found. */
export interface Measurement {
  /** Completed calls within the budget. */
  ops: number
  /** Time actually measured, in milliseconds. */
  elapsedMs: number
  /** Completed calls per second. */
  opsPerSec: number
}

/** A call under test; `i` counts calls, to walk a pool of distinct inputs. */
export type Task = (i: number) => unknown

async function runFor(task: Task, durationMs: number, concurrency: number): Promise<Measurement> {
  let next = 0
  let ops = 0
  const start = performance.now()
  const deadline = start + durationMs
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const result = task(next++)
      // Synchronous tasks stay synchronous: awaiting them would add a tick they do not need.
      if (result instanceof Promise) await result
      ops++
    }
  }
  if (concurrency === 1) await worker()
  else await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsedMs = performance.now() - start
  return { ops, elapsedMs, opsPerSec: (ops * 1000) / elapsedMs }
}

/**
 * Measures `task` over the budget after a warm-up. A task that throws or rejects aborts
 * the measurement: a benchmark of failures would measure nothing.
 *
 * @example
 * ```ts
 * const { opsPerSec } = await measure((i) => verify(tokens[i % tokens.length]), {
 *   budgetMs: 1000, warmupMs: 250, concurrency: 16,
 * })
 * ```
 */
export async function measure(task: Task, options: MeasureOptions): Promise<Measurement> {
  await runFor(task, options.warmupMs, options.concurrency)
  return runFor(task, options.budgetMs, options.concurrency)
}
