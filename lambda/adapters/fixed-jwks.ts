/**
 * A JWKS cache for a verifier whose keys are known up front (the local token endpoint's, or a
 * pool's keys given to the Cognito verifier): a token with a `kid` not among them makes the
 * library look again, and it finds the same keys instead of fetching anything over the network,
 * so that token is rejected as forged rather than failing on a fetch.
 */
import { type Jwks, type JwksCache, SimpleJwksCache } from 'aws-jwt-verify/jwk';

export function fixedJwksCache(jwks: Jwks): JwksCache {
  const body = new TextEncoder().encode(JSON.stringify(jwks));
  return new SimpleJwksCache({ fetcher: { fetch: async () => body.slice().buffer } });
}
