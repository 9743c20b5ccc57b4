/**
 * Time as the JWKS cache sees it: the current time and one-shot timers, together, so that
 * a test can move both at once. The package runs the cache on the system clock; tests build
 * it on their own (`buildJwksCache`, internal to the package, never in the public types)
 * and drive refetch windows, cooldowns, backoff, stale-if-error, refresh ahead of expiry
 * and request timeouts without waiting on real time.
 */

/** A one-shot timer that never keeps the process alive. */
export interface Timer {
  /** When it fires, in ms since the epoch by its clock. */
  readonly dueAt: number
  cancel(): void
}

/** The time and the timers of a component. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  /** Calls `callback` once, `delayMs` from now (at least 0), unless cancelled first. */
  startTimer(callback: () => void, delayMs: number): Timer
}

/** The longest delay `setTimeout` takes; a longer one would fire at once. */
const MAX_TIMER_DELAY_MS = 2_147_483_647

/**
 * The system clock: `Date.now` (read at each call, so a clock faked later is seen) and
 * timers that do not hold the process open: `unref` on Node and Bun, `Deno.unrefTimer` on
 * Deno; elsewhere (browsers, workers) there is no process to hold.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  startTimer(callback: () => void, delayMs: number): Timer {
    const delay = Math.max(0, Math.min(delayMs, MAX_TIMER_DELAY_MS))
    const handle: unknown = setTimeout(callback, delay)
    if (typeof handle === 'object' && handle !== null && 'unref' in handle && typeof handle.unref === 'function') {
      handle.unref()
    } else if (typeof handle === 'number') {
      const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno
      deno?.unrefTimer?.(handle)
    }
    return {
      dueAt: Date.now() + delay,
      cancel: () => clearTimeout(handle as ReturnType<typeof setTimeout>),
    }
  },
}
