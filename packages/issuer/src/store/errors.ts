/**
 * Why a store refused: `unusable` (the file or database is truncated, corrupted, foreign,
 * of a newer schema, locked or unreadable: fix or restore it), `closed` (used after
 * `close()`), `unavailable` (the database could not be reached or did not answer in time:
 * retry later; a write was made whole or not at all, and the answer may have been lost),
 * `failed` (a read or write failed; nothing was half-applied).
 */
export type StoreErrorCode = 'unusable' | 'closed' | 'unavailable' | 'failed'

/**
 * The one error class of the stores. Messages name the store (a file path or a database
 * host, never a password) and never carry stored values.
 *
 * @example
 * ```ts
 * try {
 *   createSqliteStore({ path: './data/keys.db' })
 * } catch (err) {
 *   if (err instanceof StoreError && err.code === 'unusable') console.error(err.message)
 * }
 * ```
 */
export class StoreError extends Error {
  override readonly name = 'StoreError'
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
