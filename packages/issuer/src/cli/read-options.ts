/** Reading and checking each option's value, from its flag or its `JWTIS_*` variable. */
import { checkAudienceSetting } from '../core/audience.js'
import { adminTokenProblem } from '../core/initialise.js'
import { GRACE_TTL_DEFAULT_MS, GRACE_TTL_MAX_MS, MAX_DURATION_MS, parseIssuerDuration } from '../core/durations.js'
import { formatDuration, resolveDefaults, SETTING_LIMITS } from '../core/settings.js'
import type { CliOptions, FlagName, KeyDefaults, ListenAddress, StoreLocation, ValueSource } from './cli-options.js'
import { UsageError } from './errors.js'
import { FLAGS, flagLabel } from './flags.js'
import { fieldProblem, IssuerError, type IssuerErrorField } from '../errors.js'

/** The flag that sets each client setting's default, where there is one. */
const FLAG_OF_FIELD: Partial<Record<IssuerErrorField, FlagName>> = {
  sigAlg: 'sigAlg',
  sigBits: 'sigBits',
  encAlg: 'encAlg',
  encBits: 'encBits',
  contEnc: 'contEnc',
  keyExpiry: 'expiry',
  authTTL: 'authTTL',
  refreshTTL: 'refreshTTL',
}

/** Reads each flag from the command line, else its `JWTIS_*` variable, noting where it came from. */
export interface Reader {
  sources: Partial<Record<FlagName, ValueSource>>
  label(name: FlagName): string
  string(name: FlagName): string | undefined
  text(name: FlagName): string | undefined
  bool(name: FlagName): boolean
  integer(name: FlagName): number | undefined
  duration(name: FlagName, options?: { allowZero?: boolean }): number | undefined
}

export function createReader(
  values: Partial<Record<FlagName, string | boolean>>,
  env: NodeJS.ProcessEnv,
  allowed: readonly FlagName[],
): Reader {
  const sources: Partial<Record<FlagName, ValueSource>> = {}
  const label = (name: FlagName): string => {
    const spec = FLAGS[name]
    return sources[name] === 'env' && spec.env ? spec.env : flagLabel(name)
  }
  const raw = (name: FlagName): string | boolean | undefined => {
    const given = values[name]
    if (given !== undefined) {
      sources[name] = 'flag'
      return given
    }
    const spec = FLAGS[name]
    const fromEnv = spec.env && allowed.includes(name) ? env[spec.env] : undefined
    // An empty variable is treated as unset, as shells and container runtimes leave them.
    if (fromEnv === undefined || fromEnv === '') return undefined
    sources[name] = 'env'
    return fromEnv
  }
  const reader: Reader = {
    sources,
    label,
    string(name) {
      const value = raw(name)
      return typeof value === 'string' ? value : undefined
    },
    text(name) {
      const value = reader.string(name)
      if (value !== undefined && value.trim() === '') throw new UsageError(`${label(name)} may not be empty`)
      return value
    },
    bool(name) {
      const value = raw(name)
      if (value === undefined || typeof value === 'boolean') return value ?? false
      if (/^(1|true|yes|on)$/i.test(value)) return true
      if (/^(0|false|no|off)$/i.test(value)) return false
      throw new UsageError(`${label(name)} must be true or false, not ${JSON.stringify(value)}`)
    },
    integer(name) {
      const value = reader.string(name)
      if (value === undefined) return undefined
      if (!/^\d+$/.test(value.trim()) || Number(value) <= 0) {
        throw new UsageError(`${label(name)} must be a positive integer, not ${JSON.stringify(value)}`)
      }
      return Number(value)
    },
    duration(name, options) {
      const value = reader.string(name)
      if (value === undefined) return undefined
      // A flag's value is text: integer seconds are digits there.
      const ms = parseIssuerDuration(/^\s*\d+\s*$/.test(value) ? Number(value) : value)
      if (ms === undefined || ms > MAX_DURATION_MS || (ms === 0 && !options?.allowZero)) {
        const zero = options?.allowZero ? '' : ' above zero'
        throw new UsageError(
          `${label(name)} must be a duration${zero} such as 15m, 72h, 1h30m or integer seconds, not ${JSON.stringify(value)}`,
        )
      }
      return ms
    },
  }
  return reader
}

export function parseListen(text: string, label: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim())
  const port = Number(match?.[3])
  if (!match || port > 65_535) {
    throw new UsageError(`${label} must be HOST:PORT (e.g. 127.0.0.1:4343, [::1]:4343), not ${JSON.stringify(text)}`)
  }
  const host = match[1] ?? match[2] ?? ''
  // Go-style ":4343" means every interface.
  return { host: host === '' ? '0.0.0.0' : host, port }
}

export function readTls(read: Reader): CliOptions['tls'] {
  const enabled = read.bool('tls')
  const certPath = read.text('tlsCert')
  const keyPath = read.text('tlsKey')
  if (!enabled) {
    if (certPath !== undefined || keyPath !== undefined) {
      throw new UsageError(`${read.label(certPath !== undefined ? 'tlsCert' : 'tlsKey')} needs --tls`)
    }
    return undefined
  }
  if (certPath === undefined || keyPath === undefined) throw new UsageError('--tls needs --tlsCert and --tlsKey')
  return { certPath, keyPath }
}

export function readDefaults(read: Reader): KeyDefaults {
  const setting = (flag: FlagName, limits: { min: number; max: number }): number | undefined => {
    const ms = read.duration(flag)
    if (ms !== undefined && (ms < limits.min || ms > limits.max)) {
      throw new UsageError(`${read.label(flag)} must be from ${formatDuration(limits.min)} to ${formatDuration(limits.max)}`)
    }
    return ms
  }
  const defaults: KeyDefaults = {
    sigAlg: read.text('sigAlg'),
    sigBits: read.integer('sigBits'),
    encAlg: read.text('encAlg'),
    encBits: read.integer('encBits'),
    contEnc: read.text('contEnc'),
    keyExpiry: setting('expiry', SETTING_LIMITS.keyExpiry),
    authTTL: setting('authTTL', SETTING_LIMITS.authTTL),
    refreshTTL: setting('refreshTTL', SETTING_LIMITS.refreshTTL),
  }
  for (const key of Object.keys(defaults) as (keyof KeyDefaults)[]) {
    if (defaults[key] === undefined) delete defaults[key]
  }
  try {
    // The issuer's own checks (algs, bit sizes, refresh within the family lifetime), at once.
    resolveDefaults(defaults)
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined
    if (!(cause instanceof IssuerError)) throw new UsageError((error as Error).message)
    const flag = cause.field === undefined ? undefined : FLAG_OF_FIELD[cause.field]
    throw new UsageError(flag === undefined ? cause.message : `${read.label(flag)} ${fieldProblem(cause)}`)
  }
  return defaults
}

export function readGraceTTL(read: Reader): number {
  const ms = read.duration('graceTTL', { allowZero: true }) ?? GRACE_TTL_DEFAULT_MS
  if (ms > GRACE_TTL_MAX_MS) throw new UsageError(`${read.label('graceTTL')} must be at most ${formatDuration(GRACE_TTL_MAX_MS)}`)
  return ms
}

export function readAdminToken(read: Reader): string | undefined {
  const token = read.text('adminToken')
  if (token === undefined) return undefined
  const problem = adminTokenProblem(token)
  if (problem !== undefined) throw new UsageError(`${read.label('adminToken')} ${problem}`)
  return token
}

export function readAudience(read: Reader): string | string[] | undefined {
  const text = read.text('audience')
  if (text === undefined) return undefined
  try {
    return checkAudienceSetting(text.split(',').map((value) => value.trim()))
  } catch (error) {
    throw new UsageError(`${read.label('audience')}: ${(error as Error).message}`)
  }
}

export function readStore(read: Reader): StoreLocation {
  const url = read.text('store')
  const path = read.text('dbPath')
  if (url === undefined) return { kind: 'sqlite', path: path ?? './data/keys.db' }
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError(`${read.label('store')} takes a postgres:// URL; give a SQLite file with -d/--dbPath`)
  }
  if (read.sources.dbPath === 'flag' && read.sources.store === 'flag') {
    throw new UsageError('give either -d/--dbPath or --store, not both')
  }
  return { kind: 'postgres', url }
}

export function readPublicUrl(read: Reader): string | undefined {
  const text = read.text('url')
  if (text === undefined) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`${read.label('url')} must be an absolute http(s) URL, not ${JSON.stringify(text)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${read.label('url')} must be an http(s) URL`)
  }
  if (url.search || url.hash) throw new UsageError(`${read.label('url')} may not have a query or fragment`)
  return url.href.replace(/\/+$/, '')
}
