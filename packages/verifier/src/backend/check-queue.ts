/// <reference types="node" />
import type { KeyObject, VerifyKeyObjectInput } from 'node:crypto'

/** The key argument of node:crypto's verify, as the Node.js backend builds it. */
export type VerifyKey = KeyObject | VerifyKeyObjectInput

/** One signature check, and how its verdict is delivered. */
export interface Check {
  algorithm: string | null
  data: Uint8Array
  key: VerifyKey
  signature: Uint8Array
  resolve(valid: boolean): void
}

/*
 * The queue lives in shared memory, so that a check reaches a thread, and its verdict
 * comes back, without a message: the main thread writes a record and bumps a counter, any
 * thread (the main one included) claims the oldest unclaimed record with a
 * compare-and-swap, and the verdict is one int32 the main thread reads when it looks.
 * Sequence numbers are int32 counters that wrap; a record's slot is its number modulo
 * SLOTS, a power of two, which stays consistent across the wrap.
 */

/** Records in the queue at once; more checks wait on the main thread. */
export const SLOTS: number = 512
const MASK = SLOTS - 1
/** Bytes of signing input and signature in the queue at once; a ring. */
export const BYTES: number = 256 * 1024

/** Int32 fields of the control block. */
export const CONTROL = {
  /** Records written so far: the next record's number. */
  published: 0,
  /** Records claimed so far: the oldest unclaimed record's number. */
  claimed: 1,
  /** Threads asleep, or about to be, waiting for `published` to move. */
  sleepers: 2,
  /** 1 when the main thread wants a message at the next verdict, since it is not looking. */
  wakeMain: 3,
} as const
const CONTROL_FIELDS = 4

/** Int32 fields of a record's slot. */
export const SLOT = { key: 0, algorithm: 1, offset: 2, dataLength: 3, signatureLength: 4 } as const
export const SLOT_FIELDS = 5

/** A record's verdict: not yet, invalid, valid, or checked (and resolved) by the main thread. */
export const VERDICT = { pending: 0, invalid: 1, valid: 2, resolvedHere: 3 } as const

/** The queue's shared memory, as a thread receives it. */
export interface QueueMemory {
  control: SharedArrayBuffer
  slots: SharedArrayBuffer
  verdicts: SharedArrayBuffer
  bytes: SharedArrayBuffer
}

/** Ids of a record's key and algorithm, as its threads know them. */
export interface RecordIds {
  key: number
  algorithm: number
}

/**
 * The main thread's side of the queue: it alone publishes records and collects verdicts,
 * and takes records itself between event-loop turns. Threads claim records through the
 * same counter, so the load divides itself: whoever is free takes the oldest.
 */
export class CheckQueue {
  readonly memory: QueueMemory
  readonly #control: Int32Array
  readonly #slots: Int32Array
  readonly #verdicts: Int32Array
  readonly #bytes: Uint8Array
  /** Each record's check, by slot, until its verdict is collected. */
  readonly #checks: (Check | undefined)[] = new Array(SLOTS)
  #published = 0
  /** The oldest record whose verdict is not yet collected. */
  #oldest = 0
  /** Where the next record's bytes go. */
  #head = 0

  /**
   * @param firstRecord - The first record's number; any int32 (the tests start near the
   *   wrap of the counters).
   */
  constructor(firstRecord = 0) {
    this.memory = {
      control: new SharedArrayBuffer(CONTROL_FIELDS * 4),
      slots: new SharedArrayBuffer(SLOTS * SLOT_FIELDS * 4),
      verdicts: new SharedArrayBuffer(SLOTS * 4),
      bytes: new SharedArrayBuffer(BYTES),
    }
    this.#control = new Int32Array(this.memory.control)
    this.#slots = new Int32Array(this.memory.slots)
    this.#verdicts = new Int32Array(this.memory.verdicts)
    this.#bytes = new Uint8Array(this.memory.bytes)
    this.#published = this.#oldest = firstRecord | 0
    this.#control[CONTROL.published] = this.#control[CONTROL.claimed] = this.#published
  }

  /** Records whose verdicts are not collected yet. */
  get outstanding(): number {
    return (this.#published - this.#oldest) | 0
  }

  /** Records no thread has claimed yet. */
  get unclaimed(): number {
    return (this.#published - Atomics.load(this.#control, CONTROL.claimed)) | 0
  }

  /**
   * Writes a check for the threads and wakes a sleeping one. False when the queue is full
   * (in records or bytes): the caller keeps the check.
   */
  publish(check: Check, ids: RecordIds): boolean {
    if (this.outstanding >= SLOTS) return false
    const offset = this.#allocate(check.data.length + check.signature.length)
    if (offset < 0) return false
    this.#bytes.set(check.data, offset)
    this.#bytes.set(check.signature, offset + check.data.length)
    const slot = this.#published & MASK
    const fields = slot * SLOT_FIELDS
    this.#slots[fields + SLOT.key] = ids.key
    this.#slots[fields + SLOT.algorithm] = ids.algorithm
    this.#slots[fields + SLOT.offset] = offset
    this.#slots[fields + SLOT.dataLength] = check.data.length
    this.#slots[fields + SLOT.signatureLength] = check.signature.length
    this.#checks[slot] = check
    this.#published = (this.#published + 1) | 0
    // The atomic store publishes the plain writes above to a thread that reads it.
    Atomics.store(this.#control, CONTROL.published, this.#published)
    if (Atomics.load(this.#control, CONTROL.sleepers) > 0) Atomics.notify(this.#control, CONTROL.published, 1)
    return true
  }

  /** Claims the oldest unclaimed record for the main thread; undefined when there is none. */
  claim(): Check | undefined {
    for (;;) {
      const next = Atomics.load(this.#control, CONTROL.claimed)
      if (next === this.#published) return undefined
      if (Atomics.compareExchange(this.#control, CONTROL.claimed, next, (next + 1) | 0) !== next) continue
      const slot = next & MASK
      // Marked before the check runs: collecting it later must not resolve it twice.
      Atomics.store(this.#verdicts, slot, VERDICT.resolvedHere)
      return this.#checks[slot]
    }
  }

  /** Resolves every check, oldest first, whose verdict a thread has written. */
  collect(): void {
    while (this.#oldest !== this.#published) {
      const slot = this.#oldest & MASK
      const verdict = Atomics.load(this.#verdicts, slot)
      if (verdict === VERDICT.pending) return
      const check = this.#releaseOldest(slot)
      if (verdict !== VERDICT.resolvedHere) check.resolve(verdict === VERDICT.valid)
    }
  }

  /** Takes back every check whose verdict is not collected, oldest first, and empties the queue. */
  drain(): Check[] {
    const left: Check[] = []
    while (this.#oldest !== this.#published) {
      const slot = this.#oldest & MASK
      const resolved = this.#verdicts[slot] === VERDICT.resolvedHere
      const check = this.#releaseOldest(slot)
      if (!resolved) left.push(check)
    }
    // No thread may take a record from now on.
    Atomics.store(this.#control, CONTROL.claimed, this.#published)
    return left
  }

  /** Frees the oldest record's slot (the one given) for reuse and returns its check. */
  #releaseOldest(slot: number): Check {
    const check = this.#checks[slot]!
    this.#verdicts[slot] = VERDICT.pending
    this.#checks[slot] = undefined
    this.#oldest = (this.#oldest + 1) | 0
    return check
  }

  /**
   * Asks the threads for a message at their next verdict: the main thread stops looking.
   * A verdict written since the main thread last looked, before the request took effect,
   * sends no message, so it is collected here; with nothing left outstanding, the request
   * is withdrawn.
   */
  askForWake(): void {
    Atomics.store(this.#control, CONTROL.wakeMain, 1)
    this.collect()
    if (this.outstanding === 0) this.cancelWake()
  }

  /** The main thread looks again: no message needed. */
  cancelWake(): void {
    Atomics.store(this.#control, CONTROL.wakeMain, 0)
  }

  /**
   * Finds room for a record's bytes in the ring: at the head, or from the start when the
   * end is too short. The oldest outstanding record marks where used bytes begin.
   */
  #allocate(length: number): number {
    if (length > BYTES) return -1
    if (this.outstanding === 0) {
      this.#head = 0
    } else {
      const tail = this.#slots[(this.#oldest & MASK) * SLOT_FIELDS + SLOT.offset]!
      if (this.#head > tail) {
        if (this.#head + length > BYTES) {
          if (length > tail) return -1
          this.#head = 0
        }
      } else if (this.#head + length > tail) {
        return -1
      }
    }
    const offset = this.#head
    this.#head += length
    return offset
  }
}
