import { DEFAULTS } from '../core/defaults.js'
import { formatDuration } from '../core/settings.js'
import type { CliOptions, FlagName } from './cli-options.js'
import { flagLabel } from './flags.js'

/**
 * The configuration as the server prints it at start: every setting and where it came
 * from, and never a secret (the password and admin token show only whether they were given;
 * a database URL loses its password).
 *
 * @example
 * ```ts
 * for (const line of describeConfiguration(options)) console.log(line)
 * ```
 */
export function describeConfiguration(options: CliOptions): string[] {
  const settings = { ...DEFAULTS, ...options.defaults }
  const from = (name: FlagName): string => {
    const source = options.sources[name]
    if (source === 'flag') return ` (${flagLabel(name)})`
    if (source === 'env') return ' (environment)'
    return ''
  }
  const bits = (value: number | undefined): string => (value === undefined ? '' : ` ${value} bits`)
  const rows: [string, string][] = [
    ['listen', `${formatHostPort(options.listen.host, options.listen.port)}${from('listen')}`],
    ['tls', options.tls ? `on, cert ${options.tls.certPath}, key ${options.tls.keyPath}` : 'off'],
    ['store', `${describeStore(options)}${from(options.store.kind === 'sqlite' ? 'dbPath' : 'store')}`],
    ['name', `${options.name}${from('name')}`],
    ['public url', `${options.publicUrl ?? 'the listen address'}${from('url')}`],
    ['signing', `${settings.sigAlg}${bits(settings.sigBits)}${from('sigAlg')}`],
    ['encryption', `${settings.encAlg}${bits(settings.encBits)} with ${settings.contEnc}${from('encAlg')}`],
    ['key expiry', `${formatDuration(settings.keyExpiry)}${from('expiry')}`],
    ['access ttl', `${formatDuration(settings.authTTL)}${from('authTTL')}`],
    ['refresh ttl', `${formatDuration(settings.refreshTTL)}${from('refreshTTL')}`],
    ['family ttl', formatDuration(settings.familyTTL)],
    ['grace ttl', `${formatDuration(options.graceTTL)}${from('graceTTL')}`],
    ['password', options.password === undefined ? 'not given' : `given${from('pswd')}`],
    ['admin token', options.adminToken === undefined ? 'not given' : `given${from('adminToken')}`],
    ['verbose', options.verbose ? 'on' : 'off'],
  ]
  return ['configuration:', ...rows.map(([key, value]) => `  ${key.padEnd(12)} ${value}`)]
}

/**
 * `HOST:PORT`, with an IPv6 host in brackets, as a URL needs it.
 *
 * @example
 * ```ts
 * formatHostPort('::1', 4343) // '[::1]:4343'
 * ```
 */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

function describeStore(options: CliOptions): string {
  const { store } = options
  if (store.kind === 'sqlite') return `sqlite ${store.path}`
  try {
    const url = new URL(store.url)
    if (url.password) url.password = '***'
    return `postgres ${url.href}`
  } catch {
    return 'postgres (unparsable URL)'
  }
}
