/**
 * A clock that moves only when a test moves it: the time the JWKS cache reads and the
 * timers it starts. Timers fire in order of their due time, each at that time, when
 * {@link ManualClock.advance} passes it.
 */
import type { Clock, Timer } from '../../src/clock.js'

interface Pending {
  dueAt: number
  order: number
  callback: () => void
}

/** A {@link Clock} a test drives. */
export class ManualClock implements Clock {
  #now: number
  #order = 0
  readonly #timers = new Set<Pending>()

  /** Starts at `start` ms since the epoch (default: a fixed instant, so runs repeat exactly). */
  constructor(start = Date.UTC(2030, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  startTimer(callback: () => void, delayMs: number): Timer {
    const pending: Pending = { dueAt: this.#now + Math.max(0, delayMs), order: this.#order++, callback }
    this.#timers.add(pending)
    return { dueAt: pending.dueAt, cancel: () => this.#timers.delete(pending) }
  }

  /** Timers started and neither fired nor cancelled. */
  get pendingTimers(): number {
    return this.#timers.size
  }

  /** When the next timer fires, if one is pending. */
  get nextDueAt(): number | undefined {
    return this.#next()?.dueAt
  }

  /**
   * Moves the time forward by `ms`, firing each timer that falls due on the way at its own
   * due time, in order (a timer a callback starts fires too, if it falls due in the span).
   */
  advance(ms: number): void {
    const target = this.#now + ms
    for (let next = this.#next(); next !== undefined && next.dueAt <= target; next = this.#next()) {
      this.#timers.delete(next)
      this.#now = Math.max(this.#now, next.dueAt)
      next.callback()
    }
    this.#now = target
  }

  #next(): Pending | undefined {
    let first: Pending | undefined
    for (const timer of this.#timers) {
      if (first === undefined || timer.dueAt < first.dueAt || (timer.dueAt === first.dueAt && timer.order < first.order)) {
        first = timer
      }
    }
    return first
  }
}
