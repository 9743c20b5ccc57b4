/**
 * Waits for the values that are promises, without an extra tick when none is: sync
 * backends (node:crypto) thereby finish loading keys before the constructor returns.
 */
export function settleAll<T>(values: readonly (T | Promise<T>)[]): T[] | Promise<T[]> {
  for (const value of values) {
    if (isPromiseLike(value)) return Promise.all(values)
  }
  return values as T[]
}

/** True for a thenable. */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function'
}
