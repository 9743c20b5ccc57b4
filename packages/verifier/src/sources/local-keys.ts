import { jwkFitsAlgorithm } from '../algorithms.js'
import { isJwkObject } from '../backend/key-material.js'
import type { CryptoBackend, LocalKeyMaterial, SignatureCheck } from '../backend/types.js'
import { VerifyError } from '../errors.js'
import type { KeyLookup, KeySource, KeySourceStatus, ResolvedKey } from '../key-source.js'
import type { KeyInput } from '../options.js'
import { isPromiseLike, settleAll } from './settle.js'

/** Options of {@link createLocalKeySource}. */
export interface LocalKeySourceOptions {
  /** The allow-list; each key serves the allowed algs that fit it. */
  algorithms: readonly string[]
  /** The crypto backend that imports the keys. */
  backend: CryptoBackend
  /** Names the option in error messages, e.g. `keys` or `issuers[1].keys`. */
  label: string
}

/** The keys that serve one alg. */
interface AlgKeys {
  /** By explicit kid and by RFC 7638 thumbprint. */
  byKid: Map<string, ResolvedKey>
  /** Keys configured without a kid: any token kid may select the one such key. */
  anonymous: ResolvedKey[]
  all: ResolvedKey[]
}

interface Prepared {
  material: LocalKeyMaterial
  alg: string
  check: SignatureCheck
}

/**
 * A key source over keys given in code. A token's kid selects the key with that kid (or
 * RFC 7638 thumbprint, as the jwtis issuer uses); a kid matching none may still select
 * the single key configured without a kid; a token without a kid needs a single key
 * fitting its alg. Two keys under one kid are a TypeError here, on every backend. On the
 * Node.js backend every key is imported before this returns, so bad keys are TypeErrors
 * here; on WebCrypto a key that fails to import makes
 * verifications fail with `ERR_KEYS_UNAVAILABLE`.
 */
export function createLocalKeySource(inputs: readonly KeyInput[], options: LocalKeySourceOptions): KeySource {
  const { algorithms, backend, label } = options
  if (inputs.length === 0) throw new TypeError(`${label} must hold at least one key`)
  assertKidsNameOneKey(inputs, label)
  const loaded = settleAll(inputs.map((input, i) => backend.loadLocalKey(input, inputs.length === 1 ? label : `${label}[${i}]`)))

  let table: Map<string, AlgKeys> | undefined
  let failure: VerifyError | undefined
  let ready: Promise<void> | undefined

  const prepare = (materials: LocalKeyMaterial[]): void | Promise<void> => {
    const pending: (Prepared | Promise<Prepared>)[] = []
    materials.forEach((material, i) => {
      const fitting = algorithms.filter((alg) => jwkFitsAlgorithm(material, alg))
      if (fitting.length === 0) {
        const name = inputs.length === 1 ? label : `${label}[${i}]`
        throw new TypeError(`${name} fits none of the allowed algorithms (${algorithms.join(', ')})`)
      }
      for (const alg of fitting) {
        const check = material.importFor(alg)
        pending.push(isPromiseLike(check) ? check.then((c) => ({ material, alg, check: c })) : { material, alg, check })
      }
    })
    const settled = settleAll(pending)
    if (isPromiseLike(settled)) {
      return settled.then((all) => {
        table = buildTable(all, label)
      })
    }
    table = buildTable(settled, label)
  }

  const started = isPromiseLike(loaded) ? loaded.then(prepare) : prepare(loaded)
  if (isPromiseLike(started)) {
    ready = started.then(
      () => undefined,
      (cause: unknown) => {
        failure = new VerifyError('ERR_KEYS_UNAVAILABLE', `the configured ${label} could not be imported`, { cause })
      },
    )
  }

  const lookup = (request: KeyLookup): ResolvedKey => {
    if (table === undefined) throw failure ?? new VerifyError('ERR_KEYS_UNAVAILABLE', `the configured ${label} are not loaded`)
    const keys = table.get(request.alg)
    if (keys === undefined) throw new VerifyError('ERR_ALG_NOT_ALLOWED', `no configured key fits ${request.alg}`)
    if (request.kid !== undefined) {
      const named = keys.byKid.get(request.kid)
      if (named !== undefined) return named
      if (keys.anonymous.length === 1) return keys.anonymous[0]!
      throw new VerifyError('ERR_KID_UNKNOWN', 'no configured key matches the token\'s kid')
    }
    if (keys.all.length === 1) return keys.all[0]!
    throw new VerifyError('ERR_KID_UNKNOWN', 'the token has no kid and several configured keys fit its alg')
  }

  return {
    getKey(request) {
      if (table === undefined && failure === undefined && ready !== undefined) return ready.then(() => lookup(request))
      return lookup(request)
    },
    status(): KeySourceStatus {
      const loadedNow = table !== undefined
      return { loaded: loadedNow, fresh: loadedNow, keys: loadedNow ? inputs.length : 0, lastError: failure?.message }
    },
  }
}

/**
 * Two keys given under one kid would leave the token's kid unable to say which one signed:
 * a configuration error, refused now on every backend rather than at the first token.
 */
function assertKidsNameOneKey(inputs: readonly KeyInput[], label: string): void {
  const seen = new Set<string>()
  inputs.forEach((input, i) => {
    const kid = isJwkObject(input) ? input.kid : undefined
    if (typeof kid !== 'string') return
    if (seen.has(kid)) throw new TypeError(`${label}[${i}] repeats the kid "${kid}" of another key; a kid must name one key`)
    seen.add(kid)
  })
}

function buildTable(prepared: readonly Prepared[], label: string): Map<string, AlgKeys> {
  const table = new Map<string, AlgKeys>()
  for (const { material, alg, check } of prepared) {
    let keys = table.get(alg)
    if (keys === undefined) {
      keys = { byKid: new Map(), anonymous: [], all: [] }
      table.set(alg, keys)
    }
    const resolved: ResolvedKey = { alg, kid: material.kid ?? material.thumbprint, key: check }
    if (material.kid !== undefined) {
      if (keys.byKid.has(material.kid)) throw new TypeError(`${label} lists the kid "${material.kid}" twice for ${alg}`)
      keys.byKid.set(material.kid, resolved)
    } else keys.anonymous.push(resolved)
    if (material.thumbprint !== undefined && !keys.byKid.has(material.thumbprint)) keys.byKid.set(material.thumbprint, resolved)
    keys.all.push(resolved)
  }
  return table
}
