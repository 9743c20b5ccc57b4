/**
 * The claim that marks a resource link's token and holds the resource it grants. A link
 * token is signed by the same client key as its access tokens, so `requireAuth` refuses
 * tokens carrying this claim: a link shared by mail must never open the API.
 */
export const LINK_CLAIM = 'jwtis_resource'

/** True when a verified payload is a resource link's: such a token must not pass as an access token. */
export function isLinkToken(payload: Readonly<Record<string, unknown>>): boolean {
  return payload[LINK_CLAIM] !== undefined
}
