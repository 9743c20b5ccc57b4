/**
 * The claim that marks a resource link's token and holds the resource it grants. A link
 * token is signed by the same client key as its access tokens, so `requireAuth` refuses
 * tokens carrying this claim: a link shared by mail must never open the API.
 */
export const LINK_CLAIM = 'jwtis_resource'
