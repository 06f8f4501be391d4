/**
 * Idempotent create against moto: first the ledger's claims alone (DynamoDbLedger, on a table of
 * this file's own), to show that DynamoDB really evaluates its conditional writes (a second claim
 * is refused and the old item comes back with the refusal, a released claim leaves a tombstone);
 * then the whole webhook wired as the Lambda wires it, with LEDGER_TABLE set, issuing API keys and
 * app clients. Outcomes are read back from moto with separate SDK calls.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DynamoDbLedger } from '../../lambda/adapters/aws/dynamodb-ledger';
import type { ClaimRequest, IssuedCredentialRef } from '../../lambda/credentials/ports';
import {
  ApiKeyCredentialSchema,
  ClientCredentialSchema,
  type CreateCredentialsRequest,
  ErrorResponseSchema,
} from '../../lambda/schemas';
import type { Webhook } from '../../lambda/webhook';
import { createRequest, event, PASSWORD, USERNAME } from '../support/events';
import {
  clientsNamedWithPrefix,
  createLedgerTable,
  createPortalSecret,
  createUsagePlans,
  createUserPoolWithScopes,
  instanceOfTable,
  keyIdsNamed,
  ledgerItems,
  ledgerItemsOfApp,
  motoTestClients,
  readKey,
  type ScopedUserPool,
  tableItems,
  unique,
  wiredWebhook,
} from './aws';

const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
/** For arranging and reading back moto's state, apart from the clients the webhooks build. */
const moto = motoTestClients();
const { apiGateway, cognito, dynamoDb, secretsManager } = moto;
const webhookClients = moto.factories();
let tableName: string;

beforeAll(async () => {
  tableName = await createLedgerTable(dynamoDb);
});

describe("the ledger's create claims (DynamoDbLedger) on DynamoDB (moto)", () => {
  const NOW = Math.floor(Date.UTC(2026, 0, 1) / 1000);
  const LEASE = 60;
  const WINDOW = 3600;
  const KEY_REF: IssuedCredentialRef = { credentialType: 'API_KEY', credentialId: 'k3y1d' };
  let store: DynamoDbLedger;

  beforeAll(() => {
    store = new DynamoDbLedger(dynamoDb, tableName, instanceOfTable(tableName));
  });

  /** A claim of `key` made `offset` seconds after NOW, with the usual lease and window. */
  function claimAt(key: string, offset = 0, fingerprint = 'fingerprint-hash'): ClaimRequest {
    const now = NOW + offset;
    return { key, claimId: randomUUID(), fingerprint, now, leaseUntil: now + LEASE, expiresAt: now + WINDOW };
  }

  /** A key of its own, already claimed and completed for `credential` at NOW. */
  async function completedKey(credential: IssuedCredentialRef = KEY_REF): Promise<string> {
    const key = unique('key');
    await store.claim(claimAt(key));
    await store.complete(claimAt(key), credential);
    return key;
  }

  test('claims a key nobody holds', async () => {
    await expect(store.claim(claimAt(unique('key')))).resolves.toEqual({ status: 'claimed' });
  });

  test('refuses a second claim of a key in progress', async () => {
    const key = unique('key');
    await store.claim(claimAt(key));

    await expect(store.claim(claimAt(key, 1))).resolves.toEqual({ status: 'in-progress' });
  });

  test('of 10 concurrent claims of one key exactly one is granted', async () => {
    const key = unique('key');

    const claims = await Promise.all(Array.from({ length: 10 }, () => store.claim(claimAt(key))));

    expect(claims.filter((claim) => claim.status === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim.status === 'in-progress')).toHaveLength(9);
  });

  test('refuses a claim of a completed key and returns the record it holds', async () => {
    const key = await completedKey();

    await expect(store.claim(claimAt(key, 1, 'another'))).resolves.toEqual({
      status: 'completed',
      fingerprint: 'fingerprint-hash',
      credential: KEY_REF,
    });
  });

  test('stores the completed record with the credential type and id only', async () => {
    const key = await completedKey();

    const items = await tableItems(dynamoDb, tableName);

    expect(items.find((item) => item.pk?.S === key)).toEqual({
      pk: { S: key },
      status: { S: 'COMPLETED' },
      fingerprint: { S: 'fingerprint-hash' },
      credentialType: { S: 'API_KEY' },
      credentialId: { S: 'k3y1d' },
      expiresAt: { N: String(NOW + WINDOW) },
    });
  });

  test('grants a claim of a key whose in-progress claim is past its lease', async () => {
    const key = unique('key');
    await store.claim(claimAt(key));

    await expect(store.claim(claimAt(key, LEASE + 1))).resolves.toEqual({ status: 'claimed' });
  });

  test('keeps a completed record past the lease of its claim', async () => {
    const key = await completedKey();

    await expect(store.claim(claimAt(key, LEASE + 1))).resolves.toMatchObject({ status: 'completed' });
  });

  test('grants a claim of a key whose completed record is past its expiry', async () => {
    const key = await completedKey();

    await expect(store.claim(claimAt(key, WINDOW + 1))).resolves.toEqual({ status: 'claimed' });
  });

  test('grants a claim retried after its answer was lost: the attempt recognises its own claim', async () => {
    const claim = claimAt(unique('key'));
    await store.claim(claim);

    await expect(store.claim(claim)).resolves.toEqual({ status: 'claimed' });
  });

  test('release frees an in-progress claim, leaving a tombstone of it', async () => {
    const key = unique('key');
    const claim = claimAt(key);
    await store.claim(claim);

    await store.release(claim);

    expect((await tableItems(dynamoDb, tableName)).find((item) => item.pk?.S === key)).toEqual({
      pk: { S: key },
      status: { S: 'RELEASED' },
      claimId: { S: claim.claimId },
      expiresAt: { N: String(claim.leaseUntil) },
    });
    await expect(store.claim(claimAt(key, 1))).resolves.toEqual({ status: 'claimed' });
  });

  test("a released claim's write that lands late does not take hold, and the next claim proceeds", async () => {
    const key = unique('key');
    const late = claimAt(key);
    // The attempt gave up (its claim's answer was lost) and released before its write landed.
    await store.release(late);

    await expect(store.claim(late)).resolves.toEqual({ status: 'in-progress' });

    expect((await tableItems(dynamoDb, tableName)).find((item) => item.pk?.S === key)).toMatchObject({
      status: { S: 'RELEASED' },
      claimId: { S: late.claimId },
    });
    await expect(store.claim(claimAt(key, 1))).resolves.toEqual({ status: 'claimed' });
  });

  test("release leaves another attempt's claim in progress", async () => {
    const key = unique('key');
    await store.claim(claimAt(key));

    await store.release(claimAt(key));

    await expect(store.claim(claimAt(key, 1))).resolves.toEqual({ status: 'in-progress' });
  });

  test('release leaves a completed record in place', async () => {
    const key = await completedKey();

    await store.release(claimAt(key));

    await expect(store.claim(claimAt(key, 1))).resolves.toMatchObject({ status: 'completed' });
  });

  test('forget drops a completed record of that credential', async () => {
    const key = await completedKey();

    await store.forget(key, KEY_REF);

    await expect(store.claim(claimAt(key, 1))).resolves.toEqual({ status: 'claimed' });
  });

  test('forget leaves a record that names another credential', async () => {
    const key = await completedKey({ credentialType: 'API_KEY', credentialId: 'newer' });

    await store.forget(key, KEY_REF);

    await expect(store.claim(claimAt(key, 1))).resolves.toMatchObject({
      status: 'completed',
      credential: { credentialId: 'newer' },
    });
  });
});

describe('idempotent createCredentials issuing API keys (moto)', () => {
  let webhook: Webhook;
  let plans: string[];

  beforeAll(async () => {
    plans = await createUsagePlans(apiGateway, 2);
    const secretArn = await createPortalSecret(secretsManager);
    webhook = wiredWebhook(
      { WEBHOOK_SECRET_ARN: secretArn, ALLOWED_USAGE_PLAN_IDS: plans.join(','), LEDGER_TABLE: tableName },
      webhookClients,
    );
  });

  /** A create request for an app of its own (unique name and slug). */
  function appRequest(): CreateCredentialsRequest {
    return createRequest({
      appName: unique('app'),
      appSlug: unique('slug'),
      developer: DEVELOPER,
      apis: [{ id: 'restapi1', usagePlans: plans.map((id) => ({ id })) }],
    });
  }

  const create = (request: CreateCredentialsRequest) => webhook(event({ json: request }));

  const keyName = (request: CreateCredentialsRequest) => `${request.appName} (${request.developer})`;

  async function issuedKey(request: CreateCredentialsRequest) {
    const response = await create(request);
    if (response.statusCode !== 200)
      throw new Error(`create failed: ${response.statusCode} ${response.body}`);
    return ApiKeyCredentialSchema.parse(JSON.parse(response.body));
  }

  test('the same create twice returns the same key id and value', async () => {
    const request = appRequest();
    const first = await issuedKey(request);

    const repeat = await create(request);

    expect(repeat.statusCode).toBe(200);
    expect(ApiKeyCredentialSchema.parse(JSON.parse(repeat.body))).toMatchObject({
      apiKeyId: first.apiKeyId,
      apiKey: first.apiKey,
    });
  });

  test('the same create twice leaves exactly one key of that name in API Gateway', async () => {
    const request = appRequest();
    const first = await issuedKey(request);

    await create(request);

    expect(await keyIdsNamed(apiGateway, keyName(request))).toEqual([first.apiKeyId]);
  });

  test('the ledger table holds the key id and a hash of its value, never the value', async () => {
    const issued = await issuedKey(appRequest());

    const stored = JSON.stringify(await tableItems(dynamoDb, tableName));

    expect(stored).toContain(issued.apiKeyId);
    expect(stored).toContain(createHash('sha256').update(issued.apiKey).digest('base64url'));
    expect(stored).not.toContain(issued.apiKey);
  });

  test('IDEMPOTENCY_TABLE, the earlier name of LEDGER_TABLE, still names the table', async () => {
    const earlier = await createLedgerTable(dynamoDb);
    const webhookOnEarlier = wiredWebhook(
      {
        WEBHOOK_USERNAME: USERNAME,
        WEBHOOK_PASSWORD: PASSWORD,
        ALLOWED_USAGE_PLAN_IDS: plans.join(','),
        IDEMPOTENCY_TABLE: earlier,
      },
      webhookClients,
    );
    const request = appRequest();

    const response = await webhookOnEarlier(event({ json: request }));

    expect(response.statusCode).toBe(200);
    const { apiKeyId } = ApiKeyCredentialSchema.parse(JSON.parse(response.body));
    expect(await ledgerItems(dynamoDb, earlier)).toMatchObject([{ state: 'issued', credentialId: apiKeyId }]);
    expect(await ledgerItemsOfApp(dynamoDb, tableName, request.appName)).toEqual([]);
  });

  test('10 concurrent identical creates leave exactly one key in API Gateway, and one entry in the ledger', async () => {
    const request = appRequest();

    await Promise.all(Array.from({ length: 10 }, () => create(request)));

    const keyIds = await keyIdsNamed(apiGateway, keyName(request));
    expect(keyIds).toHaveLength(1);
    expect(await ledgerItemsOfApp(dynamoDb, tableName, request.appName)).toMatchObject([
      { state: 'issued', credentialId: keyIds[0] },
    ]);
  });

  test('10 concurrent identical creates each answer 200 with that key or 409 REQUEST_IN_PROGRESS', async () => {
    const request = appRequest();

    const responses = await Promise.all(Array.from({ length: 10 }, () => create(request)));

    const [keyId] = await keyIdsNamed(apiGateway, keyName(request));
    const succeeded = responses.filter((response) => response.statusCode === 200);
    const refused = responses.filter((response) => response.statusCode === 409);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    expect(succeeded.length + refused.length).toBe(10);
    for (const response of succeeded) {
      expect(ApiKeyCredentialSchema.parse(JSON.parse(response.body)).apiKeyId).toBe(keyId);
    }
    for (const response of refused) {
      expect(ErrorResponseSchema.parse(JSON.parse(response.body)).code).toBe('REQUEST_IN_PROGRESS');
      expect(response.headers).toMatchObject({ 'Retry-After': '2' });
    }
  });

  test('after 10 concurrent identical creates, a retry gets the one key with its value', async () => {
    const request = appRequest();
    await Promise.all(Array.from({ length: 10 }, () => create(request)));
    const [keyId] = await keyIdsNamed(apiGateway, keyName(request));

    const retry = await issuedKey(request);

    expect(retry.apiKeyId).toBe(keyId);
    expect(retry.apiKey).toBe((await readKey(apiGateway, retry.apiKeyId)).value);
  });

  test('a create after the key was revoked issues a new key, and only that one exists', async () => {
    const request = appRequest();
    const first = await issuedKey(request);
    const revoked = await webhook(
      event({
        path: '/v1/revokeCredentials',
        json: { credentialType: 'API_KEY', apiKeyId: first.apiKeyId },
      }),
    );
    expect(revoked.statusCode).toBe(204);

    const again = await issuedKey(request);

    expect(again.apiKeyId).not.toBe(first.apiKeyId);
    expect(await keyIdsNamed(apiGateway, keyName(request))).toEqual([again.apiKeyId]);
    const entries = await ledgerItemsOfApp(dynamoDb, tableName, request.appName);
    expect(Object.fromEntries(entries.map((entry) => [entry.credentialId, entry.state]))).toEqual({
      [first.apiKeyId]: 'revoked',
      [again.apiKeyId]: 'issued',
    });
  });
});

describe('idempotent createCredentials issuing client credentials (moto)', () => {
  let webhook: Webhook;
  let pool: ScopedUserPool;

  beforeAll(async () => {
    pool = await createUserPoolWithScopes(cognito, ['read']);
    webhook = wiredWebhook(
      {
        WEBHOOK_USERNAME: USERNAME,
        WEBHOOK_PASSWORD: PASSWORD,
        DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
        USER_POOL_ID: pool.userPoolId,
        TOKEN_URL,
        DEFAULT_SCOPES: pool.scopes.join(' '),
        LEDGER_TABLE: tableName,
      },
      webhookClients,
    );
  });

  function appRequest(): CreateCredentialsRequest {
    return createRequest({
      appName: unique('app'),
      appSlug: unique('slug'),
      developer: DEVELOPER,
      apis: [{ id: 'orders1' }],
    });
  }

  /** The ids of the app's clients: names start with "<app> - <developer> cw=" (then the marker). */
  const clientIdsOf = async (request: CreateCredentialsRequest) =>
    (
      await clientsNamedWithPrefix(cognito, pool.userPoolId, `${request.appName} - ${request.developer} cw=`)
    ).map((client) => client.id);

  async function issuedClient(request: CreateCredentialsRequest) {
    const response = await webhook(event({ json: request }));
    if (response.statusCode !== 200)
      throw new Error(`create failed: ${response.statusCode} ${response.body}`);
    return ClientCredentialSchema.parse(JSON.parse(response.body));
  }

  test('the same create twice returns the same client id and secret', async () => {
    const request = appRequest();
    const first = await issuedClient(request);

    const repeat = await issuedClient(request);

    expect(repeat).toMatchObject({ clientId: first.clientId, clientSecret: first.clientSecret });
  });

  test('the same create twice leaves exactly one app client of that name in the user pool', async () => {
    const request = appRequest();
    const first = await issuedClient(request);

    await issuedClient(request);

    expect(await clientIdsOf(request)).toEqual([first.clientId]);
  });

  test('a create after the client was revoked issues a new client', async () => {
    const request = appRequest();
    const first = await issuedClient(request);
    await webhook(
      event({
        path: '/v1/revokeCredentials',
        json: { credentialType: 'CLIENT_CREDENTIALS', clientId: first.clientId },
      }),
    );

    const again = await issuedClient(request);

    expect(again.clientId).not.toBe(first.clientId);
    expect(await clientIdsOf(request)).toEqual([again.clientId]);
  });
});
