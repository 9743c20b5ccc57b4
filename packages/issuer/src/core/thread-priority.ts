/**
 * Token worker threads run a little below the rest of the process. Every answer waits on
 * the main thread (HTTP, the store) and on the SQLite writer thread (the group commit),
 * each a few tens of microseconds at a time, while the workers run batches of crypto for
 * milliseconds. At equal priority the scheduler lets a batch finish before a commit that
 * has just come back from the disk runs, and answers wait on a thread that is ready but
 * not running: under load, the commit then took longer than the crypto. A few points of
 * `nice` let the short work go first without starving the workers, which still get the
 * cores whenever nothing else of the process is ready.
 */
import { readlinkSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'

/** How many points of `nice` a token worker runs below its process. */
export const WORKER_NICE_OFFSET = 5
const LOWEST_PRIORITY = 19

/**
 * Lowers the calling thread's priority by {@link WORKER_NICE_OFFSET} below the process's own,
 * where threads have priorities of their own (Linux, which names the calling thread in
 * `/proc/thread-self`). Returns the thread's new `nice`, or undefined where nothing was
 * changed; never throws, since the work is the same either way.
 *
 * @example
 * ```ts
 * lowerThreadPriority() // in a worker thread: 5 when the process runs at 0
 * ```
 */
export function lowerThreadPriority(): number | undefined {
  if (process.platform !== 'linux') return undefined
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (!Number.isSafeInteger(tid) || tid <= 0) return undefined
    const nice = Math.min(LOWEST_PRIORITY, getPriority(process.pid) + WORKER_NICE_OFFSET)
    // On Linux a thread id names that thread alone: the rest of the process keeps its priority.
    setPriority(tid, nice)
    return nice
  } catch {
    return undefined
  }
}
