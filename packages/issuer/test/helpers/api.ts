import type { TestIssuer } from './issuer.js'

/** A raw answer of the issuer API. */
export interface ApiAnswer {
  status: number
  headers: Headers
  /** The body parsed as JSON, or undefined when it is not JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  body: any
  /** The body as text. */
  text: string
}

/** What {@link api} sends. */
export interface ApiRequest {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string
  /** Serialised as JSON, unless a string (sent as is). */
  body?: unknown
  headers?: Record<string, string>
}

/**
 * Calls the issuer API with plain `fetch` and returns status, headers and body.
 *
 * @example
 * ```ts
 * const { status, body } = await api(t.url, 'POST', '/register/shop', { token: t.adminToken })
 * ```
 */
export async function api(baseUrl: string, method: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...request.headers }
  if (request.token !== undefined) headers['authorization'] = `Bearer ${request.token}`
  let body: string | undefined
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(new URL(path, baseUrl), { method, headers, body, redirect: 'manual' })
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: response.status, headers: response.headers, body: parsed, text }
}

/** A client as its registration answered, with the token to call as it. */
export interface TestClient {
  kid: string
  clientToken: string
  /** The whole 201 body. */
  // biome-ignore lint/suspicious/noExplicitAny: the raw API answer
  registration: any
}

/**
 * Registers a client through `POST /register/:kid` and fails the test unless it is a 201.
 * `settings` is the API's body (`sig_alg`, `enc_alg`, `auth_ttl`, ...).
 */
export async function registerClient(t: TestIssuer, kid: string, settings: Record<string, unknown> = {}): Promise<TestClient> {
  const answer = await api(t.url, 'POST', `/register/${encodeURIComponent(kid)}`, { token: t.adminToken, body: settings })
  if (answer.status !== 201) {
    throw new Error(`registering ${kid} answered ${answer.status}: ${answer.text}`)
  }
  return { kid, clientToken: answer.body.client_token, registration: answer.body }
}

/** Issues a pair through `POST /issue_token` and fails unless it is a 200. */
export async function issuePair(
  t: TestIssuer,
  client: TestClient,
  claims: Record<string, unknown> = { sub: 'user-1' },
  // biome-ignore lint/suspicious/noExplicitAny: the raw API answer
): Promise<any> {
  const answer = await api(t.url, 'POST', '/issue_token', { token: client.clientToken, body: { kid: client.kid, claims } })
  if (answer.status !== 200) throw new Error(`issue for ${client.kid} answered ${answer.status}: ${answer.text}`)
  return answer.body
}

/** Renews through `POST /renew_token`; returns the raw answer (the caller checks the status). */
export function renewPair(t: TestIssuer, client: TestClient, refreshToken: string, extra: Record<string, unknown> = {}): Promise<ApiAnswer> {
  return api(t.url, 'POST', '/renew_token', {
    token: client.clientToken,
    body: { kid: client.kid, refresh_token: refreshToken, ...extra },
  })
}
