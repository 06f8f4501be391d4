/**
 * Under npm start, the tokenUrl of a client credential answers: the client id and secret the
 * webhook issued get an access token with the client's scopes, as from a Cognito domain: a JWT
 * signed by a key whose set the server publishes.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { localBackend } from '../../lambda/adapters/local/backend';
import { LocalTokenKeys } from '../../lambda/adapters/local/local-token-keys';
import { composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import { type RunningServer, startServer } from '../../lambda/dev-server/server';
import {
  LOCAL_JWKS_PATH,
  LOCAL_TOKEN_PATH,
  withLocalTokenEndpoint,
} from '../../lambda/dev-server/token-endpoint';
import { basic, createRequest, PASSWORD, USERNAME } from '../support/events';

let server: RunningServer;
let keys: LocalTokenKeys;

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
  // The issuer is the server's own URL, known once it listens: the endpoint is wired just after.
  let served = webhook;
  server = await startServer((event) => served(event));
  keys = LocalTokenKeys.generate(server.url);
  served = withLocalTokenEndpoint(webhook, clients, keys, 3600);
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
    access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
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

test('the token is a JWT of the client, signed by the key set the server publishes', async () => {
  const client = await issueClient();
  const response = await token(
    { grant_type: 'client_credentials', scope: 'orders/read' },
    basic(client.clientId, client.clientSecret),
  );
  const { access_token: accessToken } = (await response.json()) as { access_token: string };

  const jwks = await fetch(`${server.url}${LOCAL_JWKS_PATH}`);
  expect(jwks.status).toBe(200);
  expect(await jwks.json()).toEqual(keys.jwks);
  await expect(keys.verifier().verify(accessToken)).resolves.toEqual({
    clientId: client.clientId,
    scopes: ['orders/read'],
    expiresAt: expect.any(Number),
  });
  const other = LocalTokenKeys.generate(server.url);
  await expect(other.verifier().verify(accessToken)).rejects.toMatchObject({ rejection: 'forged' });
});
