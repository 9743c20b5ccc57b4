/// <reference types="node" />
import { type KeyObject, type VerifyKeyObjectInput, verify } from 'node:crypto'

/** The key argument of node:crypto's verify, as the Node.js backend builds it. */
export type VerifyKey = KeyObject | VerifyKeyObjectInput

/**
 * From how many other verifications in flight a check leaves the main thread. Handing a
 * check to libuv's thread pool costs about as much main-thread and kernel time as a whole
 * RSA check, so a lone verification (or a few) stays synchronous; beyond that a second
 * core working through a queue gains more than the hand-off costs (bench/verifier.ts).
 */
const OFFLOAD_FROM = Number(process.env['JWTIS_OFFLOAD_FROM'] ?? 4)
/**
 * Checks kept on the thread pool at once: a queue deep enough that its threads never wait
 * for the main thread to hand them more.
 */
const POOL_DEPTH = Number(process.env['JWTIS_POOL_DEPTH'] ?? 12)
/** The part of the checks in flight handed to the pool; the main thread keeps the rest. */
const POOL_SHARE = Number(process.env['JWTIS_POOL_SHARE'] ?? 0.6)
/**
 * Queued checks the main thread runs itself per event-loop turn while the pool is full:
 * it works instead of sleeping until the next completion, and the turn stays short so
 * completions are handled (and the pool refilled) without delay.
 */
const MAIN_THREAD_SHARE = Number(process.env['JWTIS_MAIN_SHARE'] ?? 2)

interface Check {
  algorithm: string | null
  data: Uint8Array
  key: VerifyKey
  signature: Uint8Array
  resolve(valid: boolean): void
}

/** Checks on the thread pool, from every verifier of the process. */
let onPool = 0
/** Checks waiting for the pool or the main thread, oldest first. */
const waiting: Check[] = []
let drainScheduled = false
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

function dispatch(check: Check): void {
  onPool++
  try {
    verify(check.algorithm, check.data, check.key, check.signature, (err, valid) => {
      onPool--
      fillPool()
      check.resolve(err === null && valid === true)
    })
  } catch {
    onPool--
    check.resolve(false)
  }
}

/** Hands waiting checks to the pool, oldest first, up to its share of the checks in flight. */
function fillPool(): void {
  const limit = Math.min(POOL_DEPTH, Math.max(OFFLOAD_FROM, Math.ceil((onPool + waiting.length) * POOL_SHARE)))
  while (onPool < limit && waiting.length > 0) dispatch(waiting.shift()!)
}

function drain(): void {
  drainScheduled = false
  for (let i = 0; i < MAIN_THREAD_SHARE && waiting.length > 0; i++) {
    const check = waiting.shift()!
    check.resolve(verifyNow(check))
  }
  scheduleDrain()
}

function scheduleDrain(): void {
  if (drainScheduled || waiting.length === 0) return
  drainScheduled = true
  setImmediate(drain)
}

/**
 * node:crypto's one-shot verify, scheduled by load. Alone (fewer than a few other checks
 * in flight) it runs at once and returns the verdict. Otherwise it resolves later, from
 * libuv's thread pool, or from the main thread when the pool is full. "In flight" counts
 * checks on the pool or waiting, plus checks started in the same synchronous stretch (a
 * caller firing verifications without awaiting each), which would otherwise be invisible
 * since synchronous checks settle at once. Any error is a false verdict.
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
  const others = startedTogether++ + onPool + waiting.length
  // The caller turns a throw into a false verdict.
  if (others < OFFLOAD_FROM) return verify(algorithm, data, key, signature)
  return new Promise((resolve) => {
    waiting.push({ algorithm, data, key, signature, resolve })
    fillPool()
    scheduleDrain()
  })
}
