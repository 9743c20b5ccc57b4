/**
 * The public types, as a user's code meets them: what createIssuer accepts and refuses, what
 * the issuer's calls resolve with, how the errors narrow. Checked by tsc (vitest typecheck).
 */
import type { ApiErrorCode } from '@jwtis/client'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type ClientKeys,
  type CreatedIssuer,
  type CreateIssuerOptions,
  createIssuer,
  createSqliteStore,
  type IssueRequest,
  IssuerError,
  type IssuerErrorCode,
  type IssuerErrorField,
  KeyringError,
  type KeyringErrorCode,
  type RefreshStrategy,
  type RegisteredClient,
  type Store,
  type StoreError,
  type StoreErrorCode,
  type TokenPair,
} from '../src/index.js'

describe('createIssuer', () => {
  it('takes a store and a password, and resolves with an issuer that says whether it created the store', () => {
    expectTypeOf(createIssuer).parameter(0).toEqualTypeOf<CreateIssuerOptions>()
    expectTypeOf(createIssuer).returns.resolves.toEqualTypeOf<CreatedIssuer>()
    expectTypeOf<CreatedIssuer['created']>().toEqualTypeOf<boolean>()
    expectTypeOf<CreateIssuerOptions['store']>().toEqualTypeOf<Store>()
    expectTypeOf(createSqliteStore).returns.toMatchTypeOf<Store>()
  })

  it('refuses options without a store or a password', () => {
    // @ts-expect-error: the password is required
    expectTypeOf({ store: {} as Store }).toMatchTypeOf<CreateIssuerOptions>()
    // @ts-expect-error: the store is required
    expectTypeOf({ password: 'p' }).toMatchTypeOf<CreateIssuerOptions>()
  })
})

describe('the issuer', () => {
  it('mints and renews token pairs', () => {
    expectTypeOf<CreatedIssuer['issue']>().parameters.toEqualTypeOf<[string, IssueRequest]>()
    expectTypeOf<CreatedIssuer['issue']>().returns.resolves.toEqualTypeOf<TokenPair>()
    expectTypeOf<CreatedIssuer['renew']>().returns.resolves.toEqualTypeOf<TokenPair>()
    expectTypeOf<Parameters<CreatedIssuer['renew']>[2]>().toEqualTypeOf<{ strategy?: RefreshStrategy } | undefined>()
    expectTypeOf<TokenPair>().toEqualTypeOf<{ id: string; accessToken: string; refreshToken: string; expiry: number }>()
  })

  it('shows a client token once, at registration', () => {
    expectTypeOf<CreatedIssuer['registerClient']>().returns.resolves.toEqualTypeOf<RegisteredClient>()
    expectTypeOf<RegisteredClient>().toMatchTypeOf<ClientKeys & { clientToken: string }>()
    expectTypeOf<ClientKeys>().not.toHaveProperty('clientToken')
  })
})

describe('the public errors', () => {
  it('IssuerError carries the API error code, a retry delay and the field at fault', () => {
    expectTypeOf<IssuerErrorCode>().toEqualTypeOf<ApiErrorCode>()
    expectTypeOf<IssuerError['code']>().toEqualTypeOf<IssuerErrorCode>()
    expectTypeOf<IssuerError['retryAfter']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<IssuerError['field']>().toEqualTypeOf<IssuerErrorField | undefined>()
    expectTypeOf<'authTTL'>().toMatchTypeOf<IssuerErrorField>()
    // @ts-expect-error: fields are named as the library names them, not as the API does
    expectTypeOf<'auth_ttl'>().toMatchTypeOf<IssuerErrorField>()
    // @ts-expect-error: only the API's codes
    new IssuerError('network_error', 'x')
  })

  it('StoreError and KeyringError narrow to their own codes', () => {
    expectTypeOf<StoreError['code']>().toEqualTypeOf<StoreErrorCode>()
    expectTypeOf<KeyringError['code']>().toEqualTypeOf<KeyringErrorCode>()
    expectTypeOf<KeyringErrorCode>().toEqualTypeOf<'wrong_password' | 'corrupt' | 'tampered'>()
    const err: unknown = new KeyringError('tampered', 'x')
    if (err instanceof KeyringError) expectTypeOf(err.code).toEqualTypeOf<KeyringErrorCode>()
  })
})
