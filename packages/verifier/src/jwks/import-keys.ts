import { type JWK, importJWK } from 'jose'
import type { KeyImporter, ResolvedKey } from '../key-source.js'
import type { SelectedKey } from './select-keys.js'
import type { JsonWebKeyLike } from '../jwk-types.js'

/** A selected key imported for each alg it may be used with. */
export interface ImportedKey {
  kid: string | undefined
  fingerprint: string
  /** By alg. */
  keys: ReadonlyMap<string, ResolvedKey>
}

/** Finds the import of an unchanged key from a previous load, so it is not imported again. */
export type PreviousImport = (kid: string | undefined, fingerprint: string) => ImportedKey | undefined

/** The default {@link KeyImporter}: jose's `importJWK`, WebCrypto on every runtime. */
export const importJwkWithJose: KeyImporter = (jwk: JsonWebKeyLike, alg: string) => importJWK(jwk as JWK, alg)

/**
 * Imports every selected key once per alg, reusing imports of unchanged keys. A key or alg
 * the importer rejects is skipped on its own; a key left with no alg is dropped.
 */
export async function importSelectedKeys(
  selected: readonly SelectedKey[],
  importKey: KeyImporter,
  previous?: PreviousImport,
): Promise<ImportedKey[]> {
  const imported = await Promise.all(selected.map((key) => importOne(key, importKey, previous)))
  return imported.filter((key): key is ImportedKey => key !== undefined)
}

async function importOne(
  selected: SelectedKey,
  importKey: KeyImporter,
  previous: PreviousImport | undefined,
): Promise<ImportedKey | undefined> {
  const reusable = previous?.(selected.kid, selected.fingerprint)
  const entries = await Promise.all(
    selected.algorithms.map(async (alg): Promise<[string, ResolvedKey] | undefined> => {
      const known = reusable?.keys.get(alg)
      if (known !== undefined) return [alg, known]
      try {
        return [alg, { alg, kid: selected.kid, key: await importKey(selected.jwk, alg) }]
      } catch {
        return undefined
      }
    }),
  )
  const keys = new Map(entries.filter((entry) => entry !== undefined))
  if (keys.size === 0) return undefined
  return { kid: selected.kid, fingerprint: selected.fingerprint, keys }
}
