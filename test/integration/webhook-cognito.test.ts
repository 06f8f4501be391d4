/**
 * The whole webhook wired as the Lambda wires it (loadConfig, awsBackend, composeWebhook) for a
 * deployment that issues client credentials, with real SDK clients against moto: app clients in
 * a user pool of this file's own, the ledger in a DynamoDB table (LEDGER_TABLE). Outcomes are read
 * back from moto with separate SDK calls.
 */
import { ClientCredentialSchema } from '../../lambda/schemas';
import type { Webhook } from '../../lambda/webhook';
import { createRequest, event, PASSWORD, USERNAME } from '../support/events';
import {
  clientNamePattern,
  createLedgerTable,
  createPoolClient,
  createUserPoolWithScopes,
  instanceOfTable,
  motoTestClients,
  readClient,
  type ScopedUserPool,
  unique,
  wiredWebhook,
} from './aws';

const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
/** For arranging and reading back moto's state, apart from the clients the webhook builds. */
const moto = motoTestClients();
const { cognito, dynamoDb } = moto;
let webhook: Webhook;
let pool: ScopedUserPool;
/** DEFAULT_SCOPES; billing1 has its own scope (API_SCOPES). */
let defaultScopes: string[];
let billingScope: string;
/** The marker prefix of this file's deployment (its LEDGER_TABLE). */
let instance: string;

beforeAll(async () => {
  pool = await createUserPoolWithScopes(cognito, ['read', 'write', 'admin']);
  defaultScopes = pool.scopes.slice(0, 2);
  billingScope = pool.scopes[2] ?? '';
  const tableName = await createLedgerTable(dynamoDb);
  instance = instanceOfTable(tableName);
  webhook = wiredWebhook(
    {
      LEDGER_TABLE: tableName,
      WEBHOOK_USERNAME: USERNAME,
      WEBHOOK_PASSWORD: PASSWORD,
      DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
      USER_POOL_ID: pool.userPoolId,
      TOKEN_URL,
      DEFAULT_SCOPES: defaultScopes.join(' '),
      API_SCOPES: JSON.stringify({ billing1: [billingScope] }),
    },
    moto.factories(),
  );
});

const apis = (...ids: string[]) => ids.map((id) => ({ id }));

const create = (appName: string) =>
  webhook(
    event({
      json: createRequest({ appName, appSlug: unique('slug'), developer: DEVELOPER, apis: apis('orders1') }),
    }),
  );

/** Creates a client through the webhook; resolves with its id. */
async function issuedClientId(): Promise<string> {
  const response = await create(unique('app'));
  if (response.statusCode !== 200) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return ClientCredentialSchema.parse(JSON.parse(response.body)).clientId;
}

const update = (clientId: string, json: Record<string, unknown>) =>
  webhook(
    event({
      path: '/v1/updateCredentials',
      json: { credentialType: 'CLIENT_CREDENTIALS', clientId, ...json },
    }),
  );

const revoke = (clientId: string) =>
  webhook(event({ path: '/v1/revokeCredentials', json: { credentialType: 'CLIENT_CREDENTIALS', clientId } }));

const sorted = (items: readonly string[]): string[] => [...items].sort();

describe('webhook issuing client credentials on the AWS adapters (moto)', () => {
  test('createCredentials answers 200 with a client that exists in the user pool with that secret', async () => {
    const appName = unique('app');

    const response = await create(appName);

    expect(response.statusCode).toBe(200);
    const body = ClientCredentialSchema.parse(JSON.parse(response.body));
    const client = await readClient(cognito, pool.userPoolId, body.clientId);
    expect(client).toMatchObject({
      ClientSecret: body.clientSecret,
      ClientName: expect.stringMatching(clientNamePattern(appName, DEVELOPER, instance)),
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
    });
    expect(sorted(client.AllowedOAuthScopes ?? [])).toEqual(sorted(defaultScopes));
  });

  test('createCredentials tells the developer where and how to get a token', async () => {
    const response = await create(unique('app'));

    expect(JSON.parse(response.body)).toMatchObject({
      credentialType: 'CLIENT_CREDENTIALS',
      customCredentials: {
        tokenUrl: TOKEN_URL,
        grantType: 'client_credentials',
        scopes: sorted(defaultScopes),
        accessTokenValiditySeconds: 3600,
      },
    });
  });

  test('updateCredentials answers 204 and the client is renamed with the new APIs’ scopes', async () => {
    const clientId = await issuedClientId();
    const renamed = unique('renamed');

    const response = await update(clientId, {
      appName: renamed,
      developer: DEVELOPER,
      apis: apis('billing1'),
    });

    expect(response.statusCode).toBe(204);
    expect(await readClient(cognito, pool.userPoolId, clientId)).toMatchObject({
      ClientName: expect.stringMatching(clientNamePattern(renamed, DEVELOPER, instance)),
      AllowedOAuthScopes: [billingScope],
    });
  });

  test('revokeCredentials answers 204 and the client is gone', async () => {
    const clientId = await issuedClientId();

    const response = await revoke(clientId);

    expect(response.statusCode).toBe(204);
    await expect(readClient(cognito, pool.userPoolId, clientId)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  test('revokeCredentials of a client already revoked answers 204', async () => {
    const clientId = await issuedClientId();
    await revoke(clientId);

    const response = await revoke(clientId);

    expect(response.statusCode).toBe(204);
  });

  test('updateCredentials of a revoked client answers 404', async () => {
    const clientId = await issuedClientId();
    await revoke(clientId);

    const response = await update(clientId, {
      appName: unique('app'),
      developer: DEVELOPER,
      apis: apis('orders1'),
    });

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('update and revoke of a client of the pool the webhook did not issue answer 404 and leave it', async () => {
    const clientId = await createPoolClient(cognito, pool, 'partner integration');
    const before = await readClient(cognito, pool.userPoolId, clientId);

    const updated = await update(clientId, {
      appName: unique('app'),
      developer: DEVELOPER,
      apis: apis('billing1'),
    });
    const revoked = await revoke(clientId);

    for (const response of [updated, revoked]) {
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    }
    expect(await readClient(cognito, pool.userPoolId, clientId)).toEqual(before);
  });
});
