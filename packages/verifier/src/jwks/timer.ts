/** A one-shot timer that never keeps the process alive. */
export interface Timer {
  /** When it fires, in ms since the epoch. */
  readonly dueAt: number
  cancel(): void
}

/**
 * Starts a timer that does not hold the process open: `unref` on Node and Bun,
 * `Deno.unrefTimer` on Deno; elsewhere (browsers, workers) there is no process to hold.
 */
export function startTimer(callback: () => void, delayMs: number): Timer {
  const delay = Math.max(0, Math.min(delayMs, 2_147_483_647))
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
}

/**
 * The pause before retry number `failures` (1 for the first retry) of a failing endpoint:
 * doubling from `baseMs` up to `capMs`, less up to a fifth at random so that many
 * verifiers do not retry in step.
 */
export function backoffDelay(failures: number, baseMs: number, capMs: number): number {
  const delay = Math.min(baseMs * 2 ** Math.max(0, failures - 1), capMs)
  return Math.round(delay * (1 - Math.random() * 0.2))
}
