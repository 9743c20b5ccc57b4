#!/usr/bin/env node
import { describeFailure } from './failure.js'
import { processIo } from './io.js'
import { runCli } from './run.js'

try {
  await runCli(process.argv.slice(2), process.env, processIo)
} catch (error) {
  const { message, exitCode } = describeFailure(error)
  // Exit once the message is written, even if a failed start left a handle open.
  process.stderr.write(`${message}\n`, () => process.exit(exitCode))
}
