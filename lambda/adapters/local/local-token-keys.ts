/**
 * The signing key of npm start's local token endpoint: access tokens shaped like Cognito's (RS256,
 * `token_use` access, `client_id`, space-separated `scope`), its JSON Web Key Set, and a verifier
 * that checks them as the Cognito verifier checks a pool's tokens. The key lives in memory only:
 * tokens die with the process.
 */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { JwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { TokenVerifier, VerifiedToken } from '../../credentials/ports';
import { fixedJwksCache } from '../fixed-jwks';
import { verifyWith } from '../token-errors';

export interface LocalTokenClaims {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresInSeconds: number;
  /** Epoch milliseconds the token is issued at; now by default. */
  readonly now?: number;
}

const ALGORITHM = 'RS256';

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export class LocalTokenKeys {
  private constructor(
    readonly issuer: string,
    readonly jwks: Jwks,
    private readonly kid: string,
    private readonly privateKey: KeyObject,
  ) {}

  /** A new RSA 2048 key pair for `issuer` (the local server's base URL). */
  static generate(issuer: string): LocalTokenKeys {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = randomUUID();
    const { n, e } = publicKey.export({ format: 'jwk' });
    if (n === undefined || e === undefined) throw new Error('the generated RSA key has no modulus');
    const jwks: Jwks = { keys: [{ kty: 'RSA', kid, alg: ALGORITHM, use: 'sig', n, e }] };
    return new LocalTokenKeys(issuer, jwks, kid, privateKey);
  }

  /** Where the key set is served (the library's default for the issuer; nothing fetches it here). */
  get jwksUri(): string {
    return `${this.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
  }

  /** A signed access token, as Cognito issues them for the client-credentials flow. */
  sign(claims: LocalTokenClaims): string {
    const issuedAt = Math.floor((claims.now ?? Date.now()) / 1000);
    const header = { kid: this.kid, alg: ALGORITHM };
    const payload = {
      sub: claims.clientId,
      client_id: claims.clientId,
      token_use: 'access',
      scope: claims.scopes.join(' '),
      iss: this.issuer,
      iat: issuedAt,
      auth_time: issuedAt,
      exp: issuedAt + claims.expiresInSeconds,
      jti: randomUUID(),
      version: 2,
    };
    const input = `${base64url(header)}.${base64url(payload)}`;
    const signature = sign('sha256', Buffer.from(input), this.privateKey).toString('base64url');
    return `${input}.${signature}`;
  }

  /** Verifies this key's tokens offline (the key set is given to the library: no HTTP, ever). */
  verifier(): TokenVerifier {
    const verifier = JwtVerifier.create(
      { issuer: this.issuer, audience: null, jwksUri: this.jwksUri },
      { jwksCache: fixedJwksCache(this.jwks) },
    );
    verifier.cacheJwks(this.jwks);
    return {
      // verifyWith checks token_use, which a generic JWT verifier does not.
      verify: (token: string): Promise<VerifiedToken> => verifyWith(() => verifier.verify(token)),
    };
  }
}
