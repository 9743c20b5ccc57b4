/**
 * Checks a JWKS URL: https, or http on a loopback host (127.0.0.0/8, `::1`, `localhost`)
 * or when `allowHttp` is set; never with credentials in it.
 *
 * @throws TypeError naming what is wrong.
 */
export function checkJwksUrl(value: string | URL, allowHttp: boolean): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError('jwksUri must be an absolute URL')
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('jwksUri must not carry credentials')
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:') {
    if (allowHttp || isLoopback(url.hostname)) return url
    throw new TypeError('jwksUri must use https (plain http is allowed on a loopback host, or with allowHttp: true)')
  }
  throw new TypeError('jwksUri must be an https URL')
}

/** True for `localhost`, 127.0.0.0/8 and `::1`. The URL parser has already normalised the host. */
export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}
