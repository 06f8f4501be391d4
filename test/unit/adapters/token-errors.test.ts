/**
 * The one mapping from aws-jwt-verify's errors and claims to the TokenVerifier port, shared by the
 * Cognito verifier and the local one: each library error class, what it becomes, and what is
 * required of verified claims.
 */
import {
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkInvalidUseError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  NonRetryableFetchError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import { tokenError, verifiedToken, verifyWith } from '../../../lambda/adapters/token-errors';
import { TokenRejectedError } from '../../../lambda/credentials/ports';
import { UnavailableError } from '../../../lambda/errors';
import { rejectionOf } from '../../support/promises';

const URI = 'https://issuer.example/.well-known/jwks.json';

/** What `call` throws; fails the test when it returns. */
function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

test.each([
  ['JwtExpiredError', new JwtExpiredError('expired', 1), 'expired'],
  ['JwtParseError', new JwtParseError('not a JWT'), 'malformed'],
  ['JwtWithoutValidKidError', new JwtWithoutValidKidError('no kid'), 'malformed'],
  ['JwtNotBeforeError', new JwtNotBeforeError('not yet', 1), 'malformed'],
  ['JwtInvalidSignatureError', new JwtInvalidSignatureError('bad signature'), 'forged'],
  [
    'JwtInvalidSignatureAlgorithmError',
    new JwtInvalidSignatureAlgorithmError('alg', 'HS256', 'RS256'),
    'forged',
  ],
  [
    'JwtInvalidIssuerError',
    new JwtInvalidIssuerError('issuer', 'https://elsewhere', 'https://here'),
    'forged',
  ],
  [
    'CognitoJwtInvalidTokenUseError',
    new CognitoJwtInvalidTokenUseError('token_use', 'id', 'access'),
    'forged',
  ],
  ['KidNotFoundInJwksError', new KidNotFoundInJwksError('kid'), 'forged'],
  ['WaitPeriodNotYetEndedJwkError', new WaitPeriodNotYetEndedJwkError('wait'), 'forged'],
  ['JwkInvalidUseError', new JwkInvalidUseError('use', 'enc', 'sig'), 'forged'],
  [
    'ParameterValidationError (an issuer not configured)',
    new ParameterValidationError('issuer not configured'),
    'forged',
  ],
] as const)('%s is a rejection: %s', (_name, error, rejection) => {
  const mapped = tokenError(error);

  expect(mapped).toBeInstanceOf(TokenRejectedError);
  expect(mapped).toMatchObject({ name: 'TokenRejectedError', rejection, cause: error });
});

test.each([
  ['FetchError', new FetchError(URI, 'ECONNREFUSED')],
  ['NonRetryableFetchError', new NonRetryableFetchError(URI, 'status 500')],
  ['JwksValidationError', new JwksValidationError('not JSON')],
  ['JwkValidationError', new JwkValidationError('no modulus')],
])('%s is a failing dependency (503), not a rejection', (_name, error) => {
  const mapped = tokenError(error);

  expect(mapped).toBeInstanceOf(UnavailableError);
  expect(mapped).toMatchObject({ status: 503, cause: error });
});

test('an error the library does not make is returned as it is', () => {
  const error = new TypeError('unexpected');

  expect(tokenError(error)).toBe(error);
});

describe('verifiedToken', () => {
  const claims = { client_id: 'client1', token_use: 'access', scope: 'a/read  b/write', exp: 1_900_000_000 };

  test('reads the client, the scopes split on spaces and the expiry in ms', () => {
    expect(verifiedToken(claims)).toEqual({
      clientId: 'client1',
      scopes: ['a/read', 'b/write'],
      expiresAt: 1_900_000_000_000,
    });
  });

  test.each([['id'], [null], ['ACCESS']])('rejects token_use %s as forged', (tokenUse) => {
    expect(thrownBy(() => verifiedToken({ ...claims, token_use: tokenUse }))).toMatchObject({
      name: 'TokenRejectedError',
      rejection: 'forged',
    });
  });

  test.each([
    ['no client_id', { client_id: null }],
    ['an empty client_id', { client_id: '' }],
    ['a client_id that is not a string', { client_id: 7 }],
  ])('rejects a token with %s as malformed', (_what, overrides) => {
    expect(thrownBy(() => verifiedToken({ ...claims, ...overrides }))).toMatchObject({
      name: 'TokenRejectedError',
      rejection: 'malformed',
    });
  });
});

describe('verifyWith', () => {
  test('answers with the verified claims', async () => {
    await expect(verifyWith(async () => ({ client_id: 'c', token_use: 'access', exp: 1 }))).resolves.toEqual({
      clientId: 'c',
      scopes: [],
      expiresAt: 1000,
    });
  });

  test('maps what the library throws', async () => {
    const error = await rejectionOf(
      verifyWith(async () => {
        throw new JwtExpiredError('expired', 1);
      }),
    );

    expect(error).toMatchObject({ name: 'TokenRejectedError', rejection: 'expired' });
  });
});
