export { type IssuerClientErrorCode, IssuerClientError } from './errors.js'
export {
  type ClientKeys,
  createIssuerClient,
  type Duration,
  type IssueOptions,
  type IssuerClient,
  type IssuerClientOptions,
  type PublicJwk,
  type RefreshStrategy,
  type RenewOptions,
  type RevokeTarget,
  type TokenPair,
} from './issuer-client.js'
