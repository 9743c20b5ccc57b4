import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StoreError } from '../../src/store/errors.js'
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite.js'
import { describeStoreConformance } from './conformance.js'
import { makeClient, makeFamily, makeKey } from './records.js'

const temporaryFolders: string[] = []

async function freshFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'jwtis-sqlite-'))
  temporaryFolders.push(folder)
  return folder
}

afterEach(async () => {
  for (const folder of temporaryFolders.splice(0)) await rm(folder, { recursive: true, force: true })
})

describeStoreConformance('sqlite', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'jwtis-conformance-'))
  const store = createSqliteStore({ path: join(folder, 'keys.db') })
  return {
    store,
    cleanup: async () => {
      await store.close()
      await rm(folder, { recursive: true, force: true })
    },
  }
})

/** Fills a store with enough rows to span many pages, then closes it. */
async function fillStore(path: string): Promise<void> {
  const store = createSqliteStore({ path })
  await store.init()
  for (let i = 0; i < 40; i++) {
    const kid = `client-${i}`
    await store.insertClient(makeClient(kid), [makeKey(kid, 'sig', 'current'), makeKey(kid, 'enc', 'current')])
    for (let j = 0; j < 10; j++) await store.insertFamily(makeFamily(kid, `user-${j}`))
  }
  await store.close()
}

function expectUnusable(path: string, words: RegExp): void {
  let caught: unknown
  try {
    createSqliteStore({ path }).close()
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(StoreError)
  expect((caught as StoreError).code).toBe('unusable')
  expect((caught as StoreError).message).toContain(path)
  expect((caught as StoreError).message).toMatch(words)
}

describe('createSqliteStore', () => {
  let folder: string
  beforeEach(async () => {
    folder = await freshFolder()
  })

  it('creates a private folder and file', async () => {
    const path = join(folder, 'data', 'keys.db')
    const store = createSqliteStore({ path: path })
    await store.init()
    await store.setMeta({ a: '1' })
    expect((await stat(join(folder, 'data'))).mode & 0o777).toBe(0o700)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(store.path).toBe(path)
    expect(store.kind).toBe('sqlite')
    await store.close()
  })

  it('records its schema version and uses write-ahead logging', async () => {
    const path = join(folder, 'keys.db')
    const store = createSqliteStore({ path })
    await store.init()
    expect(await store.getMeta('schema_version')).toBe('2')
    await store.close()
    const raw = new Database(path, { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    raw.close()
  })

  it('keeps everything across a reopen', async () => {
    const path = join(folder, 'keys.db')
    const client = makeClient('shop')
    const keys = [makeKey('shop', 'sig', 'current'), makeKey('shop', 'enc', 'current')]
    const family = makeFamily('shop', 'alice')
    const first = createSqliteStore({ path })
    await first.init()
    await first.setMeta({ keyring: 'meta-text' })
    await first.insertClient(client, keys)
    await first.insertFamily(family)
    await first.close()

    const second = createSqliteStore({ path })
    expect(await second.getMeta('keyring')).toBe('meta-text')
    expect(await second.getClient('shop')).toEqual(client)
    expect(await second.listKeys()).toEqual(keys)
    expect(await second.getFamily(family.id)).toEqual(family)
    await second.close()
  })

  it('accepts an existing empty file as a new store', async () => {
    const path = join(folder, 'keys.db')
    await writeFile(path, '')
    const store = createSqliteStore({ path })
    await store.init()
    expect(await store.initMeta({ keyring: 'x' })).toBe(true)
    await store.close()
  })

  it('refuses a truncated store file, naming it', async () => {
    const path = join(folder, 'keys.db')
    await fillStore(path)
    const { size } = await stat(path)
    expect(size).toBeGreaterThan(16 * 1024)
    await truncate(path, Math.floor(size / 2))
    expectUnusable(path, /truncated|corrupted/)
  })

  it('refuses a file of random bytes and leaves it untouched', async () => {
    const path = join(folder, 'keys.db')
    const bytes = randomBytes(16 * 1024)
    await writeFile(path, bytes)
    expectUnusable(path, /truncated, corrupted or not a database/)
    expect(Buffer.compare(await readFile(path), bytes)).toBe(0)
  })

  it('refuses the database of another application and leaves it untouched', async () => {
    const path = join(folder, 'other.db')
    const other = new Database(path)
    other.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)')
    other.prepare('INSERT INTO users (name) VALUES (?)').run('alice')
    other.close()
    const before = await readFile(path)
    expectUnusable(path, /another application, not a jwtis store/)
    expect(Buffer.compare(await readFile(path), before)).toBe(0)
  })

  it('refuses a store of a newer schema', async () => {
    const path = join(folder, 'keys.db')
    const store = createSqliteStore({ path })
    await store.init()
    await store.close()
    const raw = new Database(path)
    raw.pragma('user_version = 99')
    raw.close()
    expectUnusable(path, /schema version 99/)
  })

  it('refuses an empty path', () => {
    expect(() => createSqliteStore({ path: '' })).toThrow(TypeError)
  })
})

describe('backup', () => {
  let folder: string
  let store: SqliteStore
  beforeEach(async () => {
    folder = await freshFolder()
    store = createSqliteStore({ path: join(folder, 'keys.db') })
    await store.init()
  })
  afterEach(async () => {
    await store.close()
  })

  it('writes a consistent private copy that opens as a store', async () => {
    const family = makeFamily('shop', 'alice')
    await store.insertClient(makeClient('shop'), [makeKey('shop', 'sig', 'current')])
    await store.insertFamily(family)
    await store.setMeta({ keyring: 'meta-text' })
    const destination = join(folder, 'backups', 'copy.db')

    await store.backup(destination)
    // The live store keeps working, and changes after the backup are not in the copy.
    await store.revokeFamily(family.id, 1)

    expect((await stat(destination)).mode & 0o777).toBe(0o600)
    expect(await readdir(join(folder, 'backups'))).toEqual(['copy.db'])
    const copy = createSqliteStore({ path: destination })
    expect(await copy.getMeta('keyring')).toBe('meta-text')
    expect(await copy.getFamily(family.id)).toEqual(family)
    await copy.close()
  })

  it('replaces an older backup at the destination', async () => {
    const destination = join(folder, 'copy.db')
    await store.setMeta({ round: '1' })
    await store.backup(destination)
    await store.setMeta({ round: '2' })
    await store.backup(destination)
    const copy = createSqliteStore({ path: destination })
    expect(await copy.getMeta('round')).toBe('2')
    await copy.close()
  })

  it('refuses to back up onto the store itself', async () => {
    await store.setMeta({ a: '1' })
    await expect(store.backup(store.path)).rejects.toThrow(/onto itself/)
    expect(await store.getMeta('a')).toBe('1')
  })
})

/**
 * The child writer runs the TypeScript store through tsx. tsx is found from this package
 * or, failing that, where the test runner's own vite finds it.
 */
function findTsxLoader(): string | undefined {
  const require = createRequire(import.meta.url)
  const attempts = [
    () => require.resolve('tsx'),
    () => {
      const vitest = createRequire(require.resolve('vitest/package.json'))
      return createRequire(vitest.resolve('vite/package.json')).resolve('tsx')
    },
  ]
  for (const attempt of attempts) {
    try {
      return attempt()
    } catch {
      // try the next place
    }
  }
  return undefined
}

/** Resolves once the child has acknowledged `count` writes; returns the acknowledged numbers. */
function collectAcks(child: ChildProcess, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const acks: number[] = []
    let buffered = ''
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const match = /^ack (\d+)$/.exec(line)
        if (match) acks.push(Number(match[1]))
      }
      if (acks.length >= count) resolve(acks)
    })
    child.on('exit', (code, signal) => {
      if (acks.length < count) reject(new Error(`the writer stopped early (${code ?? signal}): ${stderr}`))
    })
  })
}

const tsxLoader = findTsxLoader()
if (!tsxLoader) console.warn('tsx not found: skipping the SQLite crash test')

describe.skipIf(!tsxLoader)('a crash mid-write', () => {
  it('leaves a usable store holding every acknowledged write', async () => {
    const folder = await freshFolder()
    const path = join(folder, 'keys.db')
    const writer = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', pathToFileURL(tsxLoader!).href, writer, path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let acks: number[]
    try {
      acks = await collectAcks(child, 300)
    } finally {
      child.kill('SIGKILL')
    }
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)))
    expect(child.signalCode).toBe('SIGKILL')
    expect(existsSync(`${path}-wal`)).toBe(true)

    const store = createSqliteStore({ path })
    for (const i of acks) {
      if (i % 3 === 0) expect(await store.getMeta(`write-${i}`)).toBe(String(i))
      else if (i % 3 === 1) expect((await store.getFamily(`family-${i}`))?.sub).toBe(`user-${i}`)
      else expect((await store.getClient(`client-${i}`))?.kid).toBe(`client-${i}`)
    }
    // A multi-row write is all or nothing, even the one the kill interrupted.
    for (const client of await store.listClients()) {
      const expected = client.kid === 'base' ? 1 : 3
      expect(await store.listKeys({ clientKid: client.kid })).toHaveLength(expected)
    }
    const last = Number(await store.getMeta('last'))
    expect(last).toBeGreaterThanOrEqual(Math.max(...acks.filter((i) => i % 3 === 0)))
    // Still writable.
    await store.insertClient(makeClient('after'), [makeKey('after', 'sig', 'current')])
    expect((await store.getClient('after'))?.kid).toBe('after')
    await store.close()
  })
})
