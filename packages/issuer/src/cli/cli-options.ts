/**
 * What the CLI's command line parses to, and what a command declares: the types every part
 * of the CLI shares, importing none of them.
 */
import type { ClientSettings } from '../core/types.js'
import type { Io } from './io.js'

/** A command of the CLI by its words (`client register`); `serve` is what `jwtis` alone does. */
export type CommandName = string

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
export type KeyDefaults = Pick<
  ClientSettings,
  'sigAlg' | 'sigBits' | 'encAlg' | 'encBits' | 'contEnc' | 'keyExpiry' | 'authTTL' | 'refreshTTL'
>

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

/**
 * One command of the CLI: its words, usage, flags and what it runs. Each command's file
 * declares one; `commands.ts` lists them, and parsing, help and dispatch are built from
 * that list.
 */
export interface CommandSpec {
  /** The words after `jwtis` (`client register`); `serve` is run by `jwtis` alone. */
  name: CommandName
  usage: string
  summary: string
  /** Positional arguments it takes, by name. */
  args: readonly string[]
  flags: readonly FlagName[]
  run(options: CliOptions, io: Io): Promise<void>
}
