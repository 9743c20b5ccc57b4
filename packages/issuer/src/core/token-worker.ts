/**
 * The entry of a token worker thread: runs the token jobs of each batch the pool posts and
 * answers with all their results in one message. Keys arrive once, by id, and stay until
 * the pool resets them; they are never logged or sent back.
 */
import type { KeyObject } from 'node:crypto'
import { parentPort } from 'node:worker_threads'
import { lowerThreadPriority } from './thread-priority.js'
import { runTokenJob, type TokenJobResult } from './token-jobs.js'
import type { WorkerBatch, WorkerResults } from './token-workers.js'

const port = parentPort
if (port === null) throw new Error('token-worker runs only as a worker thread of the token pool')
lowerThreadPriority()

const keys = new Map<number, KeyObject>()

port.on('message', (batch: WorkerBatch) => {
  if (batch.reset) keys.clear()
  for (const [id, key] of batch.keys) keys.set(id, key)
  const results: WorkerResults = {
    results: batch.jobs.map(({ id, job, keys: ids }): [number, TokenJobResult] => {
      const jobKeys: KeyObject[] = []
      for (const keyId of ids) {
        const key = keys.get(keyId)
        if (key === undefined) return [id, { ok: false, refused: false, reason: 'a key never reached the token worker' }]
        jobKeys.push(key)
      }
      return [id, runTokenJob(job, jobKeys)]
    }),
  }
  port.postMessage(results)
})
