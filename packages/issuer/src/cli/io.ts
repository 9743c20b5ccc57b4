/** Where a command writes: `out` for results, `err` for notes and logs. One line per call. */
export interface Io {
  out(line: string): void
  err(line: string): void
}

/**
 * The process's stdout and stderr, one line per call.
 *
 * @example
 * ```ts
 * processIo.out('listening on http://127.0.0.1:4343')
 * ```
 */
export const processIo: Io = {
  out: (line) => {
    process.stdout.write(`${line}\n`)
  },
  err: (line) => {
    process.stderr.write(`${line}\n`)
  },
}
