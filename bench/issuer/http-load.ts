/**
 * HTTP load on one thread: N requests in flight over keep-alive connections, with each
 * request's latency recorded. The client speaks HTTP/1.1 over plain sockets, one request at
 * a time per connection: node:http's client costs several times more CPU per request, and
 * on a machine it shares with the server that CPU is taken from the server being measured.
 */
import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { measure } from '../lib/measure.js'

/** A JSON POST that resolves the parsed answer, or rejects on a non-2xx status. */
export type PostJson = (path: string, bearer: string, body: unknown) => Promise<Record<string, unknown>>

interface Exchange {
  request: Buffer
  path: string
  resolve: (answer: Record<string, unknown>) => void
  reject: (err: Error) => void
}

const HEADER_END = Buffer.from('\r\n\r\n')
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i
const CONNECTION_CLOSE = /\r\nconnection: *close/i

/** One keep-alive connection that carries one exchange at a time. */
class Connection {
  private socket: Socket | undefined
  private current: Exchange | undefined
  private chunks: Buffer[] = []
  private received = 0

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onIdle: (connection: Connection) => void,
  ) {}

  send(exchange: Exchange): void {
    this.current = exchange
    this.chunks = []
    this.received = 0
    if (this.socket === undefined) this.socket = this.open()
    this.socket.write(exchange.request)
  }

  close(): void {
    this.socket?.destroy()
    this.socket = undefined
  }

  private open(): Socket {
    const socket = connect({ host: this.host, port: this.port, noDelay: true })
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    const fail = (err?: Error): void => {
      if (this.socket === socket) this.socket = undefined
      const exchange = this.current
      if (exchange === undefined) return
      this.current = undefined
      exchange.reject(err ?? new Error(`the connection closed during POST ${exchange.path}`))
      this.onIdle(this)
    }
    socket.on('error', fail)
    socket.on('close', () => fail())
    return socket
  }

  private onData(chunk: Buffer): void {
    const exchange = this.current
    if (exchange === undefined) return
    this.chunks.push(chunk)
    this.received += chunk.length
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks)
    this.chunks = [data]
    const headerEnd = data.indexOf(HEADER_END)
    if (headerEnd < 0) return
    const head = data.toString('latin1', 0, headerEnd)
    const length = CONTENT_LENGTH.exec(head)
    if (length === null) {
      this.current = undefined
      this.close()
      exchange.reject(new Error(`POST ${exchange.path}: the answer has no Content-Length`))
      this.onIdle(this)
      return
    }
    const bodyStart = headerEnd + HEADER_END.length
    if (this.received < bodyStart + Number(length[1])) return
    const status = Number(head.slice(9, 12))
    const text = data.toString('utf8', bodyStart, bodyStart + Number(length[1]))
    this.current = undefined
    if (CONNECTION_CLOSE.test(head)) this.close()
    if (status !== 200 && status !== 201) {
      exchange.reject(new Error(`POST ${exchange.path} answered ${status}: ${text.slice(0, 200)}`))
    } else {
      exchange.resolve(JSON.parse(text) as Record<string, unknown>)
    }
    this.onIdle(this)
  }
}

/**
 * A JSON poster to `baseUrl` over at most `connections` keep-alive connections; requests
 * beyond that wait for a free one.
 *
 * @example
 * ```ts
 * const { post, close } = createJsonPoster('http://127.0.0.1:4343', 64)
 * ```
 */
export function createJsonPoster(baseUrl: string, connections: number): { post: PostJson; close(): void } {
  const { hostname, port } = new URL(baseUrl)
  const idle: Connection[] = []
  const all: Connection[] = []
  const waiting: Exchange[] = []
  const onIdle = (connection: Connection): void => {
    const next = waiting.shift()
    if (next === undefined) idle.push(connection)
    else connection.send(next)
  }
  const post: PostJson = (path, bearer, body) =>
    new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body))
      const head =
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${bearer}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n`
      const exchange: Exchange = { request: Buffer.concat([Buffer.from(head, 'latin1'), payload]), path, resolve, reject }
      let connection = idle.pop()
      if (connection === undefined && all.length < connections) {
        connection = new Connection(hostname, Number(port), onIdle)
        all.push(connection)
      }
      if (connection === undefined) waiting.push(exchange)
      else connection.send(exchange)
    })
  return {
    post,
    close: () => {
      for (const connection of all) connection.close()
    },
  }
}

/** Throughput and latency of a load run. */
export interface LoadResult {
  opsPerSec: number
  /** Median latency, milliseconds. */
  p50Ms: number
  /** 99th percentile latency, milliseconds. */
  p99Ms: number
}

/**
 * Runs `task` with `concurrency` calls in flight: a warm-up, then the measured budget, whose
 * latencies alone make the percentiles.
 *
 * @example
 * ```ts
 * const { opsPerSec, p99Ms } = await runLoad(() => post('/issue_token', token, body), { budgetMs: 4000, warmupMs: 500, concurrency: 64 })
 * ```
 */
export async function runLoad(
  task: () => Promise<unknown>,
  options: { budgetMs: number; warmupMs: number; concurrency: number },
): Promise<LoadResult> {
  let latencies: number[] = []
  const timed = async (): Promise<void> => {
    const start = performance.now()
    await task()
    latencies.push(performance.now() - start)
  }
  await measure(timed, { budgetMs: options.warmupMs, warmupMs: 0, concurrency: options.concurrency })
  latencies = []
  const { opsPerSec } = await measure(timed, { budgetMs: options.budgetMs, warmupMs: 0, concurrency: options.concurrency })
  latencies.sort((a, b) => a - b)
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN
  return { opsPerSec, p50Ms: at(0.5), p99Ms: at(0.99) }
}
