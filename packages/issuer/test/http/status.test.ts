import { describe, expect, it } from 'vitest'
import { IssuerError, type IssuerErrorCode } from '../../src/errors.js'
import { describeError } from '../../src/http/redact.js'
import { HTTP_STATUS, toErrorResponse } from '../../src/http/status.js'
import { StoreError } from '../../src/store/errors.js'

describe('toErrorResponse', () => {
  it('keeps the code and message of an IssuerError, with the status of the table', () => {
    const cases: [IssuerErrorCode, number][] = [
      ['invalid_request', 400],
      ['invalid_client', 401],
      ['invalid_grant', 401],
      ['access_denied', 403],
      ['not_found', 404],
      ['client_exists', 409],
      ['request_too_large', 413],
      ['slow_down', 429],
      ['temporarily_unavailable', 503],
      ['server_error', 500],
    ]
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(cases.map(([code]) => code).sort())
    for (const [code, status] of cases) {
      const answer = toErrorResponse(new IssuerError(code, `because ${code}`))
      expect(answer.status).toBe(status)
      expect(answer.body).toEqual({ error: code, error_description: `because ${code}` })
      expect(answer.headers['WWW-Authenticate'] !== undefined).toBe(status === 401)
    }
  })

  it('hides anything else behind a generic 500 and marks it for the log', () => {
    const secret = 'eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXBheWxvYWQtdGhhdC1tdXN0LW5vdC1sZWFr.c2ln'
    const answer = toErrorResponse(new TypeError(`cannot read ${secret}`))
    expect(answer.status).toBe(500)
    expect(answer.body.error).toBe('server_error')
    expect(answer.body.error_description).not.toContain(secret)
    expect(answer.internal).toBe(true)
    expect(toErrorResponse('a string').status).toBe(500)
  })

  it('answers a StoreError with 503 and without its message', () => {
    const answer = toErrorResponse(new StoreError('failed', 'write to /var/lib/jwtis/keys.db failed'))
    expect(answer.status).toBe(503)
    expect(answer.body.error).toBe('temporarily_unavailable')
    expect(answer.body.error_description).not.toContain('/var/lib')
  })

  it("answers a framework's 4xx error with 400 and without its message", () => {
    const err = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400 })
    const answer = toErrorResponse(err)
    expect(answer.status).toBe(400)
    expect(answer.body.error_description).not.toContain('%E0')
    expect(answer.internal).toBe(false)
  })
})

describe('describeError', () => {
  it('names the error and its cause and redacts token-shaped text', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.c2VjcmV0LXBheWxvYWQtdGhhdC1tdXN0LW5vdC1sZWFr.c2ln'
    const line = describeError(new Error('outer failure', { cause: new RangeError(`bad value ${token}`) }))
    expect(line).toMatch(/^Error outer failure/)
    expect(line).toMatch(/caused by RangeError bad value/)
    expect(line).not.toContain('c2VjcmV0LXBheWxvYWQtdGhhdC1tdXN0LW5vdC1sZWFr')
    expect(line).toContain('[redacted]')
  })
})
