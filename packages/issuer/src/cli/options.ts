import { parseArgs } from 'node:util'
import type { CliOptions, CommandSpec, FlagName } from './cli-options.js'
import { COMMANDS, DEFAULT_COMMAND } from './commands.js'
import { UsageError } from './errors.js'
import { FLAGS, flagLabel, PARSE_CONFIG } from './flags.js'
import {
  createReader,
  parseListen,
  readAdminToken,
  readAudience,
  readDefaults,
  readGraceTTL,
  readPublicUrl,
  readStore,
  readTls,
} from './read-options.js'

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
  const { spec, args } = findCommand(positionals)
  const command = spec.name
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
  for (const spec of COMMANDS) lines.push(`  ${spec.usage.padEnd(46)} ${spec.summary}`)
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

function findCommand(positionals: string[]): { spec: CommandSpec; args: string[] } {
  const [first, ...rest] = positionals
  if (first === undefined) return checkArgs(DEFAULT_COMMAND, [])
  const named = COMMANDS.filter((spec) => spec !== DEFAULT_COMMAND)
  const one = named.find((spec) => spec.name === first)
  if (one !== undefined) return checkArgs(one, rest)
  const group = named.filter((spec) => spec.name.startsWith(`${first} `))
  if (group.length === 0) throw new UsageError(`unknown command ${JSON.stringify(first)}`)
  const [second, ...args] = rest
  const sub = group.find((spec) => spec.name === `${first} ${second}`)
  if (sub === undefined) {
    const verbs = group.map((spec) => spec.name.slice(first.length + 1))
    const listed = verbs.length > 1 ? `${verbs.slice(0, -1).join(', ')} or ${verbs.at(-1)}` : verbs.join('')
    throw new UsageError(`\`jwtis ${first}\` needs a subcommand: ${listed}`)
  }
  return checkArgs(sub, args)
}

function checkArgs(spec: CommandSpec, args: string[]): { spec: CommandSpec; args: string[] } {
  if (args.length !== spec.args.length) {
    const wanted = spec.args.length === 0 ? 'no arguments' : spec.args.join(' ')
    throw new UsageError(`\`${spec.usage}\` takes ${wanted}`)
  }
  return { spec, args }
}
