import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['dev-source'] },
  test: {
    name: 'verifier',
    include: ['test/**/*.test.ts'],
    // The public types are tested too: `*.test-d.ts` files are checked by tsc on every run.
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: './tsconfig.typecheck.json',
    },
  },
})
