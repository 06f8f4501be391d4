/**
 * TokenVerifier for the access tokens of the client-credentials user pool, verified offline with
 * aws-jwt-verify: the pool's JWKS is fetched once, on the first token, and cached by the library
 * (fetched again only for a `kid` it does not know, at most every 10 s). Any client of the pool is
 * accepted here; whether the client is one this webhook issued is the ledger's to say.
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Jwks, JwksCache } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import type { TokenVerifier, VerifiedToken } from '../../credentials/ports';
import { fixedJwksCache } from '../fixed-jwks';
import { verifyWith } from '../token-errors';

export interface CognitoTokenVerifierOptions {
  /**
   * The pool's key set, when known already: nothing is ever fetched (tests sign tokens with a key
   * of their own). Ignored when `jwksCache` is given.
   */
  readonly jwks?: Jwks | undefined;
  /** Where fetched key sets are kept, and how they are fetched; the library's own by default. */
  readonly jwksCache?: JwksCache | undefined;
}

/** The issuer (`iss`) of a pool's tokens. */
export function poolIssuer(userPoolId: string): string {
  return CognitoJwtVerifier.parseUserPoolId(userPoolId).issuer;
}

export class CognitoTokenVerifier implements TokenVerifier {
  private readonly verifyJwt: (token: string) => Promise<JwtPayload>;

  constructor(userPoolId: string, options: CognitoTokenVerifierOptions = {}) {
    const jwksCache =
      options.jwksCache ?? (options.jwks === undefined ? undefined : fixedJwksCache(options.jwks));
    const verifier = CognitoJwtVerifier.create(
      { userPoolId, tokenUse: 'access', clientId: null },
      jwksCache === undefined ? undefined : { jwksCache },
    );
    // For the pool's regional issuer and its global form alike (the library accepts both).
    if (options.jwks !== undefined && options.jwksCache === undefined) verifier.cacheJwks(options.jwks);
    this.verifyJwt = (token) => verifier.verify(token);
  }

  verify(token: string): Promise<VerifiedToken> {
    return verifyWith(() => this.verifyJwt(token));
  }
}
