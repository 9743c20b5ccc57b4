const BACKSLASH = 0x5c
const COLON = 0x3a

/**
 * Counts the member names written in JSON text (at any depth), or returns -1 when a
 * string is unterminated. The text must be JSON that JSON.parse accepted: outside strings
 * every quote then opens one, and a string is a member name exactly when the next
 * character past white space is a colon. So the scan jumps natively from string to string
 * and never walks the structure.
 */
export function countMemberNames(text: string): number {
  let count = 0
  let open = text.indexOf('"')
  while (open >= 0) {
    const close = closingQuote(text, open)
    if (close < 0) return -1
    let next = close + 1
    let code = text.charCodeAt(next)
    while (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) code = text.charCodeAt(++next)
    if (code === COLON) count++
    open = text.indexOf('"', next)
  }
  return count
}

/** Index of the quote closing the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1)
  while (end > 0) {
    let backslashes = 0
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++
    if ((backslashes & 1) === 0) return end
    end = text.indexOf('"', end + 1)
  }
  return -1
}

/**
 * Counts the members of parsed JSON at any depth, or returns -1 when one is named
 * `__proto__` (harmless in JSON.parse's output, but a trap for any caller who later
 * copies it with assignment). `for...in` would also count enumerable members someone
 * added to `Object.prototype`: the counts then differ and tokens are refused, failing
 * closed in an already polluted process.
 */
function countMembers(value: object): number {
  let count = 0
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      if (typeof item === 'object' && item !== null) {
        const inner = countMembers(item)
        if (inner < 0) return -1
        count += inner
      }
    }
    return count
  }
  for (const name in value) {
    if (name === '__proto__') return -1
    count++
    const member: unknown = (value as Record<string, unknown>)[name]
    if (typeof member === 'object' && member !== null) {
      const inner = countMembers(member)
      if (inner < 0) return -1
      count += inner
    }
  }
  return count
}

/**
 * Parses JSON text that must hold one object, refusing duplicate member names and
 * `__proto__` members at any depth. JSON.parse silently keeps the last of duplicate
 * members, so two parsers could read different claims from one signed text; here the
 * names written in the text are counted and must equal the members parsed. Returns the
 * object, or a predicate saying why the text is refused (`'is not valid JSON'`,
 * `'has a duplicate member name'`, ...).
 */
export function parseJsonObject(text: string): Record<string, unknown> | string {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return 'is not valid JSON'
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object'
  let members: number
  try {
    members = countMembers(value)
  } catch {
    // Only a stack overflow can land here: nesting deeper than any real claim set.
    return 'is nested too deeply'
  }
  if (members < 0) return 'has a __proto__ member'
  // More names written than parsed means a repeated name; fewer cannot happen for valid JSON.
  if (countMemberNames(text) !== members) return 'has a duplicate member name'
  return value as Record<string, unknown>
}
