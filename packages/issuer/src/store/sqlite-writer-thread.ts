/**
 * The entry of the SQLite writer thread: commits each batch of family writes it is sent on
 * a connection of its own (`synchronous = FULL`, as the store's) and answers with the
 * outcomes once the commit is on disk. The main thread meanwhile serves requests.
 */
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { createFamilyBatchCommit, type FamilyWrite, type FamilyWriteOutcome, prepareFamilyWrites } from './sqlite-family-writes.js'

/** A batch as the store posts it. */
export interface WriterBatch {
  id: number
  writes: FamilyWrite[]
}

/** The thread's answer: every write's outcome, or why the whole batch failed. */
export type WriterAnswer = { id: number; outcomes: FamilyWriteOutcome[] } | { id: number; failed: string }

/** What the thread is started with. */
export interface WriterData {
  path: string
  busyTimeoutMs: number
}

const port = parentPort
if (port === null) throw new Error('sqlite-writer-thread runs only as a worker thread of the SQLite store')
const { path, busyTimeoutMs } = workerData as WriterData

const db = new Database(path, { fileMustExist: true })
db.pragma(`busy_timeout = ${busyTimeoutMs}`)
// The store's file is in WAL mode already; every commit here is fsynced before it returns.
db.pragma('synchronous = FULL')
db.pragma('foreign_keys = ON')
const statements = prepareFamilyWrites(db)
const commit = createFamilyBatchCommit(db, () => statements)

port.on('message', (batch: WriterBatch | 'close') => {
  if (batch === 'close') {
    db.close()
    port.close()
    return
  }
  let answer: WriterAnswer
  try {
    answer = { id: batch.id, outcomes: commit(batch.writes) }
  } catch (err) {
    answer = { id: batch.id, failed: err instanceof Error ? err.message : String(err) }
  }
  port.postMessage(answer)
})
port.postMessage('ready')
