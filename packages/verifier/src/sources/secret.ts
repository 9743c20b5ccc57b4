import type { CryptoBackend, SignatureCheck } from '../backend/types.js'
import { VerifyError } from '../errors.js'
import type { KeyLookup, KeySource, KeySourceStatus, ResolvedKey } from '../key-source.js'
import { isPromiseLike, settleAll } from './settle.js'

/** Options of {@link createSecretKeySource}. */
export interface SecretKeySourceOptions {
  /** The HS algs allowed; the caller has checked the secret is long enough for each. */
  algorithms: readonly string[]
  /** The crypto backend that imports the secret. */
  backend: CryptoBackend
}

/** A key source over one shared secret, for HS256/HS384/HS512. The token's kid is ignored. */
export function createSecretKeySource(secret: Uint8Array, options: SecretKeySourceOptions): KeySource {
  const { algorithms, backend } = options
  let table: Map<string, ResolvedKey> | undefined
  let failure: VerifyError | undefined
  const build = (checks: readonly SignatureCheck[]): void => {
    table = new Map(algorithms.map((alg, i) => [alg, { alg, kid: undefined, key: checks[i] }]))
  }
  const checks = settleAll(algorithms.map((alg) => backend.importSecret(secret, alg)))
  const ready = isPromiseLike(checks)
    ? checks.then(build, (cause: unknown) => {
        failure = new VerifyError('ERR_KEYS_UNAVAILABLE', 'the secret could not be imported', { cause })
      })
    : build(checks)

  const lookup = (request: KeyLookup): ResolvedKey => {
    if (table === undefined) throw failure ?? new VerifyError('ERR_KEYS_UNAVAILABLE', 'the secret is not loaded')
    const key = table.get(request.alg)
    if (key === undefined) throw new VerifyError('ERR_ALG_NOT_ALLOWED', `the secret does not serve ${request.alg}`)
    return key
  }

  return {
    getKey(request) {
      if (table === undefined && failure === undefined && ready !== undefined) return ready.then(() => lookup(request))
      return lookup(request)
    },
    status(): KeySourceStatus {
      const loaded = table !== undefined
      return { loaded, fresh: loaded, keys: loaded ? 1 : 0, lastError: failure?.message }
    },
  }
}
