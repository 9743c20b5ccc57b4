import type { KeyLookup, KeySourceStatus, ResolvedKey } from '../key-source.js'
import { importJwkWithJose, importSelectedKeys } from './import-keys.js'
import { KeyIndex } from './key-index.js'
import { algNotAllowed, kidUnknown } from './lookup-errors.js'
import { checkAllowList, JwksDocumentError, type KeySelection, selectKeys } from './select-keys.js'
import type { JsonWebKeySetLike } from '../jwk-types.js'
import type { CreateStaticKeySetOptions, StaticKeySet } from './types.js'

/**
 * Creates a {@link KeySource} from a JWKS given in code, with the same per-key rules as a
 * remote JWKS: keys for encryption, of an unknown kty, crv or alg, outside the allow-list,
 * with private members or RSA under 2048 bits are skipped one by one; a key without `alg`
 * serves every allowed alg that fits it. A kid listed for two different usable keys is
 * ambiguous: tokens naming it fail with `ERR_KID_AMBIGUOUS`. A token without a kid uses
 * the one key that fits its alg, if exactly one does. Keys are imported once, at
 * construction.
 *
 * @throws TypeError when the document is not a JWKS or the allow-list is empty or unknown.
 * @example
 * ```ts
 * const keys = createStaticKeySet({ keys: [publicJwk] }, { algorithms: ['ES256'] })
 * await keys.ready
 * const { key } = await keys.getKey({ alg: 'ES256', kid: publicJwk.kid })
 * ```
 */
export function createStaticKeySet(jwks: JsonWebKeySetLike, options: CreateStaticKeySetOptions): StaticKeySet {
  if (typeof options !== 'object' || options === null) throw new TypeError('key set options must be an object')
  const allowed = checkAllowList(options.algorithms)
  if (options.importKey !== undefined && typeof options.importKey !== 'function') {
    throw new TypeError('importKey must be a function')
  }
  let selection: KeySelection
  try {
    selection = selectKeys(jwks, [...allowed])
  } catch (err) {
    if (err instanceof JwksDocumentError) throw new TypeError(`jwks: ${err.message}`)
    throw err
  }
  const index = new KeyIndex(selection.keys.length)
  let imported = false
  const ready = importSelectedKeys(selection.keys, options.importKey ?? importJwkWithJose).then((keys) => {
    index.replace(keys, selection.ambiguous)
    imported = true
  })

  function resolve(lookup: KeyLookup): ResolvedKey {
    if (!allowed.has(lookup.alg)) throw algNotAllowed('the token\'s alg is not in the allow-list')
    const key = index.find(lookup)
    if (key === undefined) throw kidUnknown()
    return key
  }

  return {
    ready,
    getKey(lookup: KeyLookup): ResolvedKey | Promise<ResolvedKey> {
      return imported ? resolve(lookup) : ready.then(() => resolve(lookup))
    },
    status(): KeySourceStatus {
      return { loaded: imported && index.size > 0, fresh: imported, keys: index.size }
    },
  }
}
