/**
 * The storage contract of the issuer. The core decides, the store persists: nothing here
 * knows of HTTP or tokens' wire format. Every time is milliseconds since the epoch, every
 * method that resolves has made its change durable, and every multi-row change is atomic.
 * One conformance suite (`test/store/conformance.ts`) runs against every implementation.
 */

/** How a renew treats the refresh token it was given. */
export type RefreshStrategy = 'refreshBoth' | 'refreshOnExpire' | 'noRefresh'

/** A client's settings, fixed at registration (server defaults fill what it did not give). */
export interface ClientConfig {
  /** JWS alg of its signing keys, e.g. `ES256`. */
  sigAlg: string
  /** RSA modulus length in bits for RS and PS algs; absent for EC and EdDSA. */
  sigBits?: number | undefined
  /** JWE key-management alg of its encryption key, e.g. `ECDH-ES+A256KW`. */
  encAlg: string
  /** RSA modulus length, or the EC curve size (256, 384, 521), of the encryption key. */
  encBits?: number | undefined
  /** JWE content encryption, e.g. `A256GCM`. */
  contEnc: string
  /** Lifetime of a signing key as current, in milliseconds, before it rotates. */
  keyExpiry: number
  /** Access token lifetime, in milliseconds. */
  authTTL: number
  /** Refresh token lifetime (sliding), in milliseconds. */
  refreshTTL: number
  /** Family maximum lifetime, in milliseconds. */
  familyTTL: number
  refreshStrategy: RefreshStrategy
  /**
   * The `aud` values its tokens may carry (a request may narrow them, never name another);
   * the client's kid when absent.
   */
  audience?: string | string[] | undefined
}

/** A registered client server. */
export interface ClientRecord {
  kid: string
  /** Hex SHA-256 of the client token; the token itself is never stored. */
  tokenHash: string
  config: ClientConfig
  createdAt: number
  /**
   * The core's MAC over the kid, token hash, configuration and creation time (opaque text),
   * so that a row edited without the password is refused. Absent only on rows written
   * before stores kept it.
   */
  mac?: string | undefined
}

/** `sig` keys sign tokens; `enc` keys receive refresh tokens. */
export type KeyUse = 'sig' | 'enc'

/**
 * `next`: published, not yet used; `current`: in use; `retired`: no longer used, kept
 * (and for `sig`, published) until `retireUntil`, when no token it made can still be valid.
 */
export type KeyState = 'next' | 'current' | 'retired'

/** One key pair of a client. */
export interface KeyRecord {
  /** RFC 7638 thumbprint of the public key: the `kid` in token headers and the JWKS. */
  id: string
  clientKid: string
  use: KeyUse
  state: KeyState
  /** The JWS or JWE alg the key is for. */
  alg: string
  /** The public JWK as JSON text. */
  publicJwk: string
  /** The private JWK sealed by the keyring (opaque text). */
  sealedPrivate: string
  createdAt: number
  /** When it became current, once it has. */
  activatedAt?: number | undefined
  /** When a current key is due to rotate. */
  expiresAt: number
  /** For a retired key: when the issuer may delete it (no token it made can still be renewed). */
  retireUntil?: number | undefined
  /**
   * For a retired signing key: when it leaves the public JWKS (no access token it signed is
   * still valid). Absent on keys retired before stores kept it: published until `retireUntil`.
   */
  publishUntil?: number | undefined
}

/** An atomic rotation of one client's keys of one use. */
export interface KeyRotation {
  clientKid: string
  use: KeyUse
  /** The rotation applies only while this key is still the current one (compare-and-set). */
  expectCurrentId: string
  /** The `next` key to promote, with its new rotation deadline. */
  promoteId: string
  activatedAt: number
  expiresAt: number
  /** Until when the retiring key is kept. */
  retireUntil: number
  /** Until when the retiring key stays published; at most `retireUntil`. */
  publishUntil: number
  /** The new `next` key, if one is ready; it may also be inserted later with `insertKey`. */
  newNext?: KeyRecord | undefined
}

/** The state of one refresh token family (the tokens themselves are never stored). */
export interface FamilyRecord {
  /** The family id, also the `id` of issue and renew responses. */
  id: string
  clientKid: string
  sub: string
  /** The jti of the refresh token generation that may be renewed now. */
  jti: string
  /** Generation counter, 1 for the first token. */
  generation: number
  /** The generation just superseded, honoured within the grace window. */
  prevJti?: string | undefined
  /** When `prevJti` was superseded. */
  supersededAt?: number | undefined
  /** When the current generation expires (slides on renew, capped by `maxExpiresAt`). */
  expiresAt: number
  /** The family's maximum lifetime end. */
  maxExpiresAt: number
  /** Set once the family is revoked; a revoked family never comes back. */
  revokedAt?: number | undefined
  createdAt: number
}

/** The successor generation of a family, for {@link Store.advanceFamily}. */
export interface FamilyAdvance {
  jti: string
  expiresAt: number
  at: number
}

/** What an issuer persists. Implementations: SQLite (default) and PostgreSQL. */
export interface Store {
  /** `sqlite` or `postgres`, for logs. */
  readonly kind: string
  /** Creates the schema if absent. Idempotent. */
  init(): Promise<void>
  /** True when the store answers (readiness); false once closed. Never rejects. */
  ping(): Promise<boolean>
  /** Closes connections; later calls (but `ping`) reject. Closing twice is harmless. */
  close(): Promise<void>

  /** A value of the store's metadata (keyring, admin token hash, schema version). */
  getMeta(name: string): Promise<string | undefined>
  /** Sets metadata values, all or none. */
  setMeta(entries: Readonly<Record<string, string>>): Promise<void>
  /** Sets metadata values only if none of them exists yet; false when one already did. */
  initMeta(entries: Readonly<Record<string, string>>): Promise<boolean>

  /** Adds a client with its first keys, all or none; false when the kid exists. */
  insertClient(client: ClientRecord, keys: readonly KeyRecord[]): Promise<boolean>
  getClient(kid: string): Promise<ClientRecord | undefined>
  findClientByTokenHash(tokenHash: string): Promise<ClientRecord | undefined>
  listClients(): Promise<ClientRecord[]>
  /** Sets the MAC of a client row (see {@link ClientRecord.mac}); false when the kid is unknown. */
  setClientMac(kid: string, mac: string): Promise<boolean>
  /** Removes a client with its keys and families; false when it did not exist. */
  deleteClient(kid: string): Promise<boolean>

  /** Keys, optionally of one client and/or in some states, oldest first. */
  listKeys(filter?: { clientKid?: string; states?: readonly KeyState[] }): Promise<KeyRecord[]>
  /**
   * Adds a key; false when its id exists, or when it is a `next` key and the client already
   * has a next key of that use (so instances generating a successor at once add one only).
   */
  insertKey(key: KeyRecord): Promise<boolean>
  /** Applies a rotation if `expectCurrentId` is still current; false when another won. */
  rotateKeys(rotation: KeyRotation): Promise<boolean>
  /** Deletes retired keys whose `retireUntil` is at or before `now`; returns how many. */
  purgeRetiredKeys(now: number): Promise<number>

  insertFamily(family: FamilyRecord): Promise<void>
  getFamily(id: string): Promise<FamilyRecord | undefined>
  /**
   * Moves a family to its next generation if its current jti is still `expectJti` and it is
   * not revoked (compare-and-set): sets `prevJti = expectJti`, `supersededAt = next.at`,
   * `generation + 1`. Resolves the updated family, or undefined when the CAS lost.
   */
  advanceFamily(id: string, expectJti: string, next: FamilyAdvance): Promise<FamilyRecord | undefined>
  /** Slides the current generation's expiry without changing its jti. */
  extendFamily(id: string, jti: string, expiresAt: number): Promise<boolean>
  /** Revokes one family; false when unknown or already revoked. */
  revokeFamily(id: string, at: number): Promise<boolean>
  /** Revokes every live family of a subject of a client; returns how many. */
  revokeSubject(clientKid: string, sub: string, at: number): Promise<number>
  /** Deletes families whose `maxExpiresAt` is at or before `now`; returns how many. */
  purgeFamilies(now: number): Promise<number>
}
