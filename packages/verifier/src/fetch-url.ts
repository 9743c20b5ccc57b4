/**
 * The one check of every URL the verifier fetches from: the `jwksUri`, a discovery
 * document's URL, the `jwks_uri` a discovery document names, and the URL of
 * `createJwksCache`.
 *
 * Accepted: https; plain http only on a loopback host (`localhost`, 127.0.0.0/8, `::1`,
 * where nothing crosses a network) or with `allowHttp`. Never credentials in the URL: they
 * would travel with every request and show in status and events.
 *
 * @throws TypeError naming `what` and what is wrong.
 */
export function checkFetchUrl(value: unknown, what: string, allowHttp: boolean): URL {
  let url: URL
  try {
    url = new URL(value as string | URL)
  } catch {
    throw new TypeError(`${what} must be an absolute URL`)
  }
  if (url.username !== '' || url.password !== '') throw new TypeError(`${what} must not carry credentials`)
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:') {
    if (allowHttp || isLoopbackHost(url.hostname)) return url
    throw new TypeError(`${what} must use https (plain http only on a loopback host or with allowHttp: true)`)
  }
  throw new TypeError(`${what} must be an https URL`)
}

/** True for `localhost`, 127.0.0.0/8 and `[::1]`, as the URL parser writes them. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)
}
