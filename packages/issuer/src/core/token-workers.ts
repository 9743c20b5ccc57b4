/**
 * A small pool of worker threads that run token jobs (signing, encrypting, opening refresh
 * tokens), so that the crypto of many requests uses every core while the main thread keeps
 * HTTP and the store. Jobs queued within one turn of the event loop go out together, one
 * message per worker; each key is posted to a worker once. Without workers the same jobs
 * run on the calling thread, and so does a lone job while every worker is idle: waking a
 * worker and waiting for its answer takes longer than the crypto of one token pair.
 */
import type { KeyObject } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { runTokenJob, type TokenJob, type TokenJobResult, type TokenJobValues } from './token-jobs.js'

/** A batch as the pool posts it to a worker. */
export interface WorkerBatch {
  /** Forget every key received so far (the pool's record of what it sent was full). */
  reset: boolean
  /** Keys the worker has not had yet, by id. */
  keys: Array<[number, KeyObject]>
  jobs: Array<{ id: number; job: TokenJob; keys: number[] }>
}

/** A worker's answer to one batch. */
export interface WorkerResults {
  results: Array<[number, TokenJobResult]>
}

/** A token job that failed. */
export class TokenJobError extends Error {
  override readonly name = 'TokenJobError'
  /** True when the input was bad (a refresh token that does not open), false for a fault of the issuer. */
  readonly refused: boolean

  constructor(message: string, refused: boolean) {
    super(message)
    this.refused = refused
  }
}

/** Options of {@link createTokenWorkers}. */
export interface TokenWorkersOptions {
  /**
   * Worker threads; `0` runs every job on the calling thread. Default: the number of cores
   * (`os.availableParallelism()`), at most 4, when there are two or more; else `0`.
   */
  size?: number | undefined
  /** Receives a line when a worker fails or cannot start; never a secret. Default: none. */
  log?: ((line: string) => void) | undefined
  /** Starts one worker thread running `token-worker`'s loop. Default: the package's own; tests give others. */
  spawn?: (() => Worker) | undefined
}

/** Runs token jobs on worker threads (or inline). */
export interface TokenWorkers {
  /** Worker threads in use; `0` when jobs run on the calling thread. */
  readonly size: number
  /** Runs a job with its keys. Rejects with a {@link TokenJobError}. */
  run<O extends TokenJob['op']>(job: Extract<TokenJob, { op: O }>, keys: readonly KeyObject[]): Promise<TokenJobValues[O]>
  /** Lets jobs under way finish, then stops the workers; later jobs reject. */
  close(): Promise<void>
}

/**
 * The most workers the pool starts unless told otherwise: one main thread, which parses the
 * requests and writes the store, cannot keep more busy.
 */
const MAX_DEFAULT_SIZE = 4
/** How many keys a worker is sent before the pool starts its key store afresh. */
const MAX_KEYS_PER_WORKER = 4096
/** Consecutive workers that exit without ever answering, after which jobs run inline. */
const MAX_FAILED_STARTS = 3
/** Rough relative cost of each job, to share work between workers. */
const COST: Readonly<Record<TokenJob['op'], number>> = { sign: 1, pair: 6, open: 5 }
/**
 * Cost the calling thread takes on itself per turn of the event loop while the pool is idle:
 * one token pair.
 */
const INLINE_BUDGET = COST.pair
/** Weight of the newest sample in the smoothed backlog. */
const BACKLOG_WEIGHT = 0.1
/**
 * The smoothed backlog under which the pool counts as idle. A pool that is only idle for a
 * moment between bursts of load is not: there the main thread is needed for the requests.
 */
const MAX_INLINE_BACKLOG = 0.5

interface Pending {
  id: number
  job: TokenJob
  keys: readonly KeyObject[]
  cost: number
  resolve: (value: TokenJobValues[TokenJob['op']]) => void
  reject: (err: TokenJobError) => void
}

interface Slot {
  worker: Worker | undefined
  /** The worker has answered a batch: it did start. */
  answered: boolean
  /** Ids of the keys this worker has. */
  sent: Set<number>
  inFlight: Map<number, Pending>
  /** Cost of the jobs in flight. */
  load: number
}

function settle(pending: Pending, result: TokenJobResult): void {
  if (result.ok) pending.resolve(result.value)
  else pending.reject(new TokenJobError(result.reason, result.refused))
}

/**
 * Starts one token worker thread: the package's `token-worker` entry.
 *
 * @example
 * ```ts
 * const tokens = createTokenWorkers({ spawn: () => spawnTokenWorker() })
 * ```
 */
export function spawnTokenWorker(): Worker {
  // A worker thread inherits no TypeScript loader: run from the sources, the worker is the
  // compiled entry of the same package (built before any run of the sources' tests).
  const entry = import.meta.url.endsWith('.ts') ? '../../dist/core/token-worker.js' : './token-worker.js'
  return new Worker(new URL(entry, import.meta.url), { name: 'jwtis-token-worker' })
}

function defaultSize(): number {
  const cores = availableParallelism()
  return cores > 1 ? Math.min(cores, MAX_DEFAULT_SIZE) : 0
}

/**
 * Starts a token pool. Workers start on the first job, not before. A worker that dies
 * rejects its jobs in flight (`TokenJobError`, not refused) and is replaced on the next
 * job; when workers cannot start at all, jobs run on the calling thread.
 *
 * @throws TypeError for a size that is not a whole number from 0 to 64.
 * @example
 * ```ts
 * const tokens = createTokenWorkers({ size: 2 })
 * const jws = await tokens.run({ op: 'sign', alg: 'ES256', header, payload }, [privateKey])
 * await tokens.close()
 * ```
 */
export function createTokenWorkers(options: TokenWorkersOptions = {}): TokenWorkers {
  const size = options.size ?? defaultSize()
  if (!Number.isSafeInteger(size) || size < 0 || size > 64) {
    throw new TypeError('the token worker count must be a whole number from 0 to 64')
  }
  const log = options.log ?? ((): void => {})
  const spawn = options.spawn ?? spawnTokenWorker
  const slots: Slot[] = Array.from({ length: size }, () => ({
    worker: undefined,
    answered: false,
    sent: new Set<number>(),
    inFlight: new Map<number, Pending>(),
    load: 0,
  }))
  const keyIds = new WeakMap<KeyObject, number>()
  let nextKeyId = 1
  let nextJobId = 1
  let queued: Pending[] = []
  let inFlight = 0
  let inlineSpent = 0
  /** Jobs queued or in flight as new jobs find them, smoothed. */
  let backlog = 0
  let failedStarts = 0
  let inline = size === 0
  let closed = false
  const unsettled = new Set<Promise<unknown>>()

  function keyIdOf(key: KeyObject): number {
    let id = keyIds.get(key)
    if (id === undefined) {
      id = nextKeyId++
      keyIds.set(key, id)
    }
    return id
  }

  function runInline(pending: Pending): void {
    settle(pending, runTokenJob(pending.job, pending.keys))
  }

  /** Runs a lone job at once on this thread when the pool has been idle; false when it must queue. */
  function tookInline(pending: Pending): boolean {
    const outstanding = queued.length + inFlight
    backlog = backlog * (1 - BACKLOG_WEIGHT) + outstanding * BACKLOG_WEIGHT
    if (outstanding > 0 || backlog > MAX_INLINE_BACKLOG || inlineSpent + pending.cost > INLINE_BUDGET) return false
    if (inlineSpent === 0) {
      setImmediate(() => {
        inlineSpent = 0
      })
    }
    inlineSpent += pending.cost
    runInline(pending)
    return true
  }

  function failSlot(slot: Slot, reason: string): void {
    const lost = [...slot.inFlight.values()]
    inFlight -= lost.length
    slot.inFlight.clear()
    slot.load = 0
    slot.sent.clear()
    slot.worker = undefined
    for (const pending of lost) pending.reject(new TokenJobError(reason, false))
  }

  function start(slot: Slot): Worker {
    const worker = spawn()
    slot.worker = worker
    slot.answered = false
    worker.unref()
    worker.on('message', (answer: WorkerResults) => {
      slot.answered = true
      failedStarts = 0
      for (const [id, result] of answer.results) {
        const pending = slot.inFlight.get(id)
        if (pending === undefined) continue
        slot.inFlight.delete(id)
        inFlight--
        slot.load -= pending.cost
        settle(pending, result)
      }
      if (slot.inFlight.size === 0) worker.unref()
    })
    worker.on('error', (err) => {
      log(`a token worker failed: ${err.name}: ${err.message}`)
    })
    worker.on('messageerror', () => {
      log('a token worker sent a message that could not be read; restarting it')
      void worker.terminate()
    })
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return
      if (!closed && !slot.answered && ++failedStarts >= MAX_FAILED_STARTS && !inline) {
        inline = true
        log('token workers cannot start; token crypto now runs on the main thread')
      }
      if (slot.inFlight.size > 0 && !closed) log(`a token worker stopped (exit code ${code}); its jobs failed`)
      failSlot(slot, 'a token worker stopped')
    })
    return worker
  }

  function post(slot: Slot, jobs: Pending[]): void {
    let worker: Worker
    try {
      worker = slot.worker ?? start(slot)
    } catch (err) {
      inline = true
      log(`token workers cannot start (${err instanceof Error ? err.message : String(err)}); token crypto now runs on the main thread`)
      for (const pending of jobs) runInline(pending)
      return
    }
    const batch: WorkerBatch = { reset: false, keys: [], jobs: [] }
    const needed = new Set<number>()
    for (const pending of jobs) for (const key of pending.keys) needed.add(keyIdOf(key))
    if (slot.sent.size + needed.size > MAX_KEYS_PER_WORKER) {
      batch.reset = true
      slot.sent.clear()
    }
    for (const pending of jobs) {
      const ids = pending.keys.map((key) => {
        const id = keyIdOf(key)
        if (!slot.sent.has(id)) {
          slot.sent.add(id)
          batch.keys.push([id, key])
        }
        return id
      })
      batch.jobs.push({ id: pending.id, job: pending.job, keys: ids })
      slot.inFlight.set(pending.id, pending)
      inFlight++
      slot.load += pending.cost
    }
    worker.ref()
    try {
      worker.postMessage(batch)
    } catch (err) {
      // A job that cannot be posted: this worker's view of the keys is now unknown.
      log(`a token batch could not be posted: ${err instanceof Error ? err.message : String(err)}`)
      failSlot(slot, 'a token job could not be posted')
      void worker.terminate()
    }
  }

  function flush(): void {
    const batch = queued
    queued = []
    if (inline) {
      for (const pending of batch) runInline(pending)
      return
    }
    const perSlot = new Map<Slot, Pending[]>()
    for (const pending of batch) {
      let least = slots[0]!
      for (const slot of slots) if (slot.load < least.load) least = slot
      least.load += pending.cost
      const jobs = perSlot.get(least)
      if (jobs === undefined) perSlot.set(least, [pending])
      else jobs.push(pending)
    }
    for (const [slot, jobs] of perSlot) {
      for (const pending of jobs) slot.load -= pending.cost
      post(slot, jobs)
    }
  }

  function run<O extends TokenJob['op']>(
    job: Extract<TokenJob, { op: O }>,
    keys: readonly KeyObject[],
  ): Promise<TokenJobValues[O]> {
    if (closed) return Promise.reject(new TokenJobError('the token workers are closed', false))
    const promise = new Promise<TokenJobValues[O]>((resolve, reject) => {
      const pending: Pending = {
        id: nextJobId++,
        job,
        keys,
        cost: COST[job.op],
        resolve: resolve as Pending['resolve'],
        reject,
      }
      if (inline) {
        runInline(pending)
        return
      }
      if (tookInline(pending)) return
      if (queued.length === 0) setImmediate(flush)
      queued.push(pending)
    })
    unsettled.add(promise)
    const forget = (): void => {
      unsettled.delete(promise)
    }
    promise.then(forget, forget)
    return promise
  }

  return {
    get size() {
      return inline ? 0 : size
    },
    run,
    async close() {
      if (closed) return
      closed = true
      await Promise.allSettled([...unsettled])
      await Promise.all(slots.map((slot) => slot.worker?.terminate()))
    },
  }
}
