import { createIssuerClient, type IssuerClient } from '@jwtis/client'

/** How the middleware reaches the issuer API (through `@jwtis/client`). */
export interface IssuerConnectionOptions {
  /** Base URL of the issuer API, e.g. `https://id.example.com`. */
  issuerUrl: string | URL
  /** This app's client kid, as registered with the issuer. */
  kid: string
  /** This app's client token, as returned once by the registration. Keep it out of source control. */
  clientToken: string
  /** Milliseconds to wait for each issuer answer. Default 10000. */
  timeout?: number | undefined
  /** Allow a plain-http issuer URL on a non-loopback host. Default false. */
  allowHttp?: boolean | undefined
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: typeof fetch | undefined
}

/** The issuer client of a session or of resource links; bad options throw `TypeError` here. */
export function connectIssuer(where: string, options: IssuerConnectionOptions): IssuerClient {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options are required`)
  try {
    return createIssuerClient({
      url: options.issuerUrl,
      kid: options.kid,
      clientToken: options.clientToken,
      timeout: options.timeout,
      allowHttp: options.allowHttp,
      fetch: options.fetch,
    })
  } catch (err) {
    throw new TypeError(`${where}: ${(err as Error).message.replace(/^createIssuerClient: /, '').replace(/^url\b/, 'issuerUrl')}`)
  }
}

/** True when the issuer did not answer, or answered that it cannot serve now: an outage, not a refusal. */
export function isOutage(err: { status: number; code: string }): boolean {
  return err.status === 0 || err.status >= 500 || err.code === 'invalid_response'
}
