/**
 * HTTP load on one thread: N requests in flight over keep-alive connections (node:http with
 * a keep-alive Agent: the lightest client, so the server is what is measured), with each
 * request's latency recorded.
 */
import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'
import { measure } from '../lib/measure.js'

/** A JSON POST that resolves the parsed answer, or rejects on a non-2xx status. */
export type PostJson = (path: string, bearer: string, body: unknown) => Promise<Record<string, unknown>>

/**
 * A JSON poster to `baseUrl` over at most `connections` keep-alive sockets.
 *
 * @example
 * ```ts
 * const { post, close } = createJsonPoster('http://127.0.0.1:4343', 64)
 * ```
 */
export function createJsonPoster(baseUrl: string, connections: number): { post: PostJson; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const { hostname, port } = new URL(baseUrl)
  const post: PostJson = (path, bearer, body) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify(body)
      const req = request(
        {
          agent,
          host: hostname,
          port,
          path,
          method: 'POST',
          headers: {
            authorization: `Bearer ${bearer}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            text += chunk
          })
          res.on('end', () => {
            if (res.statusCode !== 200 && res.statusCode !== 201) {
              reject(new Error(`POST ${path} answered ${res.statusCode}: ${text.slice(0, 200)}`))
            } else {
              resolve(JSON.parse(text) as Record<string, unknown>)
            }
          })
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  return { post, close: () => agent.destroy() }
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
