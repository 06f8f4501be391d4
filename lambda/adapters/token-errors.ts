/**
 * aws-jwt-verify's answers in the terms of the TokenVerifier port, shared by the Cognito verifier
 * and the local one so that both reject a token for the same reasons. A token the library refuses
 * becomes a TokenRejectedError; failing to read the issuer's signing keys is a failing dependency
 * (503), never a verdict on the token.
 */
import {
  FetchError,
  JwkInvalidKtyError,
  JwkInvalidUseError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidClaimError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { TokenRejectedError, type TokenRejection, type VerifiedToken } from '../credentials/ports';
import { UnavailableError } from '../errors';

/** Why the library refused a token, or 'unavailable' when it could not read the signing keys. */
function classify(error: unknown): TokenRejection | 'unavailable' | undefined {
  // Checked before the claim errors: JwtExpiredError and JwtNotBeforeError are claim errors too.
  if (error instanceof JwtExpiredError) return 'expired';
  // Not a JWT, or one missing what every JWT of the issuer has. A token not valid yet cannot come
  // from Cognito (it sets no `nbf`), so it is not taken for one that expired.
  if (
    error instanceof JwtParseError ||
    error instanceof JwtWithoutValidKidError ||
    error instanceof JwtNotBeforeError
  ) {
    return 'malformed';
  }
  if (
    error instanceof JwtInvalidSignatureError ||
    error instanceof JwtInvalidSignatureAlgorithmError ||
    // Another issuer, token_use, audience…: signed, but not by or for this pool.
    error instanceof JwtInvalidClaimError ||
    // A key the issuer does not publish (after a refetch, or while refetches are held back).
    error instanceof KidNotFoundInJwksError ||
    error instanceof WaitPeriodNotYetEndedJwkError ||
    // The issuer publishes that key, but not for signing.
    error instanceof JwkInvalidUseError ||
    error instanceof JwkInvalidKtyError ||
    // The verifiers are built once with fixed settings, so what verify() reports as a parameter
    // problem is the token's `iss`: absent, or an issuer not configured.
    error instanceof ParameterValidationError
  ) {
    return 'forged';
  }
  if (
    error instanceof FetchError ||
    error instanceof JwksValidationError ||
    error instanceof JwkValidationError ||
    error instanceof JwksNotAvailableInCacheError
  ) {
    return 'unavailable';
  }
  return undefined;
}

/** The error the caller sees for what the library threw; anything unrecognised is returned as is. */
export function tokenError(error: unknown): unknown {
  const verdict = classify(error);
  if (verdict === undefined) return error;
  if (verdict === 'unavailable') {
    return new UnavailableError("The token issuer's signing keys could not be read; retry later.", 5, {
      cause: error,
    });
  }
  return new TokenRejectedError(verdict, `access token ${verdict}`, { cause: error });
}

/**
 * The port's view of verified claims. `token_use` is checked here as well (the Cognito verifier
 * checks it already; a generic JWT verifier does not), so that an ID token is never accepted.
 */
export function verifiedToken(payload: JwtPayload): VerifiedToken {
  if (payload.token_use !== 'access') {
    throw new TokenRejectedError('forged', 'not an access token');
  }
  const clientId = payload.client_id;
  if (typeof clientId !== 'string' || clientId === '' || typeof payload.exp !== 'number') {
    throw new TokenRejectedError('malformed', 'the access token names no client');
  }
  return {
    clientId,
    scopes: (payload.scope ?? '').split(' ').filter((scope) => scope !== ''),
    expiresAt: payload.exp * 1000,
  };
}

/** Runs a library verification and answers in the port's terms. */
export async function verifyWith(verify: () => Promise<JwtPayload>): Promise<VerifiedToken> {
  let payload: JwtPayload;
  try {
    payload = await verify();
  } catch (error) {
    throw tokenError(error);
  }
  return verifiedToken(payload);
}
