import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore } from '../../src/store/sqlite.js'
import { createFamilyBatchCommit, prepareFamilyWrites } from '../../src/store/sqlite-family-writes.js'
import { createFamilyWriter } from '../../src/store/sqlite-writer.js'
import { makeClient, makeFamily, makeKey } from './records.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function storeFile(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'jwtis-writer-'))
  cleanups.push(() => rm(folder, { recursive: true, force: true }))
  const path = join(folder, 'keys.db')
  const store = createSqliteStore({ path })
  await store.insertClient(makeClient('shop'), [makeKey('shop', 'sig', 'current')])
  await store.close()
  return path
}

describe('family writes through the writer thread', () => {
  it('commits a revocation after the families issued before it, so none escapes it', async () => {
    const store = createSqliteStore({ path: await storeFile() })
    cleanups.push(() => store.close())
    const families = Array.from({ length: 20 }, (_, i) => makeFamily('shop', 'alice', { id: `f-${i}` }))
    const inserted = families.map((family) => store.insertFamily(family))
    const revoked = store.revokeSubject('shop', 'alice', 1)
    await Promise.all(inserted)
    expect(await revoked).toBe(20)
    for (const family of families) expect((await store.getFamily(family.id))?.revokedAt).toBe(1)
  })

  it('commits the family writes queued before close, then closes', async () => {
    const path = await storeFile()
    const store = createSqliteStore({ path })
    const families = Array.from({ length: 5 }, (_, i) => makeFamily('shop', 'dave', { id: `late-${i}` }))
    const writes = families.map((family) => store.insertFamily(family))
    await store.close()
    await Promise.all(writes)
    await expect(store.getFamily('late-0')).rejects.toThrow(/closed/)
    const reopened = createSqliteStore({ path })
    cleanups.push(() => reopened.close())
    for (const family of families) expect((await reopened.getFamily(family.id))?.sub).toBe('dave')
  })

  it('fails only the write that fails, in a batch committed together', async () => {
    const store = createSqliteStore({ path: await storeFile() })
    cleanups.push(() => store.close())
    const twice = makeFamily('shop', 'bob', { id: 'twice' })
    const results = await Promise.allSettled([
      store.insertFamily(twice),
      store.insertFamily(twice),
      store.insertFamily(makeFamily('shop', 'carol', { id: 'other' })),
    ])
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((await store.getFamily('other'))?.sub).toBe('carol')
  })
})

describe('the writer lane without its thread', () => {
  async function lane(spawn: () => Worker) {
    const path = await storeFile()
    const db = new Database(path)
    cleanups.push(() => {
      db.close()
    })
    const statements = prepareFamilyWrites(db)
    const writer = createFamilyWriter({
      thread: { path, busyTimeoutMs: 5000 },
      commitHere: createFamilyBatchCommit(db, () => statements),
      failure: (reason) => new Error(reason),
      spawn,
    })
    cleanups.push(() => writer.close())
    const count = (id: string) => (db.prepare('SELECT count(*) AS n FROM families WHERE id = ?').get(id) as { n: number }).n
    return { writer, count }
  }

  const row = (id: string) => ({
    id,
    client_kid: 'shop',
    sub: 'u',
    jti: 'j',
    generation: 1,
    prev_jti: null,
    superseded_at: null,
    expires_at: 2,
    max_expires_at: 3,
    revoked_at: null,
    created_at: 1,
  })

  it('commits on the store connection when no thread can start', async () => {
    const { writer, count } = await lane(() => {
      throw new Error('no threads here')
    })
    await writer.write({ op: 'insert', row: row('a') })
    expect(count('a')).toBe(1)
  })

  it('commits on the store connection when the thread stops before it opened the store', async () => {
    const { writer, count } = await lane(() => new Worker('process.exit(3)', { eval: true }))
    await writer.write({ op: 'insert', row: row('b') })
    expect(count('b')).toBe(1)
  })

  it('fails the batch of a thread that stops mid-commit, and commits later writes anew', async () => {
    let started = 0
    const { writer, count } = await lane(() => {
      started++
      return new Worker(
        "const { parentPort } = require('node:worker_threads'); parentPort.postMessage('ready'); parentPort.on('message', () => process.exit(4))",
        { eval: true },
      )
    })
    await expect(writer.write({ op: 'insert', row: row('c') })).rejects.toThrow(/stopped \(exit code 4\)/)
    expect(count('c')).toBe(0)
    await expect(writer.write({ op: 'insert', row: row('d') })).rejects.toThrow(/stopped/)
    expect(started).toBe(2)
  })
})
