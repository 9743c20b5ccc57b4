/** Retries of a failing endpoint start one cooldown apart, never closer than this (ms)... */
export const MIN_BACKOFF_MS = 100
/** ...and double up to this pause (ms), or the cooldown when that is longer. */
export const MAX_BACKOFF_MS: number = 5 * 60_000

/**
 * The pause before retry number `failures` (1 for the first retry) of a failing endpoint:
 * doubling from `baseMs` up to `capMs`, less up to a fifth at random so that many
 * verifiers do not retry in step.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number): number {
  const delay = Math.min(baseMs * 2 ** Math.max(0, failures - 1), capMs)
  return Math.round(delay * (1 - Math.random() * 0.2))
}
