/**
 * Runs every example as its README says, so none rots: each must exit 0 and print what its
 * README promises. The examples check their own outcomes and exit 1 on any surprise.
 */
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))

/** Lines each example must print (the examples print more). */
const EXPECTED: Record<string, RegExp[]> = {
  quickstart: [
    /^- logged in: cookies jwtis_at, jwtis_rt \(HttpOnly\)$/m,
    /^- protected route answered 200:/m,
    /^- access token expired; the middleware renewed it through the issuer: 200/m,
    /^- the old refresh cookie replayed after logout: 401$/m,
  ],
  'resource-links': [/^- the link opens its invoice: 200/m, /: 403$/m, /^- a made-up token: 401$/m, /: 410 Gone$/m],
  'shared-secret': [/^- token signed with the shared secret: 200/m, /^- token signed with another secret: 401/m, /: 403$/m],
  'multi-issuer': [/^- token of issuer-eu: 200/m, /^- token of issuer-us: 200/m, /relabelled as issuer-eu: 401$/m],
  'verify-local': [/^verified:/m, /^tampered token refused: ERR_SIGNATURE_INVALID$/m],
}

describe.concurrent('examples', () => {
  it('has an expectation for every example folder', () => {
    const folders = readdirSync(EXAMPLES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
    expect(folders.sort()).toEqual(Object.keys(EXPECTED).sort())
  })

  for (const [name, lines] of Object.entries(EXPECTED)) {
    it(`${name} runs to the end`, async () => {
      const { stdout } = await run(process.execPath, ['--conditions=dev-source', '--import', 'tsx', 'src/main.ts'], {
        cwd: `${EXAMPLES}${name}`,
        timeout: 60_000,
      })
      for (const line of lines) expect(stdout).toMatch(line)
      if (name !== 'verify-local') expect(stdout).toMatch(/^- done$/m)
    })
  }
})
