/**
 * Whatever a lookup gives, synchronously or not, with a `sync` flag that tells which: the
 * hot path of a key source must answer without a promise.
 */
export async function settle<T>(run: () => T | Promise<T>): Promise<{ sync: boolean; value?: T; error?: unknown }> {
  let result: T | Promise<T>
  try {
    result = run()
  } catch (error) {
    return { sync: true, error }
  }
  if (!(result instanceof Promise)) return { sync: true, value: result }
  try {
    return { sync: false, value: await result }
  } catch (error) {
    return { sync: false, error }
  }
}
