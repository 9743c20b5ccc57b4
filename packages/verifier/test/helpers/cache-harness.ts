/**
 * Runs a JWKS cache on a {@link ManualClock} against a real server, and knows when the cache
 * is idle: it counts the requests the cache starts (through the `fetch` option, called
 * synchronously when a fetch starts) and the fetch events that end them. Tests then move
 * time and wait for exactly the work it caused: no sleeps, no loops bounded by real time.
 */
import type { VerifierEvent } from '../../src/events.js'
import { buildJwksCache } from '../../src/jwks/create-jwks-cache.js'
import type { CreateJwksCacheOptions, JwksCache } from '../../src/jwks/types.js'
import { ManualClock } from './manual-clock.js'

/** A cache on a manual clock, with its events. */
export interface CacheHarness {
  readonly clock: ManualClock
  /** Every event the caches of this harness emitted, in order. */
  readonly events: VerifierEvent[]
  /** Requests started so far. */
  readonly started: number
  /** Creates a cache on the harness's clock, fetch and event log; closed by {@link close}. */
  open(options: CreateJwksCacheOptions): JwksCache
  /** Resolves once every request started so far has ended and the cache has taken its outcome in. */
  settled(): Promise<void>
  /**
   * Moves the clock forward by `ms`, one due timer at a time, letting each request a timer
   * starts end before the clock moves on (so a request's own timeout never fires here).
   */
  advance(ms: number): Promise<void>
  /** Closes every cache opened. */
  close(): void
}

function isFetchEnd(event: VerifierEvent): boolean {
  return event.type === 'jwks_fetch' || event.type === 'jwks_fetch_error'
}

/** One turn of the event loop, after the pending promise callbacks: no timer, no real time. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Creates a harness; `clock` defaults to a new {@link ManualClock}. */
export function createCacheHarness(clock: ManualClock = new ManualClock()): CacheHarness {
  const events: VerifierEvent[] = []
  const waiters: (() => void)[] = []
  const caches: JwksCache[] = []
  let started = 0
  let ended = 0

  const onEvent = (event: VerifierEvent): void => {
    events.push(event)
    if (isFetchEnd(event)) {
      ended++
      for (const wake of waiters.splice(0)) wake()
    }
  }
  const tracked =
    (inner: typeof fetch = globalThis.fetch): typeof fetch =>
    (input, init) => {
      started++
      return inner(input, init)
    }

  const settled = async (): Promise<void> => {
    while (ended < started) await new Promise<void>((resolve) => waiters.push(resolve))
    // The fetch event fires inside the request's handling; the cache files the outcome
    // (the next timer, the in-flight slot) in promise callbacks that run before this turn ends.
    await nextTurn()
  }

  return {
    clock,
    events,
    get started() {
      return started
    },
    open(options) {
      const userEvent = options.onEvent
      const cache = buildJwksCache(
        {
          ...options,
          fetch: tracked(options.fetch),
          onEvent: (event) => {
            onEvent(event)
            userEvent?.(event)
          },
        },
        clock,
      )
      caches.push(cache)
      return cache
    },
    settled,
    async advance(ms) {
      const target = clock.now() + ms
      await settled()
      for (let due = clock.nextDueAt; due !== undefined && due <= target; due = clock.nextDueAt) {
        clock.advance(due - clock.now())
        await settled()
      }
      clock.advance(target - clock.now())
      await settled()
    },
    close() {
      for (const cache of caches.splice(0)) cache.close()
    },
  }
}
