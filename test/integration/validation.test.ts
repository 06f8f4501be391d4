/**
 * What validateCredentials reads, against moto: an API key issued by ApiKeyService on API Gateway,
 * recorded by DynamoDbLedger in a table of this file's own, is found by the hash of its value
 * through the table's global secondary index, revoked or not; and LedgerCredentialValidator over
 * that ledger answers for it.
 */
import { ApiGatewayKeyIssuer } from '../../lambda/adapters/aws/api-gateway-key-issuer';
import { DynamoDbLedger } from '../../lambda/adapters/aws/dynamodb-ledger';
import { MAX_PARALLEL_AWS_CALLS } from '../../lambda/compose';
import { ApiKeyService } from '../../lambda/credentials/api-key-service';
import type { AppDescription } from '../../lambda/credentials/app';
import type { LedgerEntry } from '../../lambda/credentials/ports';
import { apiKeyHash } from '../../lambda/credentials/recording';
import { LedgerCredentialValidator } from '../../lambda/validation/credential-validator';
import { createLedgerTable, createUsagePlans, instanceOfTable, motoTestClients, unique } from './aws';

const { apiGateway, dynamoDb } = motoTestClients();
let ledger: DynamoDbLedger;
let service: ApiKeyService;

beforeAll(async () => {
  const tableName = await createLedgerTable(dynamoDb);
  ledger = new DynamoDbLedger(dynamoDb, tableName, instanceOfTable(tableName));
  service = new ApiKeyService(new ApiGatewayKeyIssuer(apiGateway), ledger, {
    allowedUsagePlanIds: 'any',
    maxParallelCalls: MAX_PARALLEL_AWS_CALLS,
  });
});

/** An app with a unique name and slug, on one new usage plan (`planId`). */
async function app(): Promise<AppDescription & { readonly planId: string }> {
  const [planId = ''] = await createUsagePlans(apiGateway, 1);
  return {
    planId,
    appName: unique('app'),
    appSlug: unique('slug'),
    developer: 'dev@example.com',
    apis: [{ id: 'restapi1', usagePlans: [{ id: planId }] }],
  };
}

/**
 * findByApiKeyHash until it returns an entry in `state`, for at most 2 s: DynamoDB reads a global
 * secondary index eventually consistently. (moto has shown it at once in every run so far; the
 * bound only keeps a lagging emulator from failing the test for the wrong reason.)
 */
async function foundInState(hash: string, state: LedgerEntry['state']): Promise<LedgerEntry | undefined> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const entry = await ledger.findByApiKeyHash(hash);
    if (entry?.state === state || Date.now() >= deadline) return entry;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('an issued key is found by the hash of its value, with its id, app and plans', async () => {
  const request = await app();
  const { apiKey, apiKeyId } = await service.create(request);

  const entry = await foundInState(apiKeyHash(apiKey), 'issued');

  expect(entry).toMatchObject({
    state: 'issued',
    credentialId: apiKeyId,
    apiKeyHash: apiKeyHash(apiKey),
    app: { appName: request.appName, appSlug: request.appSlug },
    grants: { kind: 'API_KEY', usagePlanIds: [request.planId] },
  });
});

test('a revoked key is still found, as revoked', async () => {
  const { apiKey, apiKeyId } = await service.create(await app());
  await service.revoke(apiKeyId);

  const entry = await foundInState(apiKeyHash(apiKey), 'revoked');

  expect(entry).toMatchObject({ state: 'revoked', credentialId: apiKeyId });
});

test('a hash no key has is not found', async () => {
  await expect(ledger.findByApiKeyHash(apiKeyHash(unique('never-issued-value-')))).resolves.toBeUndefined();
});

test('the validator over the DynamoDB ledger accepts an issued key and refuses it once revoked', async () => {
  const request = await app();
  const { apiKey, apiKeyId } = await service.create(request);
  await foundInState(apiKeyHash(apiKey), 'issued');
  // No cache: the revoke must show on the next call.
  const validator = new LedgerCredentialValidator({ ledger, tokens: undefined, cacheSeconds: 0 });

  await expect(validator.validate({ apiKey })).resolves.toEqual({
    valid: true,
    credentialType: 'API_KEY',
    apiKeyId,
    appSlug: request.appSlug,
    expiresAt: undefined,
  });

  await service.revoke(apiKeyId);
  await foundInState(apiKeyHash(apiKey), 'revoked');

  await expect(validator.validate({ apiKey })).resolves.toEqual({ valid: false, reason: 'REVOKED' });
});
