/// <reference types="node" />
import type { KeyObject, VerifyKeyObjectInput } from 'node:crypto'
import { Worker } from 'node:worker_threads'

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

/**
 * A batch is one buffer: a header of int32s (its own length in int32s, then per check the
 * key's id, the algorithm's id, the lengths of the signing input and of the signature),
 * followed by each check's signing input and signature.
 */
const HEADER_FIELDS = 4

/**
 * The thread's code, plain CommonJS evaluated in place: the package needs no separate
 * file to find at run time, whatever the bundling. It keeps the keys and algorithm names
 * it was sent by id, checks each batch in order, and answers with one byte per check (1
 * valid, 0 not; an error is 0).
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads')
const { verify } = require('node:crypto')
const names = new Map()
parentPort.on('message', (message) => {
  if (!(message instanceof Uint8Array)) {
    for (const [id, value] of message.add) names.set(id, value)
    for (const id of message.forget) names.delete(id)
    return
  }
  const header = new Int32Array(message.buffer, message.byteOffset, new Int32Array(message.buffer, message.byteOffset, 1)[0])
  const count = (header.length - 1) / ${HEADER_FIELDS}
  const verdicts = new Uint8Array(count)
  let offset = header.byteLength
  for (let i = 0, h = 1; i < count; i++, h += ${HEADER_FIELDS}) {
    const dataEnd = offset + header[h + 2]
    const signatureEnd = dataEnd + header[h + 3]
    try {
      const data = message.subarray(offset, dataEnd)
      const signature = message.subarray(dataEnd, signatureEnd)
      verdicts[i] = verify(names.get(header[h + 1]), data, names.get(header[h]), signature) ? 1 : 0
    } catch {
      verdicts[i] = 0
    }
    offset = signatureEnd
  }
  parentPort.postMessage(verdicts, [verdicts.buffer])
})
`

/** What the scheduler hears from a {@link VerifyWorker}. */
export interface VerifyWorkerEvents {
  /** The thread can take batches. */
  ready(): void
  /** A batch came back, its checks resolved. */
  done(): void
  /** The thread failed or exited; the checks it held come back unresolved. */
  lost(unresolved: Check[]): void
}

/**
 * A thread of the package's own that checks signatures in batches. A batch is one message
 * each way, a transferred buffer: keys and algorithm names are sent once, then named by
 * id. The thread holds the process open only while it has work.
 */
export class VerifyWorker {
  readonly #worker: Worker
  readonly #events: VerifyWorkerEvents
  /** Batches sent and not yet answered, oldest first (a thread answers in order). */
  readonly #batches: Check[][] = []
  readonly #keyIds = new WeakMap<object, number>()
  readonly #algorithmIds = new Map<string | null, number>()
  readonly #forget: FinalizationRegistry<number>
  #nextId = 0
  #pending = 0
  #ready = false
  #lost = false

  constructor(events: VerifyWorkerEvents) {
    this.#events = events
    this.#worker = new Worker(SOURCE, { eval: true })
    // A key the process no longer holds leaves the thread too.
    this.#forget = new FinalizationRegistry((id) => {
      if (!this.#lost) this.#worker.postMessage({ add: [], forget: [id] })
    })
    this.#worker.once('online', () => {
      this.#ready = true
      events.ready()
    })
    this.#worker.on('message', (verdicts: Uint8Array) => this.#answer(verdicts))
    this.#worker.once('error', () => this.#fail())
    this.#worker.once('exit', () => this.#fail())
    // After the listeners: adding a message listener refs the thread's port again.
    this.#worker.unref()
  }

  /** True when the thread runs and holds fewer than `depth` batches. */
  canTake(depth: number): boolean {
    return this.#ready && !this.#lost && this.#batches.length < depth
  }

  /** Checks sent and not yet answered. */
  get pending(): number {
    return this.#pending
  }

  /** Sends checks to the thread; each resolves when the batch comes back. */
  send(checks: Check[]): void {
    const headerLength = 1 + checks.length * HEADER_FIELDS
    let size = headerLength * 4
    for (const check of checks) size += check.data.length + check.signature.length
    const message = new Uint8Array(size)
    const header = new Int32Array(message.buffer, 0, headerLength)
    header[0] = headerLength
    const add: [number, unknown][] = []
    let offset = headerLength * 4
    for (let i = 0, h = 1; i < checks.length; i++, h += HEADER_FIELDS) {
      const check = checks[i]!
      header[h] = this.#keyId(check.key, add)
      header[h + 1] = this.#algorithmId(check.algorithm, add)
      header[h + 2] = check.data.length
      header[h + 3] = check.signature.length
      message.set(check.data, offset)
      offset += check.data.length
      message.set(check.signature, offset)
      offset += check.signature.length
    }
    if (add.length > 0) this.#introduce(add, checks)
    this.#worker.postMessage(message, [message.buffer])
    if (this.#batches.length === 0) this.#worker.ref()
    this.#batches.push(checks)
    this.#pending += checks.length
  }

  /** Sends new keys and algorithm names; when one cannot be sent, the ids just given are taken back. */
  #introduce(add: [number, unknown][], checks: Check[]): void {
    try {
      this.#worker.postMessage({ add, forget: [] })
    } catch (err) {
      for (const check of checks) {
        if (add.some(([id]) => id === this.#keyIds.get(check.key))) {
          this.#keyIds.delete(check.key)
          this.#forget.unregister(check.key)
        }
        if (add.some(([id]) => id === this.#algorithmIds.get(check.algorithm))) this.#algorithmIds.delete(check.algorithm)
      }
      throw err
    }
  }

  #keyId(key: VerifyKey, add: [number, unknown][]): number {
    let id = this.#keyIds.get(key)
    if (id === undefined) {
      id = this.#nextId++
      this.#keyIds.set(key, id)
      this.#forget.register(key, id, key)
      add.push([id, key])
    }
    return id
  }

  #algorithmId(algorithm: string | null, add: [number, unknown][]): number {
    let id = this.#algorithmIds.get(algorithm)
    if (id === undefined) {
      id = this.#nextId++
      this.#algorithmIds.set(algorithm, id)
      add.push([id, algorithm])
    }
    return id
  }

  #answer(verdicts: Uint8Array): void {
    const checks = this.#batches.shift()
    if (checks === undefined) return
    this.#pending -= checks.length
    if (this.#batches.length === 0) this.#worker.unref()
    for (let i = 0; i < checks.length; i++) checks[i]!.resolve(verdicts[i] === 1)
    this.#events.done()
  }

  #fail(): void {
    if (this.#lost) return
    this.#lost = true
    this.#worker.unref()
    this.#pending = 0
    this.#events.lost(this.#batches.splice(0).flat())
  }
}
