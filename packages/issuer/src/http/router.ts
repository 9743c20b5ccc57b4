import type { ClientKeysBody, RegisteredClientBody } from '@jwtis/client'
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express'
import type { ClientKeys, Issuer } from '../core/types.js'
import { SIGNING_ALGS } from '../core/alg-policy.js'
import { IssuerError } from '../errors.js'
import { authenticateClient, isAdminRequest, requireAdmin, requireSameClient } from './auth.js'
import { jsonObjectBody } from './body.js'
import { sendCacheableJson } from './cacheable.js'
import {
  type Fields,
  optionalAudience,
  optionalDuration,
  optionalInteger,
  optionalStrategy,
  optionalString,
  refuseUnknownFields,
} from './fields.js'
import { createIssuerMetrics, type IssuerMetrics } from './metrics.js'
import { describeError } from './redact.js'
import { toErrorResponse } from './status.js'
import { issueFromRequest, renewFromRequest, tokenPairBody } from './token-routes.js'

/** Options of {@link createIssuerRouter}. */
export interface IssuerRouterOptions {
  /** The issuer core the routes drive. */
  issuer: Issuer
  /**
   * The public base URL where this router is mounted (e.g. `https://id.example.com`, or
   * `https://example.com/auth` when mounted under `/auth`); `jwks_uri` of the discovery
   * document is built from it. A function is asked on each discovery request (a server
   * listening on port 0 learns its URL late). Default: derived from each request's
   * protocol, `Host` header and mount path, and the discovery document is then not cached.
   */
  publicUrl?: string | (() => string) | undefined
  /** Where unexpected errors are reported; lines never hold secrets. Default `console.error`. */
  log?: ((line: string) => void) | undefined
  /** The metrics `/metrics` exposes. Default: a fresh registry with process metrics. */
  metrics?: IssuerMetrics | undefined
  /**
   * Answer requests that match no route with a JSON 404 instead of passing them on to the
   * app. Default false, so a router mounted at an app's root leaves the app's own routes be;
   * set it when the router is mounted under a path of its own.
   */
  notFound?: boolean | undefined
}

const REGISTER_FIELDS = [
  'expiry',
  'sig_alg',
  'sig_bits',
  'enc_alg',
  'enc_bits',
  'cont_enc',
  'auth_ttl',
  'refresh_ttl',
  'refresh_strategy',
  'audience',
] as const
// `token_type_hint` (RFC 7009) is accepted and ignored: only refresh tokens are revocable.
const REVOKE_FIELDS = ['kid', 'token', 'sub', 'token_type_hint', 'client_token'] as const
const ROTATE_FIELDS = ['client_token'] as const

function keysBody(keys: ClientKeys): ClientKeysBody {
  return {
    kid: keys.kid,
    pub_sig_key: keys.pubSigKey,
    pub_enc_key: keys.pubEncKey,
    expiry: keys.expiry,
    valid: keys.valid,
  }
}

function fieldsOf(req: Request): Fields {
  return req.body as Fields
}

/**
 * The issuer's HTTP API as an Express 5 router: mount it in an existing app, or let
 * `startServer` run it. Handlers only parse, call the issuer core, and map its answer; every
 * error becomes `{"error", "error_description"}` with the status of one table.
 *
 * @example
 * ```ts
 * const issuer = await createIssuer({ store: createSqliteStore({ path: 'keys.db' }), password })
 * const app = express()
 * app.use('/auth', createIssuerRouter({ issuer, publicUrl: 'https://example.com/auth', notFound: true }))
 * app.listen(8080)
 * ```
 */
export function createIssuerRouter(options: IssuerRouterOptions): Router {
  const { issuer } = options
  if (issuer === undefined || issuer === null || typeof issuer.issue !== 'function') {
    throw new TypeError('createIssuerRouter: options.issuer must be an issuer made by createIssuer')
  }
  const { publicUrl } = options
  if (publicUrl !== undefined && typeof publicUrl !== 'string' && typeof publicUrl !== 'function') {
    throw new TypeError('createIssuerRouter: options.publicUrl must be a URL string or a function returning one')
  }
  if (typeof publicUrl === 'string' && !URL.canParse(publicUrl)) {
    throw new TypeError('createIssuerRouter: options.publicUrl must be an absolute URL')
  }
  const log = options.log ?? ((line: string) => console.error(line))
  const metrics = options.metrics ?? createIssuerMetrics()
  const router = express.Router()

  /** Registers a route with its timing, default headers and, for bodies, the JSON parser. */
  function route(
    method: 'get' | 'post' | 'delete',
    path: string,
    handler: (req: Request, res: Response) => Promise<void> | void,
  ): void {
    const prepare: RequestHandler = (req, res, next) => {
      const started = performance.now()
      res.locals['jwtisRoute'] = path
      res.on('finish', () => {
        metrics.observeRequest(req.method, path, res.statusCode, (performance.now() - started) / 1000)
      })
      // Answers carry tokens and per-client data unless a route says otherwise.
      res.set('Cache-Control', 'no-store')
      res.set('X-Content-Type-Options', 'nosniff')
      next()
    }
    const run: RequestHandler = async (req, res) => {
      await handler(req, res)
    }
    if (method === 'post') router.post(path, prepare, jsonObjectBody, run)
    else router[method](path, prepare, run)
  }

  function baseUrl(req: Request): string {
    const url = typeof publicUrl === 'function' ? publicUrl() : (publicUrl ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`)
    return url.replace(/\/+$/, '')
  }

  route('post', '/register/:kid', async (req, res) => {
    requireAdmin(issuer, req)
    const fields = fieldsOf(req)
    refuseUnknownFields(fields, REGISTER_FIELDS)
    const client = await issuer.registerClient(String(req.params['kid']), {
      keyExpiry: optionalDuration(fields, 'expiry'),
      sigAlg: optionalString(fields, 'sig_alg'),
      sigBits: optionalInteger(fields, 'sig_bits'),
      encAlg: optionalString(fields, 'enc_alg'),
      encBits: optionalInteger(fields, 'enc_bits'),
      contEnc: optionalString(fields, 'cont_enc'),
      authTTL: optionalDuration(fields, 'auth_ttl'),
      refreshTTL: optionalDuration(fields, 'refresh_ttl'),
      refreshStrategy: optionalStrategy(fields, 'refresh_strategy'),
      audience: optionalAudience(fields, 'audience'),
    })
    const answer: RegisteredClientBody = { ...keysBody(client), client_token: client.clientToken }
    res.status(201).json(answer)
  })

  route('delete', '/register/:kid', async (req, res) => {
    requireAdmin(issuer, req)
    const kid = String(req.params['kid'])
    if (!(await issuer.removeClient(kid))) throw new IssuerError('not_found', 'no such client')
    res.json({ kid, removed: true })
  })

  route('get', '/keys/:kid', async (req, res) => {
    const kid = String(req.params['kid'])
    requireSameClient(await authenticateClient(issuer, req), kid)
    res.json(keysBody(await issuer.getKeys(kid)))
  })

  route('post', '/keys/:kid/rotate', async (req, res) => {
    const kid = String(req.params['kid'])
    const fields = fieldsOf(req)
    const byClient = !isAdminRequest(issuer, req)
    if (byClient) requireSameClient(await authenticateClient(issuer, req, fields), kid)
    refuseUnknownFields(fields, ROTATE_FIELDS)
    res.json(keysBody(await issuer.rotateKeys(kid, { byClient })))
  })

  route('post', '/issue_token', async (req, res) => {
    res.json(tokenPairBody(await issueFromRequest({ issuer, metrics }, req, fieldsOf(req))))
  })

  route('post', '/renew_token', async (req, res) => {
    res.json(tokenPairBody(await renewFromRequest({ issuer, metrics }, req, fieldsOf(req))))
  })

  route('post', '/revoke', async (req, res) => {
    const fields = fieldsOf(req)
    const caller = await authenticateClient(issuer, req, fields)
    refuseUnknownFields(fields, REVOKE_FIELDS)
    const kid = optionalString(fields, 'kid') ?? caller
    requireSameClient(caller, kid)
    optionalString(fields, 'token_type_hint')
    const token = optionalString(fields, 'token')
    const sub = optionalString(fields, 'sub')
    if ((token === undefined) === (sub === undefined)) {
      throw new IssuerError('invalid_request', 'give exactly one of token and sub')
    }
    await issuer.revoke(kid, token !== undefined ? { token } : { sub: sub as string })
    // RFC 7009: the answer is the same whether or not the token was known.
    res.json({})
  })

  route('get', '/jwks/:kid', async (req, res) => {
    sendCacheableJson(req, res, await issuer.jwks(String(req.params['kid'])), issuer.jwksMaxAge())
  })

  route('get', '/.well-known/jwks.json', async (req, res) => {
    sendCacheableJson(req, res, await issuer.allJwks(), issuer.jwksMaxAge())
  })

  route('get', '/.well-known/openid-configuration', (req, res) => {
    // Only what is true of this issuer: it publishes keys and signs with these algs; it is
    // not an OpenID provider, so no authorization or token endpoint is claimed.
    const document = {
      issuer: issuer.name,
      jwks_uri: `${baseUrl(req)}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: SIGNING_ALGS,
    }
    if (publicUrl === undefined) {
      res.json(document) // built from the Host header: never cached
      return
    }
    sendCacheableJson(req, res, document, issuer.jwksMaxAge())
  })

  route('get', '/healthz', (_req, res) => {
    res.json({ status: 'ok' })
  })

  route('get', '/readyz', async (_req, res) => {
    let ready = false
    try {
      ready = await issuer.ready()
    } catch {
      ready = false
    }
    if (!ready) {
      throw new IssuerError(
        'temporarily_unavailable',
        issuer.integrityProblem() ?? 'the store is unreachable or the keys are locked',
      )
    }
    res.json({ status: 'ok' })
  })

  route('get', '/metrics', async (req, res) => {
    requireAdmin(issuer, req)
    const text = await metrics.registry.metrics()
    res.type(metrics.registry.contentType).send(text)
  })

  if (options.notFound === true) {
    router.use((_req: Request, _res: Response, next: NextFunction) => {
      next(new IssuerError('not_found', 'no such route'))
    })
  }

  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err)
      return
    }
    const answer = toErrorResponse(err)
    if (answer.internal) {
      const where = (res.locals['jwtisRoute'] as string | undefined) ?? 'unmatched route'
      log(`jwtis: ${req.method} ${where} failed: ${describeError(err)}`)
    }
    res.status(answer.status).set(answer.headers).set('Cache-Control', 'no-store').set('X-Content-Type-Options', 'nosniff')
    res.json(answer.body)
  })

  return router
}
