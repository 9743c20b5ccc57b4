/**
 * An app server that installs @jwtis/express gets the verifier and the client, and none of
 * the issuer's server dependencies. The packages are packed as they would be published and
 * installed with npm into an empty app (from npm's cache when it holds them).
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const ROOT = new URL('../../', import.meta.url)
const PACKED = ['client', 'verifier', 'express']

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jwtis-empty-app-'))
  for (const name of PACKED) {
    await run('npx', ['--yes', 'pnpm@10.34.9', 'pack', '--pack-destination', dir], { cwd: new URL(`packages/${name}/`, ROOT) })
  }
  const tarballs = (await readdir(dir)).filter((file) => file.endsWith('.tgz')).map((file) => `./${file}`)
  expect(tarballs).toHaveLength(PACKED.length)
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'empty-app', private: true, type: 'module' }))
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs, 'express@5'], { cwd: dir })
}, 240_000)
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

describe('installing @jwtis/express into an empty app', () => {
  it('brings neither better-sqlite3 nor pg nor prom-client, nor the issuer', () => {
    for (const absent of ['better-sqlite3', 'pg', 'prom-client', '@jwtis/issuer']) {
      expect(existsSync(join(dir, 'node_modules', absent)), absent).toBe(false)
    }
    for (const present of ['@jwtis/express', '@jwtis/verifier', '@jwtis/client', 'jose', 'express']) {
      expect(existsSync(join(dir, 'node_modules', present)), present).toBe(true)
    }
  })

  it('loads and guards a route with the installed build', async () => {
    const script = `
      import { requireAuth } from '@jwtis/express'
      import { createIssuerClient } from '@jwtis/client'
      import express from 'express'
      const app = express()
      app.get('/', requireAuth({ issuer: 'me', audience: 'app', secret: 'x'.repeat(32) }), (req, res) => res.end('ok'))
      const server = app.listen(0, '127.0.0.1', async () => {
        const answer = await fetch('http://127.0.0.1:' + server.address().port + '/')
        console.log(answer.status, answer.headers.get('www-authenticate'), typeof createIssuerClient)
        server.close()
      })
    `
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir })
    expect(stdout.trim()).toBe('401 Bearer realm="api" function')
  })
})
