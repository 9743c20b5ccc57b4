/**
 * How much CPU other processes took while a row was measured. On a shared machine a row
 * can lose to a neighbour rather than to its own code; the report says so instead of
 * leaving the reader to guess. Linux only (/proc/stat); elsewhere nothing is reported.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

/** Length of a /proc/stat tick (USER_HZ is 100 on Linux), in milliseconds. */
const TICK_MS = 10

/** CPU time the whole machine spent busy (steal included), in milliseconds, or undefined off Linux. */
function machineBusyMs(): number | undefined {
  let line: string
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? ''
  } catch {
    return undefined
  }
  // cpu user nice system idle iowait irq softirq steal ...
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number)
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, value) => sum + (value ?? 0), 0)
  return Number.isFinite(busy) ? busy * TICK_MS : undefined
}

/**
 * Starts watching the machine; the returned function gives the cores other processes kept
 * busy on average since then (this process's own threads excluded), or undefined when the
 * platform does not tell.
 *
 * @example
 * ```ts
 * const othersBusy = watchOtherProcesses()
 * await measure(task, options)
 * console.log(othersBusy()) // e.g. 0.4: a neighbour held 40% of a core meanwhile
 * ```
 */
export function watchOtherProcesses(): () => number | undefined {
  const busyBefore = machineBusyMs()
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  return () => {
    const busyAfter = machineBusyMs()
    if (busyBefore === undefined || busyAfter === undefined) return undefined
    const own = process.cpuUsage(cpuBefore)
    const ownMs = (own.user + own.system) / 1000
    return Math.max(0, (busyAfter - busyBefore - ownMs) / (performance.now() - start))
  }
}

/**
 * CPU time a process (all its threads) has used so far, in milliseconds; 0 when the
 * platform does not tell.
 *
 * @example
 * ```ts
 * const before = processCpuMs(child.pid)
 * ```
 */
export function processCpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS // utime + stime
  } catch {
    return 0
  }
}
