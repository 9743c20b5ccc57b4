import type { Io } from '../io.js'
import { withIssuer } from '../issuer.js'
import type { CliOptions, CommandSpec } from '../cli-options.js'
import { openExistingStore } from '../store.js'
import { GENERAL, STORE } from '../flags.js'

/**
 * `jwtis keys rotate KID`: promotes the client's pre-published next keys to current now and
 * prints its keys as `GET /keys/:kid` answers them.
 *
 * @example
 * ```ts
 * await keysRotate(parseCommandLine(['keys', 'rotate', 'shop', '-p', pswd], {}), processIo)
 * ```
 */
export async function keysRotate(options: CliOptions, io: Io): Promise<void> {
  const [kid] = options.args as [string]
  const opened = await openExistingStore(options)
  const keys = await withIssuer(opened, options, (issuer) => issuer.rotateKeys(kid))
  io.out(
    JSON.stringify(
      { kid: keys.kid, pub_sig_key: keys.pubSigKey, pub_enc_key: keys.pubEncKey, expiry: keys.expiry, valid: keys.valid },
      null,
      2,
    ),
  )
}

/** `keys rotate`: its usage, flags and run. */
export const keysRotateCommand: CommandSpec = {
  name: 'keys rotate',
  usage: 'jwtis keys rotate KID',
  summary: 'rotate a client\u2019s keys now',
  args: ['KID'],
  flags: [...GENERAL, ...STORE],
  run: keysRotate,
}
