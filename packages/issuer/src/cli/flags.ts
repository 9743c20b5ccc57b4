/** Every flag of the CLI: its short name, environment variable, help and default as shown. */
import { GRACE_TTL_DEFAULT_MS } from '../core/durations.js'
import { formatDuration } from '../core/settings.js'
import type { FlagName } from './cli-options.js'

export interface FlagSpec {
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

export const FLAGS: Readonly<Record<FlagName, FlagSpec>> = {
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
    shown: formatDuration(GRACE_TTL_DEFAULT_MS),
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

/** Flags every command takes. */
export const GENERAL: readonly FlagName[] = ['help', 'version', 'verbose']
/** Flags that open the store. */
export const STORE: readonly FlagName[] = ['dbPath', 'store', 'pswd']
/** Flags that set key and token defaults. */
export const KEYS: readonly FlagName[] = [
  'sigAlg',
  'sigBits',
  'encAlg',
  'encBits',
  'contEnc',
  'expiry',
  'authTTL',
  'refreshTTL',
]

/** The flags as `node:util` parseArgs takes them. */
export const PARSE_CONFIG = Object.fromEntries(
  Object.entries(FLAGS).map(([name, spec]) => [
    name,
    spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
  ]),
) as Record<FlagName, { type: 'string' | 'boolean'; short?: string }>

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
