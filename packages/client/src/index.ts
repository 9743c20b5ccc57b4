export { type IssuerClientErrorCode, IssuerClientError } from './errors.js'
export {
  type ClientKeys,
  createIssuerClient,
  type Duration,
  type IssueOptions,
  type IssuerClient,
  type IssuerClientOptions,
  type RefreshStrategy,
  type RenewOptions,
  type RevokeTarget,
  type TokenPair,
} from './issuer-client.js'
export {
  API_ERROR_STATUS,
  type ApiErrorBody,
  type ApiErrorCode,
  type ClientKeysBody,
  isApiErrorCode,
  type PublicJwk,
  type RegisteredClientBody,
  type TokenPairBody,
} from './wire.js'
