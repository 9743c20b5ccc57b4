import { KeyringError } from '../crypto/keyring.js'
import { CliError } from './errors.js'

/**
 * What the entry prints for a failure, and the exit code. Every error of the package keeps
 * secrets out of its message, so the message is shown as is; never a stack.
 *
 * @example
 * ```ts
 * const { message, exitCode } = describeFailure(error)
 * ```
 */
export function describeFailure(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode }
  if (error instanceof Error) return { message: error.message || error.name, exitCode: 1 }
  return { message: String(error), exitCode: 1 }
}

/**
 * Turns a keyring failure into what the operator must do; other errors pass through.
 *
 * @example
 * ```ts
 * throw explainUnlockFailure(error, './data/keys.db')
 * ```
 */
export function explainUnlockFailure(error: unknown, storeLabel: string): unknown {
  const keyring = findKeyringError(error)
  if (keyring?.code === 'wrong_password') {
    return new CliError(`wrong password: it does not unlock the store at ${storeLabel} (nothing was changed)`, 1, {
      cause: error,
    })
  }
  if (keyring?.code === 'corrupt') {
    return new CliError(`the store at ${storeLabel} is damaged: its keyring cannot be read; restore a backup`, 1, {
      cause: error,
    })
  }
  return error
}

function findKeyringError(error: unknown): KeyringError | undefined {
  // The core may wrap the keyring's error; follow causes a few levels, never forever.
  let current = error
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current instanceof KeyringError) return current
    current = current.cause
  }
  return undefined
}
