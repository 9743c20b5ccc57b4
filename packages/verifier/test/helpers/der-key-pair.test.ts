/**
 * The test key helpers go through DER, so the suite cannot hang on Node 20: a JWK export
 * of a KeyObject straight out of generateKeyPairSync deadlocks when the garbage collector
 * frees the generation job during the export (see der-key-pair.mjs).
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { createTestKey } from './keys.js'
import { generateKeyPair } from './keys.js'
import { generateDerKeyPair } from './der-key-pair.mjs'
import { newKeyPair } from './keys.js'

const HELPER_URL = new URL('./der-key-pair.mjs', import.meta.url).href
const KEYS = 300

describe('test key helpers', () => {
  it(`generate ${KEYS} EC keys each and export them as JWKs`, async () => {
    const seen = new Set<string>()
    for (let i = 0; i < KEYS; i++) {
      const pair = generateDerKeyPair('ec', { namedCurve: 'P-256' })
      const publicJwk = pair.publicKey.export({ format: 'jwk' })
      const privateJwk = pair.privateKey.export({ format: 'jwk' })
      expect(privateJwk.x).toBe(publicJwk.x)
      seen.add(publicJwk.x!)
      seen.add(newKeyPair('ES256').jwk.x as string)
      seen.add(generateKeyPair('ES256').jwk.x as string)
      seen.add((await createTestKey('ES256')).jwk.x!)
    }
    expect(seen.size).toBe(4 * KEYS)
  })

  it(`generate and export ${KEYS} EC keys while the garbage collector runs every few allocations`, () => {
    // A child process, so that a deadlock is a timeout here rather than a hung suite.
    // --gc-interval collects garbage every 20 allocations: on Node 20 the JWK export of a
    // key straight out of generateKeyPairSync then deadlocks at once.
    const script = `
      const { generateDerKeyPair } = await import(${JSON.stringify(HELPER_URL)})
      let exported = 0
      for (let i = 0; i < ${KEYS}; i++) {
        const pair = generateDerKeyPair('ec', { namedCurve: 'P-256' })
        if (pair.publicKey.export({ format: 'jwk' }).x && pair.privateKey.export({ format: 'jwk' }).d) exported++
      }
      process.stdout.write('exported ' + exported)
    `
    const child = spawnSync(process.execPath, ['--gc-interval=20', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    })
    expect(child.signal, 'the child was killed: key generation deadlocked').toBeNull()
    expect(child.stderr).toBe('')
    expect(child.stdout).toBe(`exported ${KEYS}`)
    expect(child.status).toBe(0)
  }, 40_000)
})
