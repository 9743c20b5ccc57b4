import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  test: {
    name: 'client',
    include: ['test/**/*.test.ts'],
  },
})
