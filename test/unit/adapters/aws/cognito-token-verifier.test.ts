/**
 * CognitoTokenVerifier with a test RSA key standing in for the pool's: what it accepts, why it
 * rejects, and that failing to read the pool's keys is never taken for a rejection.
 */
import { FetchError } from 'aws-jwt-verify/error';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { CognitoTokenVerifier, poolIssuer } from '../../../../lambda/adapters/aws/cognito-token-verifier';
import { TokenRejectedError } from '../../../../lambda/credentials/ports';
import { UnavailableError } from '../../../../lambda/errors';
import { rejectionOf } from '../../../support/promises';
import { nowSeconds, signJwt, testKey } from '../test-jwt';

const POOL = 'eu-west-1_TestPool1';
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1';
const JWKS_URI = `${ISSUER}/.well-known/jwks.json`;
const POOL_KEY = testKey('pool-key-1');

/** The claims of an access token Cognito issues for the client-credentials flow. */
function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return {
    sub: 'client1',
    client_id: 'client1',
    token_use: 'access',
    scope: 'orders/read orders/write',
    auth_time: now,
    iss: ISSUER,
    exp: now + 3600,
    iat: now,
    version: 2,
    jti: 'jti-1',
    ...overrides,
  };
}

const verifier = () => new CognitoTokenVerifier(POOL, { jwks: POOL_KEY.jwks });

/** A JWKS cache whose fetches are counted and answered by `answer`. */
function countingCache(answer: (uri: string) => Promise<Jwks>) {
  const fetched: string[] = [];
  const cache = new SimpleJwksCache({
    fetcher: {
      fetch: async (uri: string) => {
        fetched.push(uri);
        return new TextEncoder().encode(JSON.stringify(await answer(uri))).slice().buffer;
      },
    },
  });
  return { cache, fetched };
}

async function rejection(token: string, subject = verifier()): Promise<TokenRejectedError> {
  const error = await rejectionOf(subject.verify(token));
  if (!(error instanceof TokenRejectedError)) throw new Error(`expected a rejection, got ${String(error)}`);
  return error;
}

test('the issuer of a pool is its regional Cognito URL', () => {
  expect(poolIssuer(POOL)).toBe(ISSUER);
});

test('accepts an access token of the pool: its client, scopes and expiry', async () => {
  const claims = accessClaims();

  await expect(verifier().verify(signJwt(POOL_KEY, claims))).resolves.toEqual({
    clientId: 'client1',
    scopes: ['orders/read', 'orders/write'],
    expiresAt: (claims.exp as number) * 1000,
  });
});

test('a token without scopes has none', async () => {
  const { scope: _scope, ...claims } = accessClaims();

  await expect(verifier().verify(signJwt(POOL_KEY, claims))).resolves.toMatchObject({ scopes: [] });
});

test('rejects an expired token as expired', async () => {
  const token = signJwt(POOL_KEY, accessClaims({ exp: nowSeconds() - 60, iat: nowSeconds() - 3660 }));

  expect((await rejection(token)).rejection).toBe('expired');
});

test('rejects a token signed by another key under the pool key’s kid as forged', async () => {
  const impostor = testKey('pool-key-1');

  expect((await rejection(signJwt(impostor, accessClaims()))).rejection).toBe('forged');
});

test('rejects a token whose signature was altered as forged', async () => {
  const token = signJwt(POOL_KEY, accessClaims());
  const tampered = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(342)}`;

  expect((await rejection(tampered)).rejection).toBe('forged');
});

test('rejects a token whose claims were changed after signing as forged', async () => {
  const [header, , signature] = signJwt(POOL_KEY, accessClaims()).split('.');
  const widened = Buffer.from(JSON.stringify(accessClaims({ scope: 'admin/all' }))).toString('base64url');

  expect((await rejection(`${header}.${widened}.${signature}`)).rejection).toBe('forged');
});

test('rejects a token of another pool as forged', async () => {
  const token = signJwt(
    POOL_KEY,
    accessClaims({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OtherPool' }),
  );

  expect((await rejection(token)).rejection).toBe('forged');
});

test('rejects an ID token of the pool as forged', async () => {
  const token = signJwt(POOL_KEY, accessClaims({ token_use: 'id', aud: 'client1' }));

  expect((await rejection(token)).rejection).toBe('forged');
});

test('rejects an unsigned token (alg none, no signature) as malformed', async () => {
  const [header, payload] = signJwt(POOL_KEY, accessClaims(), { alg: 'none' }).split('.');

  expect((await rejection(`${header}.${payload}.`)).rejection).toBe('malformed');
});

test('rejects a token claiming an algorithm the pool’s key is not for as forged', async () => {
  const token = signJwt(POOL_KEY, accessClaims(), { alg: 'HS256' });

  expect((await rejection(token)).rejection).toBe('forged');
});

test('rejects a token under a kid the pool does not publish as forged, looking only at its keys', async () => {
  const { cache, fetched } = countingCache(async () => POOL_KEY.jwks);
  const subject = new CognitoTokenVerifier(POOL, { jwksCache: cache });

  const error = await rejection(signJwt(testKey('unknown-kid'), accessClaims()), subject);

  expect(error.rejection).toBe('forged');
  expect(fetched).toEqual([JWKS_URI]);
});

test.each([
  ['garbage', 'not-a-jwt'],
  ['three parts that are not JSON', 'abc.def.ghi'],
  ['an empty string', ''],
])('rejects %s as malformed', async (_what, token) => {
  expect((await rejection(token)).rejection).toBe('malformed');
});

test('rejects a token without a kid as malformed', async () => {
  const token = signJwt(POOL_KEY, accessClaims(), { kid: undefined });

  expect((await rejection(token)).rejection).toBe('malformed');
});

test('the rejection says why without quoting the token', async () => {
  const token = signJwt(POOL_KEY, accessClaims({ exp: nowSeconds() - 60 }));

  const error = await rejection(token);

  expect(error.name).toBe('TokenRejectedError');
  expect(error.message).not.toContain(token);
});

test('fetches the pool’s keys from its issuer once, and verifies every later token from the cache', async () => {
  const { cache, fetched } = countingCache(async () => POOL_KEY.jwks);
  const subject = new CognitoTokenVerifier(POOL, { jwksCache: cache });

  await subject.verify(signJwt(POOL_KEY, accessClaims()));
  await subject.verify(signJwt(POOL_KEY, accessClaims({ client_id: 'client2', sub: 'client2' })));

  expect(fetched).toEqual([JWKS_URI]);
});

test('a failure to fetch the pool’s keys is a dependency failure (503), not a rejection', async () => {
  const { cache } = countingCache(async (uri) => {
    throw new FetchError(uri, 'connect ECONNREFUSED');
  });
  const subject = new CognitoTokenVerifier(POOL, { jwksCache: cache });

  const error = await rejectionOf(subject.verify(signJwt(POOL_KEY, accessClaims())));

  expect(error).toBeInstanceOf(UnavailableError);
  expect(error).not.toBeInstanceOf(TokenRejectedError);
  expect((error as UnavailableError).status).toBe(503);
});

test('once the keys can be fetched again, the same token is accepted', async () => {
  let reachable = false;
  const { cache } = countingCache(async (uri) => {
    if (!reachable) throw new FetchError(uri, 'connect ECONNREFUSED');
    return POOL_KEY.jwks;
  });
  const subject = new CognitoTokenVerifier(POOL, { jwksCache: cache });
  const token = signJwt(POOL_KEY, accessClaims());
  await expect(subject.verify(token)).rejects.toBeInstanceOf(UnavailableError);

  reachable = true;

  await expect(subject.verify(token)).resolves.toMatchObject({ clientId: 'client1' });
});

test('an unreadable key set is a dependency failure too', async () => {
  const { cache } = countingCache(async () => ({ nothing: 'here' }) as unknown as Jwks);
  const subject = new CognitoTokenVerifier(POOL, { jwksCache: cache });

  await expect(subject.verify(signJwt(POOL_KEY, accessClaims()))).rejects.toBeInstanceOf(UnavailableError);
});
