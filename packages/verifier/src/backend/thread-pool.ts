/// <reference types="node" />
import { verify } from 'node:crypto'
import * as os from 'node:os'
import { type Check, type VerifyKey, VerifyWorker } from './verify-worker.js'

export type { VerifyKey } from './verify-worker.js'

/*
 * The scheduling constants below were measured with bench/verifier.ts on two cores
 * (ES256, EdDSA, RS256, PS256; 1 and 16 verifications in flight); the README's "The
 * Node.js build" says why the checks go to threads of the package's own.
 */

/**
 * From how many other checks in flight a check leaves the main thread. Alone, or nearly,
 * a check is cheapest where it is: a hand-off only pays when both threads have work.
 */
const OFFLOAD_FROM = 4
/** Threads of the package's own: one per core beside the main thread's, at most four. */
const MAX_WORKERS = 4
/**
 * The part of the waiting checks a thread takes per batch; the main thread runs the rest
 * itself, since it also parses every token and hands the batches over.
 */
const WORKER_SHARE = 0.7
/**
 * Batches a thread holds at once: a second one queued behind the first keeps it from
 * idling while the main thread is busy with a check of its own.
 */
const WORKER_DEPTH = 2
/** Most checks in one batch: a bound on the latency a check can wait behind others. */
const MAX_BATCH = 64

/** Checks waiting for a thread or the main thread, oldest first. */
const waiting: Check[] = []
let workers: VerifyWorker[] | undefined
/** One core, no thread could start, or one was lost: every check stays on the main thread. */
let disabled = false
let flushQueued = false
let turnScheduled = false
/** Checks started since the last microtask checkpoint: callers that did not await each other. */
let startedTogether = 0
let checkpointQueued = false
const settled = Promise.resolve()

function checkpoint(): void {
  startedTogether = 0
  checkpointQueued = false
}

function verifyNow(check: Check): boolean {
  try {
    return verify(check.algorithm, check.data, check.key, check.signature)
  } catch {
    return false
  }
}

/** Runs every waiting check (and those a lost thread gave back) on the main thread. */
function runAllHere(checks: Check[]): void {
  for (const check of checks) check.resolve(verifyNow(check))
}

/** Cores the process may use; 1 where the runtime does not tell. */
function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : 1
}

function startWorkers(): VerifyWorker[] {
  const count = Math.min(MAX_WORKERS, cores() - 1)
  if (count < 1) disabled = true
  const started: VerifyWorker[] = []
  const events = { ready: queueFlush, done: queueFlush, lost: loseWorkers }
  try {
    for (let i = 0; i < count; i++) started.push(new VerifyWorker(events))
  } catch {
    // A runtime without worker threads: the main thread does all the work, as on one core.
    disabled = true
  }
  return started
}

function loseWorkers(unresolved: Check[]): void {
  disabled = true
  runAllHere(unresolved)
  runAllHere(waiting.splice(0))
}

/**
 * Hands batches to the threads that have room. Runs once per stretch of calls (on the
 * next tick, after the callers' continuations), so that one batch carries every check
 * started meanwhile.
 */
function flush(): void {
  flushQueued = false
  if (disabled) {
    runAllHere(waiting.splice(0))
    return
  }
  for (const worker of workers!) {
    if (waiting.length === 0) break
    if (!worker.canTake(WORKER_DEPTH)) continue
    const count = Math.min(MAX_BATCH, Math.ceil(waiting.length * WORKER_SHARE))
    const batch = waiting.splice(0, count)
    try {
      worker.send(batch)
    } catch {
      // A key the thread cannot be sent: these checks, and any like them, stay here.
      runAllHere(batch)
    }
  }
  scheduleTurn()
}

function queueFlush(): void {
  if (flushQueued || waiting.length === 0) return
  flushQueued = true
  process.nextTick(flush)
}

/** One waiting check per event-loop turn on the main thread, so that answers from the threads are read between them. */
function turn(): void {
  turnScheduled = false
  const check = waiting.shift()
  if (check !== undefined) check.resolve(verifyNow(check))
  scheduleTurn()
}

function scheduleTurn(): void {
  if (turnScheduled || waiting.length === 0) return
  turnScheduled = true
  setImmediate(turn)
}

function pendingOnWorkers(): number {
  if (workers === undefined) return 0
  let count = 0
  for (const worker of workers) count += worker.pending
  return count
}

/**
 * node:crypto's one-shot verify, scheduled by load. Alone (fewer than a few other checks
 * in flight) it runs at once and returns the verdict. Otherwise it resolves later, from a
 * thread of the package's own (batched with the checks started alongside) or from the
 * main thread between event-loop turns, so that every core works. "In flight" counts
 * checks waiting or on a thread, plus checks started in the same synchronous stretch
 * (callers that did not await each other), which would otherwise be invisible since
 * synchronous checks settle at once. The counts and threads are shared by every verifier
 * of the process. A deferred check turns any error into a false verdict; a check run at
 * once lets it throw to the caller.
 */
export function scheduleVerify(
  algorithm: string | null,
  data: Uint8Array,
  key: VerifyKey,
  signature: Uint8Array,
): boolean | Promise<boolean> {
  if (!checkpointQueued) {
    checkpointQueued = true
    void settled.then(checkpoint)
  }
  if (disabled) return verify(algorithm, data, key, signature)
  const others = startedTogether++ + waiting.length + pendingOnWorkers()
  if (others < OFFLOAD_FROM) return verify(algorithm, data, key, signature)
  workers ??= startWorkers()
  if (disabled) return verify(algorithm, data, key, signature)
  // A turn still due with nothing waiting has nothing to do: forget it, so that one lost
  // to a faked and restored setImmediate cannot keep the main thread's turns from coming.
  if (waiting.length === 0) turnScheduled = false
  return new Promise((resolve) => {
    waiting.push({ algorithm, data, key, signature, resolve })
    queueFlush()
  })
}
