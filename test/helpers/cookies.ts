/** A browser's cookie jar, reduced to what these tests need: names and values, cleared by `Max-Age=0`. */
export class CookieJar {
  readonly values = new Map<string, string>()

  /** Takes the `Set-Cookie` lines of an answer. */
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const eq = line.indexOf('=')
      const name = line.slice(0, eq)
      if (/;\s*Max-Age=0/i.test(line)) this.values.delete(name)
      else this.values.set(name, line.slice(eq + 1, line.indexOf(';')))
    }
  }

  /** The `Cookie` header to send. */
  header(): Record<string, string> {
    return this.values.size === 0 ? {} : { cookie: [...this.values].map(([n, v]) => `${n}=${v}`).join('; ') }
  }
}
