import type { CryptoBackend } from '../backend/types.js'
import type { VerifierEventHandler } from '../events.js'
import {
  assertKnownOptions,
  isPlainObject,
  optionalFunction,
  positiveInteger,
} from './option-checks.js'
import { KEY_SOURCE_OPTIONS, type Route, buildRoute } from './route.js'

/** The options a verifier runs on, checked and precomputed once. */
export interface VerifierConfig {
  /** One per issuer entry (one without `issuers`). */
  routes: readonly Route[]
  /** Without `issuers`: the only route, taken without looking at the token's `iss`. */
  single: Route | undefined
  /** With `issuers`: routes by accepted `iss`. */
  byIssuer: ReadonlyMap<string, Route>
  /** Every alg some route allows: an alg outside it is refused before routing. */
  algorithms: ReadonlySet<string>
  maxTokenLength: number
  /** Size of the verified-token cache; undefined when it is off. */
  tokenCacheMax: number | undefined
  onEvent: VerifierEventHandler | undefined
  /** The clock of the claim checks and the verified-token cache, in milliseconds since the epoch. */
  now: () => number
}

const PER_ISSUER = ['audience', 'algorithms', 'clockTolerance', 'maxTokenAge', 'requiredClaims', 'typ', 'cache', 'allowHttp']
const TOP_LEVEL: ReadonlySet<string> = new Set([
  'issuer',
  'issuers',
  ...KEY_SOURCE_OPTIONS,
  ...PER_ISSUER,
  'maxTokenLength',
  'tokenCache',
  'onEvent',
  'now',
])
const ISSUER_ENTRY: ReadonlySet<string> = new Set(['issuer', ...KEY_SOURCE_OPTIONS, ...PER_ISSUER])
const DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024
const DEFAULT_TOKEN_CACHE_MAX = 1000

/** Reads `Date.now` at each call, so that a clock faked later (in tests) is seen. */
function systemNow(): number {
  return Date.now()
}

/**
 * Checks every option once and builds the key sources.
 *
 * @throws TypeError naming the option at fault.
 */
export function resolveVerifierConfig(options: unknown, backend: CryptoBackend): VerifierConfig {
  if (!isPlainObject(options)) throw new TypeError('createVerifier needs an options object')
  assertKnownOptions(options, TOP_LEVEL, '')
  const onEvent = optionalFunction<VerifierEventHandler>(options['onEvent'], 'onEvent')
  const maxTokenLength = positiveInteger(options['maxTokenLength'], DEFAULT_MAX_TOKEN_LENGTH, 'maxTokenLength')
  const tokenCacheMax = tokenCacheSize(options['tokenCache'])
  const now = optionalFunction<() => number>(options['now'], 'now') ?? systemNow
  const context = { backend, onEvent }

  if (options['issuers'] === undefined) {
    const route = buildRoute(options, '', context)
    return {
      routes: [route],
      single: route,
      byIssuer: new Map(),
      algorithms: route.algorithms,
      maxTokenLength,
      tokenCacheMax,
      onEvent,
      now,
    }
  }

  const entries = options['issuers']
  if (!Array.isArray(entries) || entries.length === 0) throw new TypeError('issuers must be a non-empty array')
  for (const name of ['issuer', ...KEY_SOURCE_OPTIONS]) {
    if (options[name] !== undefined) throw new TypeError(`with issuers, give ${name} inside each issuers entry`)
  }
  const routes: Route[] = []
  const byIssuer = new Map<string, Route>()
  try {
    entries.forEach((entry: unknown, i) => {
      const label = `issuers[${i}].`
      if (!isPlainObject(entry)) throw new TypeError(`issuers[${i}] must be an object`)
      assertKnownOptions(entry, ISSUER_ENTRY, label)
      const spec: Record<string, unknown> = {}
      for (const name of PER_ISSUER) spec[name] = entry[name] ?? options[name]
      for (const name of ['issuer', ...KEY_SOURCE_OPTIONS]) spec[name] = entry[name]
      const route = buildRoute(spec, label, context)
      routes.push(route)
      for (const issuer of route.issuers) {
        if (byIssuer.has(issuer)) throw new TypeError(`${label}issuer "${issuer}" is already served by another entry`)
        byIssuer.set(issuer, route)
      }
    })
  } catch (err) {
    for (const route of routes) route.close()
    throw err
  }
  const algorithms = new Set(routes.flatMap((route) => [...route.algorithms]))
  return { routes, single: undefined, byIssuer, algorithms, maxTokenLength, tokenCacheMax, onEvent, now }
}

function tokenCacheSize(value: unknown): number | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return DEFAULT_TOKEN_CACHE_MAX
  if (!isPlainObject(value)) throw new TypeError('tokenCache must be true or { max }')
  assertKnownOptions(value, new Set(['max']), 'tokenCache.')
  return positiveInteger(value['max'], DEFAULT_TOKEN_CACHE_MAX, 'tokenCache.max')
}
