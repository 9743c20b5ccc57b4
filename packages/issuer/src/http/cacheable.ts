import { createHash } from 'node:crypto'
import type { Request, Response } from 'express'

/** A strong entity tag of a body: its SHA-256, so equal bodies on any instance share a tag. */
export function entityTag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`
}

// RFC 9110 section 13.1.2: If-None-Match uses the weak comparison, so `W/` is ignored.
function matches(ifNoneMatch: string, etag: string): boolean {
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim()
    return tag === '*' || tag.replace(/^W\//, '') === etag
  })
}

/**
 * Answers `value` as public, cacheable JSON with a strong `ETag`, or `304 Not Modified` when
 * the caller's `If-None-Match` names the same tag.
 *
 * @param maxAge seconds a cache may keep the answer.
 */
export function sendCacheableJson(req: Request, res: Response, value: unknown, maxAge: number): void {
  const body = JSON.stringify(value)
  const etag = entityTag(body)
  res.set('Cache-Control', `public, max-age=${Math.max(0, Math.floor(maxAge))}`)
  res.set('ETag', etag)
  const ifNoneMatch = req.get('if-none-match')
  if (ifNoneMatch !== undefined && matches(ifNoneMatch, etag)) {
    res.status(304).end()
    return
  }
  res.type('application/json').send(body)
}
