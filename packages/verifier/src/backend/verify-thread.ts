/// <reference types="node" />
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import { CONTROL, type QueueMemory, SLOT, SLOT_FIELDS, SLOTS, VERDICT } from './check-queue.js'

/**
 * The thread's code, evaluated in place: the package needs no separate file to find at
 * run time, whatever the bundling. It takes Node's modules from `process.getBuiltinModule`,
 * which works whether the process evaluates code as CommonJS or, under
 * `--input-type=module` (which threads inherit), as a module. It never returns to its event loop:
 * it claims records from the shared queue, writes each verdict (an error is invalid),
 * and sleeps on the `published` counter when the queue is empty. Keys and algorithm
 * names come by message, once, and are read from the port when a record names one the
 * thread does not know yet and before it sleeps (so that keys the process let go are
 * dropped); it answers on the same port only when the main thread asked to be woken.
 */
const SOURCE = `
const { workerData, receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads')
const { verify } = process.getBuiltinModule('node:crypto')
const { memory, port } = workerData
const control = new Int32Array(memory.control)
const slots = new Int32Array(memory.slots)
const verdicts = new Int32Array(memory.verdicts)
const bytes = new Uint8Array(memory.bytes)
const names = new Map()
function learn() {
  for (let received; (received = receiveMessageOnPort(port)) !== undefined; ) {
    for (const [id, value] of received.message.add) names.set(id, value)
    for (const id of received.message.forget) names.delete(id)
  }
}
function named(id) {
  if (!names.has(id)) learn()
  return names.get(id)
}
function check(slot) {
  const fields = slot * ${SLOT_FIELDS}
  const offset = slots[fields + ${SLOT.offset}]
  const dataEnd = offset + slots[fields + ${SLOT.dataLength}]
  const signatureEnd = dataEnd + slots[fields + ${SLOT.signatureLength}]
  try {
    const valid = verify(named(slots[fields + ${SLOT.algorithm}]), bytes.subarray(offset, dataEnd), named(slots[fields + ${SLOT.key}]), bytes.subarray(dataEnd, signatureEnd))
    return valid ? ${VERDICT.valid} : ${VERDICT.invalid}
  } catch {
    return ${VERDICT.invalid}
  }
}
for (;;) {
  const next = Atomics.load(control, ${CONTROL.claimed})
  if (next === Atomics.load(control, ${CONTROL.published})) {
    // Keys the process has let go are dropped here too, before the thread sleeps.
    learn()
    Atomics.add(control, ${CONTROL.sleepers}, 1)
    // Returns at once when a record came meanwhile: no wake-up is lost.
    Atomics.wait(control, ${CONTROL.published}, next)
    Atomics.sub(control, ${CONTROL.sleepers}, 1)
    continue
  }
  if (Atomics.compareExchange(control, ${CONTROL.claimed}, next, (next + 1) | 0) !== next) continue
  const slot = next & ${SLOTS - 1}
  Atomics.store(verdicts, slot, check(slot))
  if (Atomics.load(control, ${CONTROL.wakeMain}) === 1 && Atomics.exchange(control, ${CONTROL.wakeMain}, 0) === 1) port.postMessage(0)
}
`

/** What the scheduler hears from a {@link VerifyThread}. */
export interface VerifyThreadEvents {
  /** A verdict came while the main thread had asked to be woken. */
  wake(): void
  /** The thread failed or exited. */
  lost(): void
}

/**
 * A thread of the package's own that takes signature checks from the shared queue. It
 * holds the process open only while `hold(true)`: while checks are outstanding.
 */
export class VerifyThread {
  readonly #worker: Worker
  readonly #port: MessagePort
  #lost = false

  constructor(memory: QueueMemory, events: VerifyThreadEvents) {
    const { port1, port2 } = new MessageChannel()
    this.#port = port1
    this.#worker = new Worker(SOURCE, { eval: true, name: 'jwtis-verify', workerData: { memory, port: port2 }, transferList: [port2] })
    port1.on('message', () => events.wake())
    const fail = (): void => {
      if (this.#lost) return
      this.#lost = true
      this.#port.close()
      events.lost()
    }
    this.#worker.once('error', fail)
    this.#worker.once('exit', fail)
    this.#worker.unref()
    // After the listener: adding a message listener refs the port again.
    port1.unref()
  }

  /**
   * Sends keys and algorithm names under the ids that records name them by, and forgets
   * ids. Throws (a DataCloneError) when a value cannot be sent; nothing is sent then.
   */
  introduce(add: readonly (readonly [number, unknown])[], forget: readonly number[] = []): void {
    if (!this.#lost) this.#port.postMessage({ add, forget })
  }

  /** Holds the process open (while checks are outstanding) or lets it go. */
  hold(on: boolean): void {
    if (this.#lost) return
    if (on) this.#port.ref()
    else this.#port.unref()
  }

  /** Stops the thread; checks it held are the caller's to redo. */
  stop(): void {
    this.#lost = true
    this.#port.close()
    void this.#worker.terminate()
  }
}
