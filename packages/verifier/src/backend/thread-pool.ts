/// <reference types="node" />
import { type KeyObject, type VerifyKeyObjectInput, verify } from 'node:crypto'

/** The key argument of node:crypto's verify, as the Node.js backend builds it. */
export type VerifyKey = KeyObject | VerifyKeyObjectInput

/*
 * The scheduling constants below were measured with bench/verifier.ts on two cores
 * (ES256, EdDSA, RS256, PS256; 1 to 16 verifications in flight).
 */

/**
 * From how many other checks in flight a check leaves the main thread. A hand-off to the
 * thread pool costs about a third of an RSA check in main-thread and kernel time: with
 * one or two others in flight it loses (RS256 fell to half the synchronous rate), from
 * four on a second core gains more than the hand-offs cost.
 */
const OFFLOAD_FROM = 4
/**
 * Most checks on the thread pool at once. A deep queue keeps its threads from sleeping
 * between checks (each wake-up costs more than a check); a bounded one leaves work for
 * the main thread.
 */
const POOL_DEPTH = 12
/**
 * The part of the checks in flight handed to the pool (at least {@link OFFLOAD_FROM}); the
 * main thread runs the rest itself instead of sleeping until the next completion.
 */
const POOL_SHARE = 0.6
/**
 * Waiting checks the main thread runs per event-loop turn: few, so that the turn stays
 * short and completions are handled (and the pool refilled) without delay.
 */
const MAIN_THREAD_SHARE = 2

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
      // With nothing left waiting, a drain still pending has nothing to do: forget it, so
      // that one lost with a faked and restored setImmediate cannot stop future drains.
      if (waiting.length === 0) drainScheduled = false
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
 * libuv's thread pool or from the main thread between event-loop turns, so that both
 * cores work. "In flight" counts checks on the pool or waiting, plus checks started in
 * the same synchronous stretch (callers that did not await each other), which would
 * otherwise be invisible since synchronous checks settle at once. The counts are shared
 * by every verifier of the process, like the thread pool. A deferred check turns any
 * error into a false verdict; a check run at once lets it throw to the caller.
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
  if (others < OFFLOAD_FROM) return verify(algorithm, data, key, signature)
  return new Promise((resolve) => {
    waiting.push({ algorithm, data, key, signature, resolve })
    fillPool()
    scheduleDrain()
  })
}
