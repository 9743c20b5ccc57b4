/**
 * Checks a URL the verifier fetches keys or metadata from: https, or http on a loopback
 * host (`localhost`, 127.0.0.0/8, `::1`) or with `allowHttp`; never with credentials.
 *
 * @throws TypeError naming `what`.
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
  if (url.protocol === 'http:' && (allowHttp || isLoopbackHost(url.hostname))) return url
  throw new TypeError(`${what} must be an https URL (plain http only on a loopback host or with allowHttp: true)`)
}

/** True for `localhost`, 127.0.0.0/8 and `[::1]`, as the URL parser writes them. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)
}
