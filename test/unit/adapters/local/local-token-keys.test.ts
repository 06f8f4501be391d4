/**
 * LocalTokenKeys, npm start's token signer: its tokens are shaped like Cognito's access tokens,
 * its key set publishes only the public key, and its verifier accepts its own tokens and rejects
 * others for the same reasons the Cognito verifier does.
 */
import { LocalTokenKeys } from '../../../../lambda/adapters/local/local-token-keys';
import { TokenRejectedError } from '../../../../lambda/credentials/ports';
import { rejectionOf } from '../../../support/promises';
import { decodeJwt, nowSeconds, signJwt, testKey } from '../test-jwt';

const ISSUER = 'http://127.0.0.1:8787';
/** Generated once: RSA key generation takes a while. */
const keys = LocalTokenKeys.generate(ISSUER);

async function rejection(token: string, subject = keys.verifier()): Promise<TokenRejectedError> {
  const error = await rejectionOf(subject.verify(token));
  if (!(error instanceof TokenRejectedError)) throw new Error(`expected a rejection, got ${String(error)}`);
  return error;
}

test('keeps the issuer it was made for', () => {
  expect(keys.issuer).toBe(ISSUER);
});

test('publishes one RSA signing key, without its private parts', () => {
  expect(keys.jwks.keys).toEqual([
    { kty: 'RSA', kid: expect.any(String), alg: 'RS256', use: 'sig', n: expect.any(String), e: 'AQAB' },
  ]);
  // 2048 bits: 256 bytes of modulus.
  expect(Buffer.from(String(keys.jwks.keys[0]?.n), 'base64url')).toHaveLength(256);
});

test('two generated key pairs differ in key and kid', () => {
  const other = LocalTokenKeys.generate(ISSUER);

  expect(other.jwks.keys[0]?.kid).not.toBe(keys.jwks.keys[0]?.kid);
  expect(other.jwks.keys[0]?.n).not.toBe(keys.jwks.keys[0]?.n);
});

test('signs a token shaped like a Cognito access token', () => {
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);

  const token = keys.sign({
    clientId: 'client1',
    scopes: ['orders/read', 'orders/write'],
    expiresInSeconds: 600,
    now,
  });

  expect(decodeJwt(token)).toEqual({
    header: { kid: keys.jwks.keys[0]?.kid, alg: 'RS256' },
    payload: {
      sub: 'client1',
      client_id: 'client1',
      token_use: 'access',
      scope: 'orders/read orders/write',
      iss: ISSUER,
      iat: now / 1000,
      auth_time: now / 1000,
      exp: now / 1000 + 600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      version: 2,
    },
  });
});

test('gives every token its own jti', () => {
  const claims = { clientId: 'client1', scopes: [], expiresInSeconds: 600, now: Date.UTC(2026, 0, 1) };

  expect(decodeJwt(keys.sign(claims)).payload.jti).not.toBe(decodeJwt(keys.sign(claims)).payload.jti);
});

test('its verifier accepts its own token: client, scopes and expiry', async () => {
  const now = Date.now();
  const token = keys.sign({ clientId: 'client1', scopes: ['orders/read'], expiresInSeconds: 600, now });

  await expect(keys.verifier().verify(token)).resolves.toEqual({
    clientId: 'client1',
    scopes: ['orders/read'],
    expiresAt: (Math.floor(now / 1000) + 600) * 1000,
  });
});

test('a token without scopes verifies with none', async () => {
  const token = keys.sign({ clientId: 'client1', scopes: [], expiresInSeconds: 600 });

  await expect(keys.verifier().verify(token)).resolves.toMatchObject({ scopes: [] });
});

test('rejects its own token once expired', async () => {
  const token = keys.sign({
    clientId: 'client1',
    scopes: [],
    expiresInSeconds: 60,
    now: Date.now() - 3_600_000,
  });

  expect((await rejection(token)).rejection).toBe('expired');
});

test('rejects the token of another key pair for the same issuer as forged, without fetching anything', async () => {
  const other = LocalTokenKeys.generate(ISSUER);
  const token = other.sign({ clientId: 'client1', scopes: [], expiresInSeconds: 600 });

  expect((await rejection(token)).rejection).toBe('forged');
});

test('rejects a token signed under its kid by another key as forged', async () => {
  const impostor = testKey(String(keys.jwks.keys[0]?.kid));
  const token = signJwt(impostor, {
    sub: 'client1',
    client_id: 'client1',
    token_use: 'access',
    iss: ISSUER,
    exp: nowSeconds() + 600,
  });

  expect((await rejection(token)).rejection).toBe('forged');
});

test('rejects a token of another issuer as forged', async () => {
  const elsewhere = LocalTokenKeys.generate('http://127.0.0.1:9999');
  const token = elsewhere.sign({ clientId: 'client1', scopes: [], expiresInSeconds: 600 });

  expect((await rejection(token)).rejection).toBe('forged');
});

test('rejects a token whose claims were changed after signing as forged', async () => {
  const [header, payload = '', signature] = keys
    .sign({ clientId: 'client1', scopes: ['orders/read'], expiresInSeconds: 600 })
    .split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'admin/all' })).toString('base64url');

  expect((await rejection(`${header}.${widened}.${signature}`)).rejection).toBe('forged');
});

test.each([
  ['garbage', 'not-a-jwt'],
  ['three parts that are not JSON', 'abc.def.ghi'],
])('rejects %s as malformed', async (_what, token) => {
  expect((await rejection(token)).rejection).toBe('malformed');
});
