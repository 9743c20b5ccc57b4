import { readFileSync } from 'node:fs'
import type { Issuer } from '../../core/types.js'
import { randomToken } from '../../crypto/secrets.js'
import { type RunningServer, startServer } from '../../http/server.js'
import { describeConfiguration, formatHostPort } from '../configuration.js'
import { CliError } from '../errors.js'
import type { Io } from '../io.js'
import { checkNewPassword, requirePassword, unlockIssuer } from '../issuer.js'
import type { CliOptions, CommandSpec } from '../cli-options.js'
import { closeQuietly, type OpenedStore, openServingStore } from '../store.js'
import { packageVersion } from '../version.js'
import { GENERAL, KEYS, STORE } from '../flags.js'

/**
 * `jwtis [OPTIONS]`: prints the version and configuration, opens (or on first start
 * creates) the store, serves the API, and prints `listening on URL` once it accepts
 * requests. SIGTERM and SIGINT stop accepting, finish what is in flight, close the store
 * and exit 0.
 *
 * @example
 * ```ts
 * await serve(parseCommandLine(['-l', '127.0.0.1:0'], process.env), processIo)
 * ```
 */
export async function serve(options: CliOptions, io: Io): Promise<void> {
  io.out(`jwtis ${packageVersion()}`)
  for (const line of describeConfiguration(options)) io.out(line)
  const tls = options.tls && readTlsFiles(options.tls)
  const opened = await openServingStore(options)
  let secrets: StartSecrets
  try {
    secrets = startSecrets(options, opened)
  } catch (error) {
    await closeQuietly(opened.store)
    throw error
  }
  const issuer = await unlockIssuer(opened, options, {
    password: secrets.password,
    adminToken: secrets.adminToken,
    log: options.verbose ? io.err : onlyFailures(io.err),
  })
  if (issuer.created) printFirstStartBanner(io, opened.label, secrets.generated)
  let server: RunningServer
  try {
    server = await startServer({
      issuer,
      listen: options.listen,
      ...(tls ? { tls } : {}),
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
      log: io.err,
    })
  } catch (error) {
    await issuer.close()
    throw explainListenFailure(error, formatHostPort(options.listen.host, options.listen.port))
  }
  closeOnSignals(server, issuer, io)
  const url = `${tls ? 'https' : 'http'}://${formatHostPort(server.host, server.port)}`
  io.out(`listening on ${url}`)
  if (issuer.created) printFirstClientHint(io, url)
}

/** After a first start, the operator's next step: a client server to hand tokens to. */
function printFirstClientHint(io: Io, url: string): void {
  io.out('Register a first client (it answers with its client token, shown once):')
  io.out(`  curl -X POST ${url}/register/my-app -H "Authorization: Bearer $ADMIN_TOKEN"`)
  io.out('Then issue a token pair for one of its users:')
  io.out(
    `  curl -X POST ${url}/issue_token -H "Authorization: Bearer $CLIENT_TOKEN" -H 'content-type: application/json' -d '{"kid":"my-app","claims":{"sub":"user-1"}}'`,
  )
}

interface StartSecrets {
  password: string
  adminToken: string | undefined
  /** What this start generated, to show once; empty when given. */
  generated: { password: string; adminToken: string }
}

/**
 * The password and admin token of this start: a fresh store takes the given ones (the
 * password long enough) or generates them; an existing store needs its password.
 */
function startSecrets(options: CliOptions, opened: OpenedStore): StartSecrets {
  if (!opened.fresh) {
    return {
      password: requirePassword(options, opened.label),
      adminToken: options.adminToken,
      generated: { password: '', adminToken: '' },
    }
  }
  if (options.password !== undefined) checkNewPassword(options.password, passwordLabel(options))
  const generated = {
    password: options.password === undefined ? generateSecret() : '',
    adminToken: options.adminToken === undefined ? generateSecret() : '',
  }
  return {
    password: options.password ?? generated.password,
    adminToken: options.adminToken ?? generated.adminToken,
    generated,
  }
}

/**
 * Without -v the operator sees only what went wrong: the core's log has no levels, and its
 * failure lines all say "failed".
 */
function onlyFailures(write: (line: string) => void): (line: string) => void {
  return (line) => {
    if (/\bfailed\b/.test(line)) write(line)
  }
}

/**
 * A random 256-bit secret that never starts with `-` or `_`: one starting with a dash would
 * read as a flag after `-p`.
 */
function generateSecret(): string {
  for (;;) {
    const secret = randomToken()
    if (/^[A-Za-z0-9]/.test(secret)) return secret
  }
}

function passwordLabel(options: CliOptions): string {
  return options.sources.pswd === 'env' ? 'JWTIS_PSWD' : '-p/--pswd'
}

function readTlsFiles(paths: { certPath: string; keyPath: string }): { cert: Buffer; key: Buffer } {
  const read = (path: string, flag: string): Buffer => {
    try {
      return readFileSync(path)
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable'
      throw new CliError(`cannot read ${flag} ${path}: ${reason}`)
    }
  }
  return { cert: read(paths.certPath, '--tlsCert'), key: read(paths.keyPath, '--tlsKey') }
}

function printFirstStartBanner(io: Io, storeLabel: string, generated: { password: string; adminToken: string }): void {
  io.out(`A new store was created at ${storeLabel}.`)
  if (generated.password || generated.adminToken) {
    const rule = '='.repeat(72)
    io.out(rule)
    if (generated.password) io.out(`  password:    ${generated.password}`)
    if (generated.adminToken) io.out(`  admin token: ${generated.adminToken}`)
    io.out('  Store these now: they are shown only this once and cannot be recovered.')
    if (generated.password) io.out('  Later starts need the password (-p/--pswd or JWTIS_PSWD).')
    io.out(rule)
  }
}

function explainListenFailure(error: unknown, address: string): unknown {
  // The server may wrap the socket's error; its code is on the cause.
  const code = errnoCode(error) ?? errnoCode((error as Error | undefined)?.cause)
  if (code === 'EADDRINUSE') return new CliError(`cannot listen on ${address}: the address is in use`)
  if (code === 'EACCES') return new CliError(`cannot listen on ${address}: permission denied`)
  if (code === 'EADDRNOTAVAIL') return new CliError(`cannot listen on ${address}: no such local address`)
  return error
}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

function closeOnSignals(server: RunningServer, issuer: Issuer, io: Io): void {
  let closing = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      io.err(`${signal} again: exiting without waiting for requests in flight`)
      process.exit(1)
    }
    closing = true
    io.out(`${signal}: no longer accepting requests; finishing those in flight`)
    void shutDown(server, issuer, io).then((code) => {
      // Exit once stdout has drained, so the last lines reach a pipe.
      process.stdout.write('', () => process.exit(code))
    })
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
}

async function shutDown(server: RunningServer, issuer: Issuer, io: Io): Promise<number> {
  let code = 0
  try {
    await server.close()
  } catch (error) {
    io.err(`closing the server failed: ${error instanceof Error ? error.message : String(error)}`)
    code = 1
  }
  try {
    await issuer.close()
  } catch (error) {
    io.err(`closing the store failed: ${error instanceof Error ? error.message : String(error)}`)
    code = 1
  }
  io.out('closed')
  return code
}

/** `serve`: its usage, flags and run. */
export const serveCommand: CommandSpec = {
  name: 'serve',
  usage: 'jwtis [OPTIONS]',
  summary: 'serve the issuer HTTP API',
  args: [],
  flags: [...GENERAL, ...STORE, ...KEYS, 'listen', 'tls', 'tlsCert', 'tlsKey', 'name', 'adminToken', 'url', 'graceTTL'],
  run: serve,
}
