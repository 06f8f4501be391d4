/**
 * Credentials that expire, against moto: a key and a client created through the webhook wired as
 * the Lambda wires it with a short CREDENTIAL_LIFETIME_SECONDS, then a reconcile pass composed as
 * the scheduled Lambda composes it, its clock moved past the expiry (nobody waits for a lifetime).
 * And the services over the AWS adapters with a clock of their own: update and revoke after the
 * expiry, before any pass. Outcomes are read back from moto around the code under test.
 */
import { ApiGatewayKeyIssuer } from '../../lambda/adapters/aws/api-gateway-key-issuer';
import { DynamoDbLedger } from '../../lambda/adapters/aws/dynamodb-ledger';
import { MAX_PARALLEL_AWS_CALLS } from '../../lambda/compose';
import { loadReconcilerConfig } from '../../lambda/config';
import { ApiKeyService } from '../../lambda/credentials/api-key-service';
import { LedgerConflictError } from '../../lambda/credentials/ports';
import { composeReconciler } from '../../lambda/reconciler/compose';
import { ApiKeyCredentialSchema, ClientCredentialSchema } from '../../lambda/schemas';
import { createRequest, event, PASSWORD, USERNAME } from '../support/events';
import {
  createLedgerTable,
  createUsagePlans,
  createUserPoolWithScopes,
  instanceOfTable,
  ledgerItems,
  motoTestClients,
  randomLedgerId,
  readClient,
  readKey,
  tableItems,
  unique,
  wiredWebhook,
} from './aws';

const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
/** Cognito's floor for a client's lifetime, and so the shortest one that applies to both kinds. */
const LIFETIME_SECONDS = 300;
const TEST_TIMEOUT_MS = 60_000;

const moto = motoTestClients();
const { apiGateway, cognito, dynamoDb } = moto;

const keyExists = (keyId: string) =>
  readKey(apiGateway, keyId).then(
    () => true,
    () => false,
  );

/** A deployment issuing keys on plan `plan` and clients for API orders1, credentials living 5 minutes. */
async function deployment() {
  const [tableName, [plan = ''], pool] = await Promise.all([
    createLedgerTable(dynamoDb),
    createUsagePlans(apiGateway, 1),
    createUserPoolWithScopes(cognito, ['read']),
  ]);
  const env = {
    LEDGER_TABLE: tableName,
    ALLOWED_USAGE_PLAN_IDS: plan,
    API_CREDENTIAL_TYPES: JSON.stringify({ orders1: 'CLIENT_CREDENTIALS' }),
    USER_POOL_ID: pool.userPoolId,
  };
  const webhook = wiredWebhook(
    {
      ...env,
      WEBHOOK_USERNAME: USERNAME,
      WEBHOOK_PASSWORD: PASSWORD,
      TOKEN_URL,
      DEFAULT_SCOPES: pool.scopes.join(' '),
      CREDENTIAL_LIFETIME_SECONDS: String(LIFETIME_SECONDS),
    },
    moto.factories(),
  );
  return { env, tableName, plan, pool, webhook };
}

test(
  'create returns expiresAt for a key and a client; once it has passed, a pass deletes both and the ledger says expired',
  async () => {
    const world = await deployment();
    const before = Date.now();
    const keyApp = createRequest({
      appName: unique('app'),
      appSlug: unique('slug'),
      developer: DEVELOPER,
      apis: [{ id: 'restapi1', usagePlans: [{ id: world.plan }] }],
    });
    const keyResponse = await world.webhook(event({ json: keyApp }));
    const clientResponse = await world.webhook(
      event({
        json: createRequest({
          appName: unique('app'),
          appSlug: unique('slug'),
          developer: DEVELOPER,
          apis: [{ id: 'orders1' }],
        }),
      }),
    );
    const key = ApiKeyCredentialSchema.parse(JSON.parse(keyResponse.body));
    const client = ClientCredentialSchema.parse(JSON.parse(clientResponse.body));
    const repeat = ApiKeyCredentialSchema.parse(
      JSON.parse((await world.webhook(event({ json: keyApp }))).body),
    );

    // The expiry is the lifetime after the create: between the clock before it and after it.
    const keyExpiry = Date.parse(String(key.customCredentials?.expiresAt));
    expect(keyExpiry).toBeGreaterThanOrEqual(before + LIFETIME_SECONDS * 1000);
    expect(keyExpiry).toBeLessThanOrEqual(Date.now() + LIFETIME_SECONDS * 1000 + 1000);
    expect(repeat).toEqual(key);
    expect(client.customCredentials).toMatchObject({
      expiresAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      accessTokenValiditySeconds: LIFETIME_SECONDS,
    });
    // Cognito caps the client's tokens at its lifetime.
    await expect(readClient(cognito, world.pool.userPoolId, client.clientId)).resolves.toMatchObject({
      AccessTokenValidity: LIFETIME_SECONDS / 60,
      TokenValidityUnits: { AccessToken: 'minutes' },
    });
    // The entry keeps its expiry apart from the table's TTL attribute, which would delete it.
    const issuedItems = (await tableItems(dynamoDb, world.tableName)).filter((item) =>
      item.pk?.S?.startsWith('credential#'),
    );
    expect(issuedItems).toHaveLength(2);
    for (const item of issuedItems) {
      expect(item.credentialExpiresAt?.N).toBeDefined();
      expect(item.expiresAt).toBeUndefined();
    }

    const clientExpiry = Date.parse(String(client.customCredentials?.expiresAt));
    const justBefore = composeReconciler(loadReconcilerConfig(world.env), moto.factories(), {
      now: () => Math.min(keyExpiry, clientExpiry) - 1000,
    });
    const early = await justBefore.run();
    const reconciler = composeReconciler(loadReconcilerConfig(world.env), moto.factories(), {
      now: () => Math.max(keyExpiry, clientExpiry),
    });
    const report = await reconciler.run();

    expect(early.counts).toMatchObject({ credentials: 2, expired: 0, deleted: 0 });
    expect(await keyExists(key.apiKeyId)).toBe(false);
    await expect(readClient(cognito, world.pool.userPoolId, client.clientId)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const entries = await ledgerItems(dynamoDb, world.tableName);
    expect(entries.map(({ credentialId, state }) => ({ credentialId, state }))).toEqual(
      expect.arrayContaining([
        { credentialId: key.apiKeyId, state: 'expired' },
        { credentialId: client.clientId, state: 'expired' },
      ]),
    );
    expect(report.counts).toMatchObject({ credentials: 0, expired: 2, deleted: 0, drift: 0, failed: 0 });
    expect(report.findings.filter((finding) => finding.action === 'expire')).toEqual([
      expect.objectContaining({ credentialId: expect.any(String), outcome: 'done' }),
      expect.objectContaining({ credentialId: expect.any(String), outcome: 'done' }),
    ]);
  },
  TEST_TIMEOUT_MS,
);

test(
  'after the expiry and before any pass, update answers 404 and revoke deletes the key, recording it expired',
  async () => {
    const tableName = await createLedgerTable(dynamoDb);
    const [plan = ''] = await createUsagePlans(apiGateway, 1);
    const ledger = new DynamoDbLedger(dynamoDb, tableName, instanceOfTable(tableName));
    let clock = Date.now();
    const service = new ApiKeyService(new ApiGatewayKeyIssuer(apiGateway), ledger, {
      allowedUsagePlanIds: new Set([plan]),
      maxParallelCalls: MAX_PARALLEL_AWS_CALLS,
      now: () => clock,
    });
    const app = {
      appName: unique('app'),
      appSlug: unique('slug'),
      developer: DEVELOPER,
      apis: [{ id: 'restapi1', usagePlans: [{ id: plan }] }],
    };
    const { apiKeyId } = await service.create(app, undefined, 60);
    // The expiry is rounded up to the second: a second more is past it whatever the clock's fraction.
    clock += 61_000;

    const update = await service.update(apiKeyId, { appName: 'renamed' }).then(
      () => 'updated',
      (error: unknown) => error,
    );
    await service.revoke(apiKeyId);
    await service.revoke(apiKeyId);

    expect(update).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(await keyExists(apiKeyId)).toBe(false);
    await expect(ledger.find('API_KEY', apiKeyId)).resolves.toMatchObject({
      state: 'expired',
      expiredAt: clock,
    });
  },
  TEST_TIMEOUT_MS,
);

test(
  'the DynamoDB ledger expires an entry only from its expiry on, and never one revoked',
  async () => {
    const tableName = await createLedgerTable(dynamoDb);
    const ledger = new DynamoDbLedger(dynamoDb, tableName, instanceOfTable(tableName));
    const createdAt = Date.now();
    const expiresAt = createdAt + 60_000;
    const issue = async (credentialId: string) => {
      const entry = {
        ledgerId: randomLedgerId(),
        app: { appName: unique('app'), developer: DEVELOPER },
        grants: { kind: 'API_KEY', usagePlanIds: ['p1'] } as const,
        createdAt,
        expiresAt,
      };
      await ledger.begin(entry);
      await ledger.issue(entry, { credentialId, at: createdAt });
      const issued = await ledger.find('API_KEY', credentialId);
      if (issued === undefined) throw new Error('arrange: not issued');
      return issued;
    };
    const early = await issue(unique('k'));
    const revoked = await issue(unique('k'));
    await ledger.revoke(revoked, createdAt + 1000);

    const tooEarly = await ledger.expire(early, expiresAt - 1).catch((error: unknown) => error);
    const overRevoke = await ledger.expire(revoked, expiresAt).catch((error: unknown) => error);
    await ledger.expire(early, expiresAt);
    await ledger.expire(early, expiresAt + 5000);

    expect(tooEarly).toBeInstanceOf(LedgerConflictError);
    expect(overRevoke).toBeInstanceOf(LedgerConflictError);
    await expect(ledger.find('API_KEY', String(revoked.credentialId))).resolves.toMatchObject({
      state: 'revoked',
    });
    await expect(ledger.find('API_KEY', String(early.credentialId))).resolves.toMatchObject({
      state: 'expired',
      expiresAt,
      expiredAt: expiresAt,
    });
  },
  TEST_TIMEOUT_MS,
);
