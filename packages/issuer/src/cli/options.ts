import { parseArgs } from 'node:util'
import { checkAudienceSetting } from '../core/audience.js'
import { adminTokenProblem } from '../core/initialise.js'
import { formatDuration, resolveDefaults, SETTING_LIMITS } from '../core/settings.js'
import { parseDuration } from './duration.js'
import { UsageError } from './errors.js'

/** The commands of the CLI; `serve` is what `jwtis` alone does. */
export type CommandName =
  | 'serve'
  | 'client register'
  | 'client list'
  | 'client remove'
  | 'keys rotate'
  | 'rekey'
  | 'backup'

/**
 * The shortest password the CLI accepts for a new store or a rekey. scrypt slows guessing;
 * it cannot save a short password. Generated passwords are 43 characters.
 */
export const MIN_PASSWORD_LENGTH = 12

/** Every flag of the CLI, by its long name. */
export type FlagName =
  | 'help'
  | 'version'
  | 'listen'
  | 'tls'
  | 'tlsCert'
  | 'tlsKey'
  | 'sigAlg'
  | 'sigBits'
  | 'encAlg'
  | 'encBits'
  | 'contEnc'
  | 'expiry'
  | 'authTTL'
  | 'refreshTTL'
  | 'name'
  | 'pswd'
  | 'dbPath'
  | 'store'
  | 'adminToken'
  | 'url'
  | 'graceTTL'
  | 'verbose'
  | 'newPswd'
  | 'audience'

/** Where a value came from: the command line, the environment, or the built-in default. */
export type ValueSource = 'flag' | 'env' | 'default'

/** Where the store lives. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

/** A host and port to listen on. */
export interface ListenAddress {
  host: string
  /** 0 takes a free port. */
  port: number
}

/** Key and token settings given on the command line; unset ones take the issuer's defaults. */
export interface KeyDefaults {
  sigAlg?: string
  sigBits?: number
  encAlg?: string
  encBits?: number
  contEnc?: string
  /** Milliseconds. */
  keyExpiry?: number
  /** Milliseconds. */
  authTTL?: number
  /** Milliseconds. */
  refreshTTL?: number
}

/** A parsed, checked command line (flags, then `JWTIS_*` variables, then defaults). */
export interface CliOptions {
  command: CommandName
  /** The positional arguments after the command words (e.g. the KID). */
  args: string[]
  help: boolean
  version: boolean
  listen: ListenAddress
  /** Paths of the PEM certificate and key, when serving HTTPS. */
  tls?: { certPath: string; keyPath: string } | undefined
  /** Only what was given; the issuer's defaults fill the rest. */
  defaults: KeyDefaults
  name: string
  password?: string | undefined
  store: StoreLocation
  adminToken?: string | undefined
  /** Public base URL, without a trailing slash; the listen address when absent. */
  publicUrl?: string | undefined
  /** Milliseconds. */
  graceTTL: number
  verbose: boolean
  newPassword?: string | undefined
  /** The `aud` values a registered client's tokens may carry (`client register`). */
  audience?: string | string[] | undefined
  /** Where each flag's value came from, for the configuration print. */
  sources: Partial<Record<FlagName, ValueSource>>
}

interface FlagSpec {
  type: 'string' | 'boolean'
  short?: string
  /** The environment variable read when the flag is absent. */
  env?: string
  /** Placeholder of the value in the help. */
  value?: string
  /** The default, as shown in the help. */
  shown?: string
  help: string
}

const FLAGS: Readonly<Record<FlagName, FlagSpec>> = {
  help: { type: 'boolean', short: 'h', help: 'print this help and exit' },
  version: { type: 'boolean', short: 'V', help: 'print the version and exit' },
  listen: {
    type: 'string',
    short: 'l',
    env: 'JWTIS_LISTEN',
    value: 'HOST:PORT',
    shown: '127.0.0.1:4343',
    help: 'address to listen on; port 0 takes a free port',
  },
  tls: { type: 'boolean', env: 'JWTIS_TLS', help: 'serve HTTPS; needs --tlsCert and --tlsKey' },
  tlsCert: { type: 'string', env: 'JWTIS_TLS_CERT', value: 'FILE', help: 'PEM certificate (chain) for --tls' },
  tlsKey: { type: 'string', env: 'JWTIS_TLS_KEY', value: 'FILE', help: 'PEM private key for --tls' },
  sigAlg: {
    type: 'string',
    env: 'JWTIS_SIG_ALG',
    value: 'ALG',
    shown: 'ES256',
    help: 'JWS alg of new clients\u2019 signing keys',
  },
  sigBits: {
    type: 'string',
    env: 'JWTIS_SIG_BITS',
    value: 'BITS',
    help: 'RSA modulus size for RS*/PS* signing keys: 2048, 3072 or 4096',
  },
  encAlg: {
    type: 'string',
    env: 'JWTIS_ENC_ALG',
    value: 'ALG',
    shown: 'ECDH-ES+A256KW',
    help: 'JWE key management alg of new clients\u2019 encryption keys',
  },
  encBits: {
    type: 'string',
    env: 'JWTIS_ENC_BITS',
    value: 'BITS',
    shown: '256',
    help: 'encryption key size: EC curve 256/384/521, or RSA 2048/3072/4096',
  },
  contEnc: {
    type: 'string',
    env: 'JWTIS_CONT_ENC',
    value: 'ENC',
    shown: 'A256GCM',
    help: 'JWE content encryption of refresh tokens',
  },
  expiry: {
    type: 'string',
    short: 'e',
    env: 'JWTIS_EXPIRY',
    value: 'DURATION',
    shown: '4320h',
    help: 'signing key lifetime before it rotates',
  },
  authTTL: {
    type: 'string',
    short: 'a',
    env: 'JWTIS_AUTH_TTL',
    value: 'DURATION',
    shown: '15m',
    help: 'access token lifetime',
  },
  refreshTTL: {
    type: 'string',
    short: 'r',
    env: 'JWTIS_REFRESH_TTL',
    value: 'DURATION',
    shown: '72h',
    help: 'refresh token lifetime (sliding)',
  },
  name: {
    type: 'string',
    short: 'n',
    env: 'JWTIS_NAME',
    value: 'NAME',
    shown: 'JWTIS',
    help: 'iss of every token and issuer of the discovery document',
  },
  pswd: {
    type: 'string',
    short: 'p',
    env: 'JWTIS_PSWD',
    value: 'PASSWORD',
    help: 'password of the store; generated on first start when absent',
  },
  dbPath: {
    type: 'string',
    short: 'd',
    env: 'JWTIS_DB_PATH',
    value: 'FILE',
    shown: './data/keys.db',
    help: 'SQLite store file',
  },
  store: {
    type: 'string',
    env: 'JWTIS_STORE',
    value: 'URL',
    help: 'postgres://... to share a PostgreSQL store between instances',
  },
  adminToken: {
    type: 'string',
    env: 'JWTIS_ADMIN_TOKEN',
    value: 'TOKEN',
    help: 'admin token; generated on first start when absent, replaced when given later',
  },
  url: {
    type: 'string',
    env: 'JWTIS_URL',
    value: 'URL',
    shown: 'the listen address',
    help: 'public base URL, from which jwks_uri is built',
  },
  graceTTL: {
    type: 'string',
    env: 'JWTIS_GRACE_TTL',
    value: 'DURATION',
    shown: '10s',
    help: 'window in which a just-superseded refresh token gets its successor again',
  },
  verbose: { type: 'boolean', short: 'v', env: 'JWTIS_VERBOSE', help: 'log key and client events to stderr; without it, only failures' },
  newPswd: {
    type: 'string',
    env: 'JWTIS_NEW_PSWD',
    value: 'PASSWORD',
    help: 'the new password (rekey)',
  },
  audience: {
    type: 'string',
    value: 'A,B',
    shown: 'the client\u2019s KID',
    help: 'the aud values the client\u2019s tokens may carry, comma-separated (client register)',
  },
}

// Far beyond any sane lifetime, yet well inside what a Date and a JWT `exp` can hold.
const MAX_DURATION_MS = 100 * 365 * 86_400_000

// The core's bound: a longer window would let a stolen, superseded token renew for too long.
const MAX_GRACE_TTL_MS = 300_000

const GENERAL: readonly FlagName[] = ['help', 'version', 'verbose']
const STORE: readonly FlagName[] = ['dbPath', 'store', 'pswd']
const KEYS: readonly FlagName[] = [
  'sigAlg',
  'sigBits',
  'encAlg',
  'encBits',
  'contEnc',
  'expiry',
  'authTTL',
  'refreshTTL',
]

interface CommandSpec {
  usage: string
  summary: string
  /** Positional arguments it takes, by name. */
  args: readonly string[]
  flags: readonly FlagName[]
}

const COMMANDS: Readonly<Record<CommandName, CommandSpec>> = {
  serve: {
    usage: 'jwtis [OPTIONS]',
    summary: 'serve the issuer HTTP API',
    args: [],
    flags: [
      ...GENERAL,
      ...STORE,
      ...KEYS,
      'listen',
      'tls',
      'tlsCert',
      'tlsKey',
      'name',
      'adminToken',
      'url',
      'graceTTL',
    ],
  },
  'client register': {
    usage: 'jwtis client register KID [--audience A,B] [--sigAlg ALG ...]',
    summary: 'register a client; prints its token (once) and public keys',
    args: ['KID'],
    flags: [...GENERAL, ...STORE, ...KEYS, 'audience'],
  },
  'client list': { usage: 'jwtis client list', summary: 'list the clients', args: [], flags: [...GENERAL, ...STORE] },
  'client remove': {
    usage: 'jwtis client remove KID',
    summary: 'remove a client; its refresh tokens stop working',
    args: ['KID'],
    flags: [...GENERAL, ...STORE],
  },
  'keys rotate': {
    usage: 'jwtis keys rotate KID',
    summary: 'rotate a client\u2019s keys now',
    args: ['KID'],
    flags: [...GENERAL, ...STORE],
  },
  rekey: {
    usage: 'jwtis rekey --newPswd NEW',
    summary: 'change the store password without touching the keys',
    args: [],
    flags: [...GENERAL, ...STORE, 'newPswd'],
  },
  backup: {
    usage: 'jwtis backup FILE',
    summary: 'write a consistent copy of the SQLite store, even while it serves',
    args: ['FILE'],
    flags: [...GENERAL, ...STORE],
  },
}

const PARSE_CONFIG = Object.fromEntries(
  Object.entries(FLAGS).map(([name, spec]) => [
    name,
    spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
  ]),
) as Record<FlagName, { type: 'string' | 'boolean'; short?: string }>

/**
 * Parses the command line and the `JWTIS_*` environment into checked options.
 *
 * @throws UsageError naming the bad flag or value, in one line.
 * @example
 * ```ts
 * const options = parseCommandLine(['-l', '127.0.0.1:0'], process.env)
 * ```
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values, positionals } = parseRaw(argv)
  // --help and --version answer whatever else the line says.
  if (values.help || values.version) {
    return { ...parseCommandLine([], {}), help: values.help === true, version: values.version === true }
  }
  const { command, args } = findCommand(positionals)
  const spec = COMMANDS[command]
  for (const name of Object.keys(values) as FlagName[]) {
    if (!spec.flags.includes(name)) throw new UsageError(`${flagLabel(name)} does not apply to \`${spec.usage}\``)
  }
  const read = createReader(values, env, spec.flags)
  return {
    command,
    args,
    help: read.bool('help'),
    version: read.bool('version'),
    listen: parseListen(read.string('listen') ?? '127.0.0.1:4343', read.label('listen')),
    tls: readTls(read),
    defaults: readDefaults(read),
    name: read.text('name') ?? 'JWTIS',
    password: read.text('pswd'),
    store: readStore(read),
    adminToken: readAdminToken(read),
    publicUrl: readPublicUrl(read),
    graceTTL: readGraceTTL(read),
    verbose: read.bool('verbose'),
    newPassword: read.text('newPswd'),
    audience: readAudience(read),
    sources: read.sources,
  }
}

/**
 * The help text: commands, then every flag with its environment variable and default.
 *
 * @example
 * ```ts
 * process.stdout.write(helpText())
 * ```
 */
export function helpText(): string {
  const lines = ['Usage:']
  for (const spec of Object.values(COMMANDS)) lines.push(`  ${spec.usage.padEnd(46)} ${spec.summary}`)
  lines.push('', 'Options (each also read from its environment variable):')
  for (const [name, spec] of Object.entries(FLAGS)) {
    const value = spec.value ? ` ${spec.value}` : ''
    const left = `  ${spec.short ? `-${spec.short}, ` : '    '}--${name}${value}`
    const notes = [spec.env, spec.shown && `default ${spec.shown}`].filter(Boolean).join(', ')
    lines.push(`${left.padEnd(34)} ${spec.help}${notes ? ` [${notes}]` : ''}`)
  }
  lines.push('', 'Durations are Go-style (15m, 72h, 1h30m) or integer seconds.')
  return `${lines.join('\n')}\n`
}

/**
 * The label of a flag for messages.
 *
 * @example
 * ```ts
 * flagLabel('listen') // '-l/--listen'
 * ```
 */
export function flagLabel(name: FlagName): string {
  const spec = FLAGS[name]
  return spec.short ? `-${spec.short}/--${name}` : `--${name}`
}

function parseRaw(argv: readonly string[]): {
  values: Partial<Record<FlagName, string | boolean>>
  positionals: string[]
} {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: PARSE_CONFIG,
      strict: true,
      allowPositionals: true,
    })
    return { values: values as Partial<Record<FlagName, string | boolean>>, positionals }
  } catch (error) {
    throw new UsageError(describeParseError(error))
  }
}

function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const unknown = /^Unknown option '([^']+)'/.exec(message)
  if (unknown) return `unknown option ${unknown[1]}`
  // Node's messages run on with advice about `--`; the first sentence says what is wrong.
  return (message.split(/\.\s/)[0] ?? message).replace(/^Option/, 'option')
}

function findCommand(positionals: string[]): { command: CommandName; args: string[] } {
  const [first, second, ...rest] = positionals
  let command: CommandName
  let args: string[]
  if (first === undefined) {
    command = 'serve'
    args = []
  } else if (first === 'client' || first === 'keys') {
    const name = `${first} ${second ?? ''}` as CommandName
    if (!(name in COMMANDS) || second === undefined) {
      const verbs = first === 'client' ? 'register, list or remove' : 'rotate'
      throw new UsageError(`\`jwtis ${first}\` needs a subcommand: ${verbs}`)
    }
    command = name
    args = rest
  } else if (first === 'rekey' || first === 'backup') {
    command = first
    args = positionals.slice(1)
  } else {
    throw new UsageError(`unknown command ${JSON.stringify(first)}`)
  }
  const spec = COMMANDS[command]
  if (args.length !== spec.args.length) {
    const wanted = spec.args.length === 0 ? 'no arguments' : spec.args.join(' ')
    throw new UsageError(`\`${spec.usage}\` takes ${wanted}`)
  }
  return { command, args }
}

interface Reader {
  sources: Partial<Record<FlagName, ValueSource>>
  label(name: FlagName): string
  string(name: FlagName): string | undefined
  text(name: FlagName): string | undefined
  bool(name: FlagName): boolean
  integer(name: FlagName): number | undefined
  duration(name: FlagName, options?: { allowZero?: boolean }): number | undefined
}

function createReader(
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
      const ms = parseDuration(value)
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

function parseListen(text: string, label: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim())
  const port = Number(match?.[3])
  if (!match || port > 65_535) {
    throw new UsageError(`${label} must be HOST:PORT (e.g. 127.0.0.1:4343, [::1]:4343), not ${JSON.stringify(text)}`)
  }
  const host = match[1] ?? match[2] ?? ''
  // Go-style ":4343" means every interface.
  return { host: host === '' ? '0.0.0.0' : host, port }
}

function readTls(read: Reader): CliOptions['tls'] {
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

function readDefaults(read: Reader): KeyDefaults {
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
    throw new UsageError((error as Error).message.replace(/^invalid issuer default: /, ''))
  }
  return defaults
}

function readGraceTTL(read: Reader): number {
  const ms = read.duration('graceTTL', { allowZero: true }) ?? 10_000
  if (ms > MAX_GRACE_TTL_MS) throw new UsageError(`${read.label('graceTTL')} must be at most 5m`)
  return ms
}

function readAdminToken(read: Reader): string | undefined {
  const token = read.text('adminToken')
  if (token === undefined) return undefined
  const problem = adminTokenProblem(token)
  if (problem !== undefined) throw new UsageError(`${read.label('adminToken')} ${problem}`)
  return token
}

function readAudience(read: Reader): string | string[] | undefined {
  const text = read.text('audience')
  if (text === undefined) return undefined
  try {
    return checkAudienceSetting(text.split(',').map((value) => value.trim()))
  } catch (error) {
    throw new UsageError(`${read.label('audience')}: ${(error as Error).message}`)
  }
}

function readStore(read: Reader): StoreLocation {
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

function readPublicUrl(read: Reader): string | undefined {
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
