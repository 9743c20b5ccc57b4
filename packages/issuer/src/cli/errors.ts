/**
 * A failure the CLI reports as one line: its message is shown as is (it never carries a
 * secret), and the process exits with `exitCode`.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError'
  /** The process exit code: 1 for failures, 2 for usage errors. */
  readonly exitCode: number

  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options)
    this.exitCode = exitCode
  }
}

/** A bad command line: an unknown flag, a bad value, a missing argument (exit code 2). */
export class UsageError extends CliError {
  override readonly name: string = 'UsageError'

  constructor(message: string) {
    super(`${message} (see jwtis --help)`, 2)
  }
}
