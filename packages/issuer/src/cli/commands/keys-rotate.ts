import type { Io } from '../io.js'
import { withIssuer } from '../issuer.js'
import type { CliOptions } from '../options.js'
import { openExistingStore } from '../store.js'

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
