/**
 * Under npm start, the tokenUrl of a client credential answers: the client id and secret the
 * webhook issued get a bearer token with the client's scopes, as from a Cognito domain.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { localBackend } from '../../lambda/adapters/local/backend';
import { composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import { type RunningServer, startServer } from '../../lambda/dev-server/server';
import { LOCAL_TOKEN_PATH, withLocalTokenEndpoint } from '../../lambda/dev-server/token-endpoint';
import { basic, createRequest, PASSWORD, USERNAME } from '../support/events';

let server: RunningServer;

beforeAll(async () => {
  const config = loadConfig({
    WEBHOOK_USERNAME: USERNAME,
    WEBHOOK_PASSWORD: PASSWORD,
    DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
    USER_POOL_ID: 'local_LocalPool',
    TOKEN_URL: 'http://127.0.0.1/oauth2/token',
    DEFAULT_SCOPES: 'orders/read orders/write',
  });
  const backend = localBackend(config);
  const clients = backend.clients;
  if (clients === undefined) throw new Error('the local backend has no client issuer');
  const webhook = composeWebhook(config, backend, new Logger({ logLevel: 'SILENT' }));
  server = await startServer(withLocalTokenEndpoint(webhook, clients, 3600));
});

afterAll(() => server.close());

async function issueClient(): Promise<{ clientId: string; clientSecret: string }> {
  const response = await fetch(`${server.url}/v1/createCredentials`, {
    method: 'POST',
    headers: { Authorization: basic(), 'Content-Type': 'application/json' },
    body: JSON.stringify(createRequest({ appSlug: `slug${Math.random()}`, apis: [{ id: 'orders1' }] })),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { clientId: string; clientSecret: string };
}

function token(form: Record<string, string>, authorization?: string) {
  return fetch(`${server.url}${LOCAL_TOKEN_PATH}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(authorization !== undefined && { Authorization: authorization }),
    },
    body: new URLSearchParams(form).toString(),
  });
}

test('a client authenticated with Basic gets a bearer token with its scopes', async () => {
  const client = await issueClient();

  const response = await token(
    { grant_type: 'client_credentials' },
    basic(client.clientId, client.clientSecret),
  );

  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(await response.json()).toEqual({
    access_token: expect.stringMatching(/^local\.[\w-]{32}$/),
    token_type: 'Bearer',
    expires_in: 3600,
    scope: 'orders/read orders/write',
  });
});

test('credentials in the form body work too, and a narrower scope is granted as asked', async () => {
  const client = await issueClient();

  const response = await token({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    scope: 'orders/read',
  });

  expect(await response.json()).toMatchObject({ scope: 'orders/read' });
});

test.each([
  [
    'a wrong secret',
    (c: { clientId: string }) => basic(c.clientId, 'wrong'),
    { grant_type: 'client_credentials' },
    401,
    'invalid_client',
  ],
  [
    'another grant type',
    (c: { clientId: string; clientSecret: string }) => basic(c.clientId, c.clientSecret),
    { grant_type: 'password' },
    400,
    'unsupported_grant_type',
  ],
  [
    'a scope the client lacks',
    (c: { clientId: string; clientSecret: string }) => basic(c.clientId, c.clientSecret),
    { grant_type: 'client_credentials', scope: 'admin/all' },
    400,
    'invalid_scope',
  ],
])('%s is refused as OAuth says', async (_name, authorization, form, status, error) => {
  const client = await issueClient();

  const response = await token(form, authorization(client));

  expect(response.status).toBe(status);
  expect(await response.json()).toEqual({ error });
});

test('a revoked client gets no token', async () => {
  const client = await issueClient();
  await fetch(`${server.url}/v1/revokeCredentials`, {
    method: 'POST',
    headers: { Authorization: basic(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ clientId: client.clientId }),
  });

  const response = await token(
    { grant_type: 'client_credentials' },
    basic(client.clientId, client.clientSecret),
  );

  expect(response.status).toBe(401);
});
