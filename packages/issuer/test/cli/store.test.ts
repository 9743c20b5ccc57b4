import { randomBytes } from 'node:crypto'
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  api,
  assertBuilt,
  bannerSecrets,
  type FirstStartSecrets,
  hashStoreFiles,
  runCli,
  startServer,
  tempDir,
} from './helpers.js'

let dir: ReturnType<typeof tempDir>
let db: string
let secrets: FirstStartSecrets
let clientToken: string

beforeAll(() => {
  assertBuilt()
  dir = tempDir()
  db = join(dir.path, 'data', 'keys.db')
})
afterAll(() => dir?.remove())

describe('first start and restarts', () => {
  it('creates the store on first start, printing a generated password and admin token once', async () => {
    const server = await startServer(['-l', '127.0.0.1:0', '-d', db])
    try {
      const { stdout, stderr } = server.output()
      secrets = bannerSecrets(stdout)
      expect(stdout).toMatch(/Store these now/)
      expect(secrets.password.length).toBeGreaterThanOrEqual(32)
      expect(secrets.adminToken.length).toBeGreaterThanOrEqual(32)
      const everything = stdout + stderr
      expect(everything.split(secrets.password)).toHaveLength(2)
      expect(everything.split(secrets.adminToken)).toHaveLength(2)
      // The configuration comes before the banner, and shows neither secret as given.
      expect(stdout).toMatch(/^ {2}password +not given$/m)
      expect(stdout.indexOf('configuration:')).toBeLessThan(stdout.indexOf(secrets.password))

      const registered = await api(server.url, 'POST', '/register/shop', secrets.adminToken, {})
      expect(registered.status).toBe(201)
      clientToken = registered.body.client_token as string
      expect(await api(server.url, 'POST', '/register/other', 'not-the-admin-token', {})).toMatchObject({ status: 401 })
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
    expect(existsSync(db)).toBe(true)
  })

  it('refuses a later start without the password, saying how to give it', async () => {
    const before = hashStoreFiles(db)
    const result = await runCli(['-l', '127.0.0.1:0', '-d', db])
    expect(result.code).toBe(1)
    expect(result.stderr.trim()).toBe(`the store at ${db} is locked: give its password with -p/--pswd or JWTIS_PSWD`)
    expect(result.stdout).not.toMatch(/listening on/)
    expect(hashStoreFiles(db)).toEqual(before)
  })

  it('refuses a wrong password, exits non-zero and leaves every store file byte for byte as it was', async () => {
    const before = hashStoreFiles(db)
    expect(Object.keys(before)).toContain('db')
    const attempts: [string[], Record<string, string>][] = [
      [[], { JWTIS_PSWD: 'a-wrong-password-for-this-store' }],
      [['-p', 'another-wrong-password'], {}],
    ]
    for (const [flags, env] of attempts) {
      const result = await runCli(['-l', '127.0.0.1:0', '-d', db, ...flags], env)
      expect(result.code).toBe(1)
      expect(result.stderr.trim()).toBe(`wrong password: it does not unlock the store at ${db} (nothing was changed)`)
      expect(result.stdout).not.toMatch(/listening on/)
      expect(hashStoreFiles(db)).toEqual(before)
    }
  })

  it('restarts with the password (JWTIS_PSWD), keeping the clients and admin token, with no banner', async () => {
    const server = await startServer(['-l', '127.0.0.1:0', '-d', db], { JWTIS_PSWD: secrets.password })
    try {
      const { stdout, stderr } = server.output()
      expect(stdout).not.toMatch(/Store these now/)
      expect(stdout + stderr).not.toContain(secrets.password)
      expect((await api(server.url, 'GET', '/keys/shop', clientToken)).status).toBe(200)
      expect((await api(server.url, 'POST', '/register/second', secrets.adminToken, {})).status).toBe(201)
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
  })
})

describe('a damaged store fails closed', () => {
  const damaged = (name: string, damage: (path: string) => void): string => {
    const path = join(dir.path, name)
    copyFileSync(db, path)
    damage(path)
    return path
  }

  async function expectFailsClosed(path: string, pattern: RegExp): Promise<void> {
    const before = hashStoreFiles(path)
    const result = await runCli(['-l', '127.0.0.1:0', '-d', path, '-p', secrets.password])
    expect(result.code).toBe(1)
    expect(result.stdout).not.toMatch(/listening on/)
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(pattern)
    expect(lines[0]).toContain(path)
    expect(hashStoreFiles(path)).toEqual(before)
  }

  it('refuses a truncated file', async () => {
    const path = damaged('truncated.db', (p) => {
      const bytes = readFileSync(p)
      writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 2) + 100))
    })
    await expectFailsClosed(path, /truncated, corrupted|corrupted/)
  })

  it('refuses a file with a page of garbage', async () => {
    const path = damaged('garbage-page.db', (p) => {
      const size = statSync(p).size
      expect(size).toBeGreaterThan(8192)
      const fd = openSync(p, 'r+')
      // Page 2 onwards holds the tables; page 1 keeps the header so SQLite opens it at all.
      writeSync(fd, randomBytes(4096), 0, 4096, 4096)
      closeSync(fd)
    })
    await expectFailsClosed(path, /corrupted|damaged/)
  })

  it('refuses a file that is not a database', async () => {
    const path = damaged('not-a-db.db', (p) => writeFileSync(p, randomBytes(20_000)))
    await expectFailsClosed(path, /truncated, corrupted or not a database/)
  })
})
