/** Attributes of the cookies a token session sets. */
export interface CookieAttributes {
  path: string
  domain: string | undefined
  sameSite: 'Strict' | 'Lax' | 'None'
  secure: boolean
  /** Seconds; undefined makes a browser-session cookie. */
  maxAge: number | undefined
}

/** A `Set-Cookie` value. Always `HttpOnly`: page scripts never see a token. */
export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  let cookie = `${name}=${encodeURIComponent(value)}; Path=${attributes.path}; HttpOnly; SameSite=${attributes.sameSite}`
  if (attributes.domain !== undefined) cookie += `; Domain=${attributes.domain}`
  if (attributes.secure) cookie += '; Secure'
  if (attributes.maxAge !== undefined) cookie += `; Max-Age=${attributes.maxAge}`
  return cookie
}

/** A `Set-Cookie` value that removes the cookie (same name, path and domain, expired). */
export function clearingCookie(name: string, attributes: CookieAttributes): string {
  return `${serializeCookie(name, '', { ...attributes, maxAge: 0 })}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`
}
