import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['packages/*', 'test'],
    // Most test files wait on child processes, sockets and scrypt rather than on the CPU, so
    // two files at a time pay off even on two cores (Vitest's default would be one there).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
})
