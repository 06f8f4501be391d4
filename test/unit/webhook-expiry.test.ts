/**
 * Credentials that expire, through the HTTP layer of the in-process webhook: what create returns,
 * what a repeat returns, and how update, revoke and a new create behave once the lifetime has
 * passed but before any reconcile pass. Only Date is faked (the services read Date.now), so the
 * webhook's timers run as they do.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApiKeyCredentialSchema, ClientCredentialSchema } from '../../lambda/schemas';
import { createRequest, event } from '../support/events';
import { localWebhook } from '../support/webhook';

const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);
const DAY = 86_400;
const PLAN = '1el57v';
const KEY_API = '5aba4csvd4';
const CLIENT_API = 'cl1entapi';

function setup(defaultSeconds: number | undefined, byApi: Record<string, number | 'never'> = {}) {
  return localWebhook({
    allowedUsagePlanIds: [PLAN],
    clientCredentialApis: [CLIENT_API],
    credentialLifetimes: { defaultSeconds, byApi: new Map(Object.entries(byApi)) },
  });
}

const body = (response: APIGatewayProxyResult): unknown => JSON.parse(response.body);
const post = (path: string, json: unknown) => event({ path, json });
const keyRequest = (overrides: Record<string, unknown> = {}) =>
  createRequest({ apis: [{ id: KEY_API, usagePlans: [{ id: PLAN }] }], ...overrides });

beforeEach(() => {
  jest.useFakeTimers({
    now: T0,
    doNotFake: [
      'nextTick',
      'setImmediate',
      'clearImmediate',
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'clearInterval',
      'queueMicrotask',
      'hrtime',
      'performance',
    ],
  });
});

afterEach(() => {
  jest.useRealTimers();
});

test('create returns customCredentials.expiresAt for an API key, a lifetime after now', async () => {
  const { webhook } = setup(DAY);

  const response = await webhook(post('/v1/createCredentials', keyRequest()));

  expect(response.statusCode).toBe(200);
  expect(ApiKeyCredentialSchema.parse(body(response)).customCredentials).toEqual({
    apiKeyHeader: 'x-api-key',
    expiresAt: '2026-12-01T10:00:00Z',
  });
});

test('create returns expiresAt for a client, with tokens no longer than the client lives', async () => {
  const { webhook } = setup(1800);

  const response = await webhook(
    post('/v1/createCredentials', createRequest({ apis: [{ id: CLIENT_API }] })),
  );

  expect(ClientCredentialSchema.parse(body(response)).customCredentials).toMatchObject({
    expiresAt: '2026-11-30T10:30:00Z',
    accessTokenValiditySeconds: 1800,
  });
});

test('without a lifetime, create returns no expiresAt', async () => {
  const { webhook } = setup(undefined);

  const response = await webhook(post('/v1/createCredentials', keyRequest()));

  expect(ApiKeyCredentialSchema.parse(body(response)).customCredentials).toEqual({
    apiKeyHeader: 'x-api-key',
  });
});

test('an API whose lifetime is "never" gets a credential that does not expire', async () => {
  const { webhook } = setup(DAY, { [KEY_API]: 'never' });

  const response = await webhook(post('/v1/createCredentials', keyRequest()));

  expect(ApiKeyCredentialSchema.parse(body(response)).customCredentials).not.toHaveProperty('expiresAt');
});

test('a repeated create returns the same credential with the same expiresAt', async () => {
  const { webhook } = setup(DAY);
  const first = ApiKeyCredentialSchema.parse(
    body(await webhook(post('/v1/createCredentials', keyRequest()))),
  );
  jest.setSystemTime(T0 + 600_000);

  const repeat = ApiKeyCredentialSchema.parse(
    body(await webhook(post('/v1/createCredentials', keyRequest()))),
  );

  expect(repeat).toEqual(first);
});

describe('once the lifetime has passed, before any reconcile pass', () => {
  async function expired() {
    const context = setup(DAY);
    const credential = ApiKeyCredentialSchema.parse(
      body(await context.webhook(post('/v1/createCredentials', keyRequest()))),
    );
    jest.setSystemTime(T0 + DAY * 1000);
    return { ...context, credential, ref: { credentialType: 'API_KEY', apiKeyId: credential.apiKeyId } };
  }

  test('update answers 404 CREDENTIAL_NOT_FOUND, as for a revoked credential', async () => {
    const { webhook, ref } = await expired();

    const response = await webhook(post('/v1/updateCredentials', { ...ref, appName: 'renamed' }));

    expect(response.statusCode).toBe(404);
    expect(body(response)).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('revoke answers 204, deletes the key, and a second revoke answers 204 too', async () => {
    const { webhook, keys, ref } = await expired();

    const first = await webhook(post('/v1/revokeCredentials', ref));
    const second = await webhook(post('/v1/revokeCredentials', ref));

    expect([first.statusCode, second.statusCode]).toEqual([204, 204]);
    await expect(keys.findKey(ref.apiKeyId)).resolves.toBeUndefined();
  });

  test('a repeated create issues a new credential with a new expiry', async () => {
    const { webhook, credential } = await expired();

    const renewed = ApiKeyCredentialSchema.parse(
      body(await webhook(post('/v1/createCredentials', keyRequest()))),
    );

    expect(renewed.apiKeyId).not.toBe(credential.apiKeyId);
    expect(renewed.customCredentials?.expiresAt).toBe('2026-12-02T10:00:00Z');
  });
});
