import { execFile } from 'node:child_process'

/** How a child Node process ended. */
export interface NodeRun {
  code: number | null
  /** True when it was killed at the time limit. */
  killed: boolean
  stdout: string
}

/**
 * Runs this Node with `args`, killing it after `limitMs`; the parent's event loop keeps
 * serving meanwhile (a test's servers answer the child).
 *
 * @example
 * ```ts
 * const child = await runNode(['--input-type=module', '-e', script], 15_000)
 * expect(child).toMatchObject({ code: 0, killed: false })
 * ```
 */
export function runNode(args: string[], limitMs: number): Promise<NodeRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, { timeout: limitMs }, (_error, stdout) => {
      resolve({ code: child.exitCode, killed: child.killed, stdout })
    })
  })
}
