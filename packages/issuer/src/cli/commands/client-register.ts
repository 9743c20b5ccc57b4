import type { Io } from '../io.js'
import { withIssuer } from '../issuer.js'
import type { CliOptions, CommandSpec } from '../cli-options.js'
import { openExistingStore } from '../store.js'
import { GENERAL, KEYS, STORE } from '../flags.js'

/**
 * `jwtis client register KID [--audience A,B] [--sigAlg ...]`: registers a client with the
 * audience and the key and token settings given (the issuer's defaults otherwise) and prints, as JSON on stdout, what
 * `POST /register/:kid` answers: the client token (shown this once) and the public keys.
 *
 * @example
 * ```ts
 * await clientRegister(parseCommandLine(['client', 'register', 'shop', '-p', pswd], {}), processIo)
 * ```
 */
export async function clientRegister(options: CliOptions, io: Io): Promise<void> {
  const [kid] = options.args as [string]
  const opened = await openExistingStore(options)
  const client = await withIssuer(opened, options, (issuer) => issuer.registerClient(kid, options.audience === undefined ? {} : { audience: options.audience }))
  io.out(
    JSON.stringify(
      {
        kid: client.kid,
        client_token: client.clientToken,
        pub_sig_key: client.pubSigKey,
        pub_enc_key: client.pubEncKey,
        expiry: client.expiry,
        valid: client.valid,
      },
      null,
      2,
    ),
  )
  io.err(`client ${client.kid} registered; its client token is shown only this once: store it now`)
}

/** `client register`: its usage, flags and run. */
export const clientRegisterCommand: CommandSpec = {
  name: 'client register',
  usage: 'jwtis client register KID [--audience A,B] [--sigAlg ALG ...]',
  summary: 'register a client; prints its token (once) and public keys',
  args: ['KID'],
  flags: [...GENERAL, ...STORE, ...KEYS, 'audience'],
  run: clientRegister,
}
