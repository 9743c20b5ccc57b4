import { VerifyError } from '../errors.js'
import type { JwtHeader, JwtPayload } from '../types.js'
import { hasCanonicalEnd, isCanonicalBase64Url } from './base64url.js'
import { parseJsonObject } from './json.js'

/** A compact JWS taken apart and its protected header checked; the payload is still encoded. */
export interface ParsedJws {
  /** The protected header, checked for shape and frozen (it may be shared between tokens). */
  header: JwtHeader
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string
  /** The payload, canonical base64url still encoded. */
  payload: string
  /** The signature, canonical base64url still encoded. */
  signature: string
}

/** Options of {@link createJwsParser}. */
export interface JwsParserOptions {
  /** Longest token accepted, in characters. */
  maxLength: number
  /** Decodes canonical base64url into UTF-8 text; undefined when the bytes are not UTF-8. */
  decodeText(part: string): string | undefined
}

/** Takes a compact JWS apart; see {@link createJwsParser}. */
export type JwsParser = (token: unknown) => ParsedJws

/**
 * Three parts of the base64url alphabet, only the payload possibly empty (RFC 7515 signs
 * empty payloads too): one native pass over the whole token.
 */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/

/** Distinct headers remembered: one issuer signs with few (alg, kid, typ) combinations. */
const HEADER_CACHE_SIZE = 64

function malformed(message: string): VerifyError {
  return new VerifyError('ERR_TOKEN_MALFORMED', message)
}

/**
 * Builds a strict parser of compact JWS: a string of at most `maxLength` characters,
 * three canonical base64url parts (no padding, whitespace or stray bits; only the payload
 * may be empty), a
 * header that is a UTF-8 JSON object without duplicate or `__proto__` members. The header
 * must have a string `alg`, no `crit` (no extension is understood), no `b64` other than
 * `true`, and a string `kid` and `typ` when present. Headers that passed are remembered
 * (bounded), since tokens of one issuer repeat them. The payload is left encoded: a JWS
 * may carry any bytes, a JWT's claims are read by {@link parseClaimsSet}. Messages never
 * quote the token.
 */
export function createJwsParser(options: JwsParserOptions): JwsParser {
  const { maxLength, decodeText } = options
  const headers = new Map<string, JwtHeader>()

  const parseHeader = (part: string): JwtHeader => {
    const known = headers.get(part)
    if (known !== undefined) return known
    const header = parseObject(part, 'header', decodeText)
    checkHeaderShape(header)
    if (headers.size >= HEADER_CACHE_SIZE) headers.clear()
    const frozen = Object.freeze(header) as JwtHeader
    headers.set(part, frozen)
    return frozen
  }

  return (token) => {
    if (typeof token !== 'string') throw malformed('the token is not a string')
    const length = token.length
    if (length > maxLength) throw new VerifyError('ERR_TOKEN_TOO_LONG', `the token is longer than ${maxLength} characters`)
    if (!COMPACT_JWS.test(token)) throw diagnose(token)
    const firstDot = token.indexOf('.')
    const secondDot = token.indexOf('.', firstDot + 1)
    if (!hasCanonicalEnd(token, 0, firstDot)) throw malformed('the header is not canonical base64url')
    if (!hasCanonicalEnd(token, firstDot + 1, secondDot)) throw malformed('the payload is not canonical base64url')
    if (!hasCanonicalEnd(token, secondDot + 1, length)) throw malformed('the signature is not canonical base64url')
    return {
      header: parseHeader(token.slice(0, firstDot)),
      signingInput: token.slice(0, secondDot),
      payload: token.slice(firstDot + 1, secondDot),
      signature: token.slice(secondDot + 1),
    }
  }
}

/**
 * Reads a JWT's payload from its canonical base64url: UTF-8 JSON holding one object,
 * without duplicate or `__proto__` members at any depth.
 *
 * @throws VerifyError `ERR_TOKEN_MALFORMED`, saying why without quoting the token.
 */
export function parseClaimsSet(part: string, decodeText: (part: string) => string | undefined): JwtPayload {
  if (part === '') throw malformed('the payload is empty')
  return parseObject(part, 'payload', decodeText) as JwtPayload
}

/** Says why a token failed the one-pass shape test (slow path, failures only). */
function diagnose(token: string): VerifyError {
  const parts = token.split('.')
  if (parts.length !== 3) return malformed('the token is not a compact JWS of three parts')
  const names = ['header', 'payload', 'signature']
  for (let i = 0; i < 3; i++) {
    if (parts[i] === '' && i !== 1) return malformed(`the ${names[i]} is empty`)
    if (!isCanonicalBase64Url(parts[i]!)) return malformed(`the ${names[i]} is not canonical base64url`)
  }
  return malformed('the token is not a compact JWS')
}

function parseObject(
  part: string,
  what: string,
  decodeText: (part: string) => string | undefined,
): Record<string, unknown> {
  const text = decodeText(part)
  if (text === undefined) throw malformed(`the ${what} is not UTF-8`)
  const value = parseJsonObject(text)
  if (typeof value === 'string') throw malformed(`the ${what} ${value}`)
  return value
}

function checkHeaderShape(header: Record<string, unknown>): void {
  if (typeof header['alg'] !== 'string') throw malformed('the header has no string "alg"')
  const crit = header['crit']
  if (crit !== undefined) {
    throw new VerifyError(
      'ERR_HEADER_UNSUPPORTED',
      Array.isArray(crit) && crit.length > 0 && crit.every((name) => typeof name === 'string')
        ? 'the header marks extensions as critical ("crit") and none is supported'
        : 'the header has a malformed "crit"',
    )
  }
  if (header['b64'] !== undefined && header['b64'] !== true) {
    throw new VerifyError('ERR_HEADER_UNSUPPORTED', 'unencoded payloads ("b64": false) are not supported')
  }
  if (header['kid'] !== undefined && typeof header['kid'] !== 'string') throw malformed('the header "kid" is not a string')
  if (header['typ'] !== undefined && typeof header['typ'] !== 'string') throw malformed('the header "typ" is not a string')
}
