/**
 * Group commit of the SQLite store's token family writes, off the main thread. Writes made
 * within one turn of the event loop, and all those made while a commit is under way, go
 * to the writer thread as one batch: one fsync for the batch, sized by the load itself,
 * and the main thread keeps serving requests while the disk syncs. Each write resolves
 * only once its batch is on disk (`synchronous = FULL`). Any other write of the store
 * waits for the family writes queued before it, so writes land in the order they were
 * made. When the thread cannot start, batches commit on the store's own connection.
 */
import { Worker } from 'node:worker_threads'
import type { FamilyRow } from './rows.js'
import type { FamilyWrite, FamilyWriteOutcome } from './sqlite-family-writes.js'
import type { WriterAnswer, WriterBatch, WriterData } from './sqlite-writer-thread.js'

type Value = FamilyRow | boolean | undefined

/** Options of {@link createFamilyWriter}. */
export interface FamilyWriterOptions {
  /** What the writer thread opens. */
  thread: WriterData
  /** Commits a batch on the store's own connection; throws when the commit fails. */
  commitHere: (batch: readonly FamilyWrite[]) => FamilyWriteOutcome[]
  /** The error a failed write or batch rejects with. */
  failure: (reason: string) => Error
  /** Start threads with this instead (tests). Default: the package's writer thread. */
  spawn?: ((data: WriterData) => Worker) | undefined
}

/** The ordered lane of the store's writes. */
export interface FamilyWriter {
  /** Queues a family write into the next group commit; resolves once it is on disk. */
  write(write: FamilyWrite): Promise<Value>
  /** Runs `work` (another write) once every family write queued before it is committed. */
  after<T>(work: () => T): Promise<T>
  /** Commits what is queued, then stops the thread. */
  close(): Promise<void>
}

interface Queued {
  write: FamilyWrite
  resolve: (value: Value) => void
  reject: (err: Error) => void
}

type Entry = { family: Queued } | { barrier: () => void }

function spawnWriterThread(data: WriterData): Worker {
  // Run from the sources (tests), the thread is still the package's compiled entry, as for the token workers.
  const entry = import.meta.url.endsWith('.ts') ? '../../dist/store/sqlite-writer-thread.js' : './sqlite-writer-thread.js'
  return new Worker(new URL(entry, import.meta.url), { name: 'jwtis-sqlite-writer', workerData: data })
}

/**
 * Starts an empty lane; the thread starts with the first family write.
 *
 * @example
 * ```ts
 * const writer = createFamilyWriter({ thread: { path, busyTimeoutMs: 5000 }, commitHere, failure })
 * await writer.write({ op: 'revoke', id, at: Date.now() })
 * ```
 */
export function createFamilyWriter(options: FamilyWriterOptions): FamilyWriter {
  const spawn = options.spawn ?? spawnWriterThread
  const lane: Entry[] = []
  let inFlight: { id: number; batch: Queued[] } | undefined
  let scheduled = false
  let worker: Worker | undefined
  /** The thread has opened the store: a batch it loses may have been committed. */
  let threadReady = false
  let threadless = false
  let nextBatchId = 1

  function settle(batch: readonly Queued[], outcomes: readonly FamilyWriteOutcome[]): void {
    batch.forEach((queued, i) => {
      const outcome = outcomes[i]
      if (outcome?.ok === true) queued.resolve(outcome.value)
      else queued.reject(options.failure(outcome?.reason ?? 'the write has no outcome'))
    })
  }

  function commitHere(batch: readonly Queued[]): void {
    let outcomes: FamilyWriteOutcome[]
    try {
      outcomes = options.commitHere(batch.map((queued) => queued.write))
    } catch (err) {
      const failed = options.failure(err instanceof Error ? err.message : String(err))
      for (const queued of batch) queued.reject(failed)
      return
    }
    settle(batch, outcomes)
  }

  /** The thread is gone: its batch fails, or, if the thread never opened the store, commits here. */
  function lose(current: Worker, reason: string): void {
    if (worker !== current) return
    worker = undefined
    const lost = inFlight
    inFlight = undefined
    if (!threadReady) threadless = true
    if (lost !== undefined) {
      if (!threadReady) commitHere(lost.batch)
      else for (const queued of lost.batch) queued.reject(options.failure(reason))
    }
    pump()
  }

  function start(): Worker | undefined {
    if (worker !== undefined || threadless) return worker
    let started: Worker
    try {
      started = spawn(options.thread)
    } catch {
      threadless = true
      return undefined
    }
    worker = started
    threadReady = false
    started.unref()
    started.on('message', (answer: WriterAnswer | 'ready') => {
      if (answer === 'ready') {
        threadReady = true
        return
      }
      const done = inFlight
      if (done === undefined || done.id !== answer.id) return
      inFlight = undefined
      started.unref()
      if ('failed' in answer) {
        const failed = options.failure(answer.failed)
        for (const queued of done.batch) queued.reject(failed)
      } else {
        settle(done.batch, answer.outcomes)
      }
      // What queued up during this commit goes out at once, as the next batch.
      pump()
    })
    started.on('error', (err) => lose(started, `the SQLite writer thread failed: ${err.message}`))
    started.on('exit', (code) => lose(started, `the SQLite writer thread stopped (exit code ${code})`))
    return started
  }

  function pump(): void {
    scheduled = false
    while (inFlight === undefined && lane.length > 0) {
      const head = lane[0]!
      if ('barrier' in head) {
        lane.shift()
        head.barrier()
        continue
      }
      let count = 0
      while (count < lane.length && 'family' in lane[count]!) count++
      const batch = lane.splice(0, count).map((entry) => (entry as { family: Queued }).family)
      const thread = start()
      if (thread === undefined) {
        commitHere(batch)
        continue
      }
      const id = nextBatchId++
      inFlight = { id, batch }
      thread.ref()
      const message: WriterBatch = { id, writes: batch.map((queued) => queued.write) }
      thread.postMessage(message)
    }
  }

  function enqueue(entry: Entry): void {
    lane.push(entry)
    if (!scheduled && inFlight === undefined) {
      scheduled = true
      setImmediate(pump)
    }
  }

  function after<T>(work: () => T): Promise<T> {
    if (lane.length === 0 && inFlight === undefined) {
      try {
        return Promise.resolve(work())
      } catch (err) {
        return Promise.reject(err)
      }
    }
    return new Promise<T>((resolve, reject) => {
      lane.push({
        barrier: () => {
          try {
            resolve(work())
          } catch (err) {
            reject(err)
          }
        },
      })
      if (inFlight === undefined) pump()
    })
  }

  return {
    write: (write) =>
      new Promise<Value>((resolve, reject) => {
        enqueue({ family: { write, resolve, reject } })
      }),

    after,

    async close() {
      await after(() => undefined)
      const current = worker
      worker = undefined
      if (current === undefined) return
      const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()))
      // Held until it has exited: a process closing its store does not end before the store is closed.
      current.ref()
      current.postMessage('close')
      await exited
    },
  }
}
