import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

/** What a token request was. */
export type TokenOperation = 'issue' | 'renew'

/** The issuer's Prometheus metrics, in a registry of its own (never prom-client's global one). */
export interface IssuerMetrics {
  readonly registry: Registry
  /** Records one answered request; `route` is the route pattern, never the raw path. */
  observeRequest(method: string, route: string, status: number, seconds: number): void
  /** Counts a token pair handed out by an issue or a renew. */
  tokenServed(operation: TokenOperation): void
  /** `reason` is the API's error code. */
  tokenRefused(operation: TokenOperation, reason: string): void
}

/** Options of {@link createIssuerMetrics}. */
export interface IssuerMetricsOptions {
  /** Also export prom-client's default process metrics (CPU, memory, event loop). Default true. */
  processMetrics?: boolean
}

/**
 * Creates the counters and histogram the `/metrics` route exposes.
 *
 * @example
 * ```ts
 * const metrics = createIssuerMetrics({ processMetrics: false })
 * metrics.tokenServed('issue')
 * const text = await metrics.registry.metrics()
 * ```
 */
export function createIssuerMetrics(options: IssuerMetricsOptions = {}): IssuerMetrics {
  const registry = new Registry()
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry })

  const duration = new Histogram({
    name: 'jwtis_http_request_duration_seconds',
    help: 'Time to answer an issuer API request, by route pattern.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const issued = new Counter({
    name: 'jwtis_tokens_issued_total',
    help: 'Token pairs issued (POST /issue_token).',
    registers: [registry],
  })
  const renewed = new Counter({
    name: 'jwtis_tokens_renewed_total',
    help: 'Token pairs renewed (POST /renew_token).',
    registers: [registry],
  })
  const refused = new Counter({
    name: 'jwtis_tokens_refused_total',
    help: 'Token requests refused, by operation and reason (the API error code).',
    labelNames: ['operation', 'reason'] as const,
    registers: [registry],
  })

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      duration.observe({ method, route, status: String(status) }, seconds)
    },
    tokenServed(operation) {
      if (operation === 'issue') issued.inc()
      else renewed.inc()
    },
    tokenRefused(operation, reason) {
      refused.inc({ operation, reason })
    },
  }
}
