import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  test: {
    name: 'verifier',
    include: ['test/**/*.test.ts'],
  },
})
