import type { ClientConfig, RefreshStrategy } from '../store/contract.js'

/**
 * The least time between two rotations a client asks for itself, in milliseconds: each
 * rotation adds a key to the JWKS for the longest access TTL, so unlimited self-rotation
 * would let one client flood every verifier's key set. The admin may always rotate.
 */
export const CLIENT_ROTATION_INTERVAL = 60_000

/** A public JWK, as published. */
export type PublicJwk = Record<string, unknown> & { kty: string; kid: string }

/** Client settings a registration may give; the server's defaults fill the rest. */
export interface ClientSettings {
  sigAlg?: string
  sigBits?: number
  encAlg?: string
  encBits?: number
  contEnc?: string
  /** Signing key lifetime: milliseconds. */
  keyExpiry?: number
  /** Milliseconds. */
  authTTL?: number
  /** Milliseconds. */
  refreshTTL?: number
  /** Family maximum lifetime, milliseconds; at least `refreshTTL`. */
  familyTTL?: number
  refreshStrategy?: RefreshStrategy
  /** The `aud` values the client's tokens may carry: one or a list. Default: the client's kid. */
  audience?: string | readonly string[]
}

/** What a client may learn of its keys. */
export interface ClientKeys {
  kid: string
  /** The current public signing JWK. */
  pubSigKey: PublicJwk
  /** The current public encryption JWK. */
  pubEncKey: PublicJwk
  /** When the current signing key rotates, seconds since the epoch. */
  expiry: number
  /** The keys are usable now. */
  valid: boolean
}

/** The answer to a registration: the client token is shown this once. */
export interface RegisteredClient extends ClientKeys {
  clientToken: string
}

/** A client as listed to operators (no secret). */
export interface ClientSummary {
  kid: string
  config: ClientConfig
  createdAt: number
}

/** A token pair. */
export interface TokenPair {
  /** The token family's id. */
  id: string
  accessToken: string
  refreshToken: string
  /** The access token's `exp`, seconds since the epoch. */
  expiry: number
}

/** A request for a token pair. */
export interface IssueRequest {
  /**
   * Custom claims; `sub` included. `iss`, `iat`, `nbf`, `exp`, `jti`, `client_id` and a
   * `__proto__` member at any depth are refused; `aud` may only narrow the client's audience.
   */
  claims: Record<string, unknown>
  /** Shortens the client's access TTL; milliseconds. */
  authTTL?: number | undefined
  /** Shortens the client's refresh TTL; milliseconds. */
  refreshTTL?: number | undefined
}

/** What `revoke` takes: one token's family, or every family of a subject. */
export type RevokeTarget = { token: string } | { sub: string }

/** A JWK Set. */
export interface Jwks {
  keys: PublicJwk[]
}

/**
 * The issuer core. Knows nothing of HTTP or the CLI: callers authenticate first, then act
 * on a client kid. Every failure is an `IssuerError`.
 */
export interface Issuer {
  /** The `iss` of every token. */
  readonly name: string
  /** True when `token` is the admin token (constant time). */
  isAdmin(token: string): boolean
  /** The kid of the client whose token this is, or undefined (constant time on the hash). */
  authenticateClient(clientToken: string): Promise<string | undefined>
  registerClient(kid: string, settings?: ClientSettings): Promise<RegisteredClient>
  removeClient(kid: string): Promise<boolean>
  listClients(): Promise<ClientSummary[]>
  getKeys(kid: string): Promise<ClientKeys>
  /**
   * Rotates a client's keys now. With `byClient`, the client asked itself: at most once per
   * {@link CLIENT_ROTATION_INTERVAL}, else `IssuerError('slow_down')` with `retryAfter`.
   */
  rotateKeys(kid: string, options?: { byClient?: boolean }): Promise<ClientKeys>
  issue(kid: string, request: IssueRequest): Promise<TokenPair>
  renew(kid: string, refreshToken: string, options?: { strategy?: RefreshStrategy }): Promise<TokenPair>
  revoke(kid: string, target: RevokeTarget): Promise<void>
  /** The client's published signing keys (next, current, retired-but-valid). */
  jwks(kid: string): Promise<Jwks>
  /** Every client's published signing keys. */
  allJwks(): Promise<Jwks>
  /** Seconds a JWKS response may be cached so that no rotation surprises a verifier. */
  jwksMaxAge(): number
  /** Store reachable, keys unlocked, and no record found altered without the password. */
  ready(): Promise<boolean>
  /** What record was found altered without the password (never its content), if any. */
  integrityProblem(): string | undefined
  /** Stops background work and closes the store. */
  close(): Promise<void>
}
