/**
 * validateCredentials through the HTTP layer of the in-process webhook: every verdict, the 400s,
 * the two Basic credentials kept apart, the 404 where it is not configured, and a failing
 * dependency as a 503. Access tokens are signed by a local key, as npm start signs them.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { LocalTokenKeys } from '../../lambda/adapters/local/local-token-keys';
import type { TokenVerifier } from '../../lambda/credentials/ports';
import { UnavailableError } from '../../lambda/errors';
import { ValidateCredentialsResponseSchema } from '../../lambda/schemas';
import { basic, createRequest, event } from '../support/events';
import { localWebhook, VALIDATOR_PASSWORD, VALIDATOR_USERNAME } from '../support/webhook';

const ISSUER = 'https://issuer.example.test';
const KEY_API = '5aba4csvd4';
const CLIENT_API = 'cl1entapi';
const DAY = 86_400;
const keys = LocalTokenKeys.generate(ISSUER);
const VALIDATOR = basic(VALIDATOR_USERNAME, VALIDATOR_PASSWORD);

function setup(options: { lifetimeSeconds?: number; tokenVerifier?: TokenVerifier } = {}) {
  return localWebhook({
    clientCredentialApis: [CLIENT_API],
    validator: true,
    tokenVerifier: options.tokenVerifier ?? keys.verifier(),
    ...(options.lifetimeSeconds !== undefined && {
      credentialLifetimes: { defaultSeconds: options.lifetimeSeconds, byApi: new Map() },
    }),
  }).webhook;
}

type Webhook = ReturnType<typeof setup>;

const body = (response: APIGatewayProxyResult): unknown => JSON.parse(response.body);

const validateEvent = (json: unknown, authorization = VALIDATOR) =>
  event({
    path: '/v1/validateCredentials',
    json,
    headers: { Authorization: authorization, 'Content-Type': 'application/json' },
  });

/** The verdict, after checking it is a 200 the contract allows, never cached. */
async function validate(webhook: Webhook, json: unknown): Promise<unknown> {
  const response = await webhook(validateEvent(json));
  expect(response.statusCode).toBe(200);
  expect(response.headers).toMatchObject({
    'Cache-Control': 'no-store',
    'Content-Type': 'application/json; charset=utf-8',
  });
  const verdict = body(response);
  expect(ValidateCredentialsResponseSchema.safeParse(verdict).success).toBe(true);
  return verdict;
}

async function createKey(webhook: Webhook): Promise<{ apiKeyId: string; apiKey: string }> {
  const response = await webhook(
    event({ json: createRequest({ apis: [{ id: KEY_API, usagePlans: [{ id: 'plan1' }] }] }) }),
  );
  expect(response.statusCode).toBe(200);
  return body(response) as { apiKeyId: string; apiKey: string };
}

async function createClient(webhook: Webhook): Promise<{ clientId: string }> {
  const response = await webhook(event({ json: createRequest({ apis: [{ id: CLIENT_API }] }) }));
  expect(response.statusCode).toBe(200);
  return body(response) as { clientId: string };
}

const tokenOf = (clientId: string, overrides: { now?: number; expiresInSeconds?: number } = {}) =>
  keys.sign({ clientId, scopes: ['orders/read'], expiresInSeconds: 3600, ...overrides });

const invalid = (reason: string, message: string) => ({
  valid: false,
  message: `Token is not valid: ${message}`,
  reason,
});

describe('API keys', () => {
  test('a key just created is valid, with its id and app', async () => {
    const webhook = setup();
    const key = await createKey(webhook);

    expect(await validate(webhook, { apiKey: key.apiKey })).toEqual({
      valid: true,
      message: 'Token is valid',
      credentialType: 'API_KEY',
      apiKeyId: key.apiKeyId,
      appSlug: '590d83b5c05f',
    });
  });

  test('a revoked key is REVOKED', async () => {
    const webhook = setup();
    const key = await createKey(webhook);
    await webhook(event({ path: '/v1/revokeCredentials', json: key }));

    expect(await validate(webhook, { apiKey: key.apiKey })).toEqual(invalid('REVOKED', 'it was revoked'));
  });

  test('a key this deployment never issued is UNKNOWN; one no key can be is MALFORMED', async () => {
    const webhook = setup();

    expect(await validate(webhook, { apiKey: 'A'.repeat(40) })).toEqual(
      invalid('UNKNOWN', 'this deployment did not issue it'),
    );
    expect(await validate(webhook, { apiKey: 'short' })).toEqual(
      invalid('MALFORMED', 'it is not well-formed'),
    );
  });

  describe('with a lifetime', () => {
    const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);
    beforeEach(() => {
      jest.useFakeTimers({
        now: T0,
        doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'queueMicrotask'],
      });
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    test('says when the key expires (ISO 8601 UTC, whole seconds), and EXPIRED once it has', async () => {
      const webhook = setup({ lifetimeSeconds: DAY });
      const key = await createKey(webhook);

      expect(await validate(webhook, { apiKey: key.apiKey })).toMatchObject({
        valid: true,
        expiresAt: '2026-12-01T10:00:00Z',
      });
      jest.setSystemTime(T0 + DAY * 1000);
      expect(await validate(webhook, { apiKey: key.apiKey })).toEqual(invalid('EXPIRED', 'it has expired'));
    });
  });
});

describe('access tokens', () => {
  test("a token of a client just created is valid, with the token's scopes", async () => {
    const webhook = setup();
    const { clientId } = await createClient(webhook);

    expect(await validate(webhook, { accessToken: tokenOf(clientId) })).toEqual({
      valid: true,
      message: 'Token is valid',
      credentialType: 'CLIENT_CREDENTIALS',
      clientId,
      appSlug: '590d83b5c05f',
      scopes: ['orders/read'],
    });
  });

  test("a revoked client's token is REVOKED", async () => {
    const webhook = setup();
    const { clientId } = await createClient(webhook);
    await webhook(event({ path: '/v1/revokeCredentials', json: { clientId } }));

    expect(await validate(webhook, { accessToken: tokenOf(clientId) })).toEqual(
      invalid('REVOKED', 'it was revoked'),
    );
  });

  test('a token past its expiry is EXPIRED', async () => {
    const webhook = setup();
    const { clientId } = await createClient(webhook);
    const old = tokenOf(clientId, { now: Date.now() - 2 * 3600_000, expiresInSeconds: 300 });

    expect(await validate(webhook, { accessToken: old })).toEqual(invalid('EXPIRED', 'it has expired'));
  });

  test('a token signed by another key is FORGED', async () => {
    const webhook = setup();
    const { clientId } = await createClient(webhook);
    const forged = LocalTokenKeys.generate(ISSUER).sign({
      clientId,
      scopes: ['orders/read'],
      expiresInSeconds: 3600,
    });

    expect(await validate(webhook, { accessToken: forged })).toEqual(
      invalid('FORGED', "it was not signed by this deployment's token issuer"),
    );
  });

  test('a string that is no JWT is MALFORMED', async () => {
    const webhook = setup();

    expect(await validate(webhook, { accessToken: 'not.a-token' })).toEqual(
      invalid('MALFORMED', 'it is not well-formed'),
    );
  });

  test('a genuine token of a client this deployment did not issue is UNKNOWN', async () => {
    const webhook = setup();

    expect(await validate(webhook, { accessToken: tokenOf('someoneelse1') })).toMatchObject({
      valid: false,
      reason: 'UNKNOWN',
    });
  });

  test("the token issuer's keys unreadable is a 503, never a verdict", async () => {
    const webhook = setup({
      tokenVerifier: { verify: () => Promise.reject(new UnavailableError('keys unavailable', 5)) },
    });

    const response = await webhook(validateEvent({ accessToken: 'a.b.c' }));

    expect(response.statusCode).toBe(503);
    expect(body(response)).toMatchObject({ code: expect.any(String) });
  });
});

describe('a request that is not one credential is a 400', () => {
  test.each([
    ['neither field', {}],
    ['both fields', { apiKey: 'A'.repeat(40), accessToken: 'a.b.c' }],
    ['another field', { apiKey: 'A'.repeat(40), appSlug: 'x' }],
    ['an empty key', { apiKey: '' }],
    ['a key over 1024 characters', { apiKey: 'A'.repeat(1025) }],
    ['a token over 8192 characters', { accessToken: 'a'.repeat(8193) }],
    ['a key that is no string', { apiKey: 42 }],
  ])('%s', async (_name, json) => {
    const response = await setup()(validateEvent(json));

    expect(response.statusCode).toBe(400);
    expect(body(response)).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'The request body is not valid.',
    });
  });

  test('says what is missing when neither or both are given', async () => {
    const response = await setup()(validateEvent({}));

    expect(body(response)).toEqual({
      message: 'The request body is not valid.',
      code: 'INVALID_REQUEST',
      details: [{ field: '(body)', message: 'exactly one of apiKey or accessToken is required' }],
    });
  });

  test('a body that is not JSON is MALFORMED_JSON', async () => {
    const response = await setup()({ ...validateEvent(undefined), body: 'apiKey=abc' });

    expect(response.statusCode).toBe(400);
    expect(body(response)).toMatchObject({ code: 'MALFORMED_JSON' });
  });
});

describe("the validator's credentials and the Portal's are kept apart", () => {
  test("the Portal's credentials do not open validateCredentials", async () => {
    const response = await setup()(validateEvent({ apiKey: 'A'.repeat(40) }, basic()));

    expect(response.statusCode).toBe(401);
    expect(response.headers).toMatchObject({ 'WWW-Authenticate': expect.stringMatching(/^Basic /) });
  });

  test.each([
    ['no credentials', undefined],
    ['a wrong password', basic(VALIDATOR_USERNAME, 'wrong')],
    ['the Portal username with the validator password', basic('portal', VALIDATOR_PASSWORD)],
  ])('%s: 401', async (_name, authorization) => {
    const response = await setup()(
      event({
        path: '/v1/validateCredentials',
        json: { apiKey: 'A'.repeat(40) },
        headers: {
          'Content-Type': 'application/json',
          ...(authorization !== undefined && { Authorization: authorization }),
        },
      }),
    );

    expect(response.statusCode).toBe(401);
    expect(body(response)).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  test.each([
    ['POST', '/v1/createCredentials', createRequest()],
    ['POST', '/v1/updateCredentials', { apiKeyId: 'k1', appName: 'x' }],
    ['POST', '/v1/revokeCredentials', { apiKeyId: 'k1' }],
    ['GET', '/v1/health', undefined],
  ])("the validator's credentials do not open %s %s", async (httpMethod, path, json) => {
    const webhook = setup();

    const response = await webhook(
      event({
        httpMethod,
        path,
        json,
        headers: { Authorization: VALIDATOR, 'Content-Type': 'application/json' },
      }),
    );

    expect(response.statusCode).toBe(401);
  });
});

describe('the route', () => {
  test('does not exist where no validator credentials are configured: 404, as any unknown path', async () => {
    const { webhook } = localWebhook();

    const response = await webhook(validateEvent({ apiKey: 'A'.repeat(40) }));

    expect(response.statusCode).toBe(404);
    expect(body(response)).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });

  test('takes POST only', async () => {
    const response = await setup()({ ...validateEvent(undefined), httpMethod: 'GET' });

    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ Allow: 'POST' });
  });
});
