/// <reference types="node" />
import { verify } from 'node:crypto'
import * as os from 'node:os'
import { type Check, CheckQueue, type VerifyKey } from './check-queue.js'
import { VerifyThread } from './verify-thread.js'

export type { VerifyKey } from './check-queue.js'

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
const MAX_THREADS = 4

let queue: CheckQueue | undefined
let threads: VerifyThread[] = []
/** Checks only the main thread can run: keys that cannot be sent, or a full queue. */
const local: Check[] = []
/** Keys and algorithm names by the id the threads know them by. */
const ids = new WeakMap<object, number>()
const algorithmIds = new Map<string | null, number>()
/** Keys that cannot be sent to a thread: their checks stay on the main thread. */
const unsendable = new WeakSet<object>()
const forget = new FinalizationRegistry<number>((id) => {
  for (const thread of threads) thread.introduce([], [id])
})
let nextId = 0
/** One core, no thread could start, or one was lost: every check stays on the main thread. */
let disabled = false
let turnScheduled = false
/** True while the process is held open for outstanding checks. */
let holding = false
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

/** Cores the process may use; 1 where the runtime does not tell. */
function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : 1
}

function start(): CheckQueue | undefined {
  const count = Math.min(MAX_THREADS, cores() - 1)
  if (count < 1) {
    disabled = true
    return undefined
  }
  const started = new CheckQueue()
  const events = { wake: onWake, lost: loseThreads }
  try {
    for (let i = 0; i < count; i++) threads.push(new VerifyThread(started.memory, events))
  } catch {
    // A runtime without worker threads (or shared memory): the main thread does all the work.
    for (const thread of threads) thread.stop()
    threads = []
    disabled = true
    return undefined
  }
  return started
}

/** A thread failed: every check it or the others held is redone here, and the threads stop. */
function loseThreads(): void {
  if (disabled) return
  disabled = true
  for (const thread of threads) thread.stop()
  threads = []
  const left = queue?.drain() ?? []
  queue = undefined
  for (const check of [...left, ...local.splice(0)]) check.resolve(verifyNow(check))
}

/** The id a thread knows a key or algorithm by; sends it on first use. Undefined when it cannot be sent. */
function idOf(value: VerifyKey | string | null): number | undefined {
  const known = typeof value === 'object' && value !== null ? ids.get(value) : algorithmIds.get(value)
  if (known !== undefined) return known
  const id = nextId++
  try {
    for (const thread of threads) thread.introduce([[id, value]])
  } catch {
    // A key that cannot be copied to another thread (it carries a function, say).
    if (typeof value === 'object' && value !== null) unsendable.add(value)
    return undefined
  }
  if (typeof value === 'object' && value !== null) {
    ids.set(value, id)
    forget.register(value, id)
  } else {
    algorithmIds.set(value, id)
  }
  return id
}

function enqueue(check: Check): void {
  const key = check.key as object
  if (!unsendable.has(key)) {
    const keyId = idOf(check.key)
    const algorithmId = keyId === undefined ? undefined : idOf(check.algorithm)
    if (keyId !== undefined && algorithmId !== undefined && queue!.publish(check, { key: keyId, algorithm: algorithmId })) {
      hold(true)
      return
    }
  }
  local.push(check)
}

function hold(on: boolean): void {
  if (holding === on) return
  holding = on
  for (const thread of threads) thread.hold(on)
}

/** Resolves what the threads finished; lets the process go when nothing is outstanding. */
function collect(): void {
  queue!.collect()
  if (queue!.outstanding === 0) hold(false)
}

/** Asks the threads for a message at their next verdict (resolving what came meanwhile). */
function awaitThreads(): void {
  queue!.askForWake()
  if (queue!.outstanding === 0) hold(false)
}

/**
 * One check on the main thread per event-loop turn (the oldest unclaimed, else one only
 * the main thread can run), so that the callers' continuations, and verdicts from the
 * threads, are taken between them.
 */
function turn(): void {
  turnScheduled = false
  if (disabled) return
  // The main thread looks now: a message from a thread would tell it nothing new.
  queue!.cancelWake()
  collect()
  const check = queue!.claim() ?? local.shift()
  if (check !== undefined) check.resolve(verifyNow(check))
  collect()
  scheduleTurn(true)
}

/**
 * Schedules the main thread's next turn while there is work it could take; when only the
 * threads hold work, asks them for a message at their next verdict instead. A turn
 * scheduled from outside a turn asks for the message too: should the turn never come (a
 * test suite's faked setImmediate), the threads' verdicts still arrive.
 */
function scheduleTurn(fromTurn: boolean): void {
  if (turnScheduled) return
  if (queue!.unclaimed > 0 || local.length > 0) {
    turnScheduled = true
    setImmediate(turn)
    if (!fromTurn && queue!.outstanding > 0) awaitThreads()
  } else if (queue!.outstanding > 0) {
    awaitThreads()
  }
}

function onWake(): void {
  if (disabled) return
  collect()
  scheduleTurn(false)
  // Until a turn runs (and it may never, under a faked setImmediate), verdicts come this way.
  if (queue!.outstanding > 0) awaitThreads()
}

/**
 * node:crypto's one-shot verify, scheduled by load. Alone (fewer than a few other checks
 * in flight) it runs at once and returns the verdict. Otherwise it resolves later, from a
 * thread of the package's own or from the main thread between event-loop turns, whichever
 * takes it first from a queue in shared memory, so that every core works. "In flight"
 * counts checks outstanding, plus checks started in the same synchronous stretch (callers
 * that did not await each other), which would otherwise be invisible since synchronous
 * checks settle at once. The queue and threads are shared by every verifier of the
 * process. A deferred check turns any error into a false verdict; a check run at once
 * lets it throw to the caller.
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
  const others = startedTogether++ + (queue?.outstanding ?? 0) + local.length
  if (others < OFFLOAD_FROM) return verify(algorithm, data, key, signature)
  queue ??= start()
  if (queue === undefined) return verify(algorithm, data, key, signature)
  // A turn still due with nothing to take has nothing to do: forget it, so that one lost
  // to a faked and restored setImmediate cannot keep the main thread's turns from coming.
  if (queue.unclaimed === 0 && local.length === 0) turnScheduled = false
  return new Promise((resolve) => {
    enqueue({ algorithm, data, key, signature, resolve })
    scheduleTurn(false)
  })
}
