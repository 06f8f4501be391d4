/**
 * The whole webhook wired as the Lambda wires it (loadConfig, awsBackend, composeWebhook) with
 * real SDK clients against moto: Basic credentials from a Secrets Manager secret, the ledger in a
 * DynamoDB table (LEDGER_TABLE), API keys and usage-plan bindings in API Gateway. Outcomes are read
 * back from moto with separate SDK calls.
 */
import { ApiKeyCredentialSchema } from '../../lambda/schemas';
import type { Webhook } from '../../lambda/webhook';
import { basic, createRequest, event, USERNAME } from '../support/events';
import {
  bindKeyToPlan,
  createLedgerTable,
  createPortalSecret,
  createTaggedKey,
  createUsagePlans,
  instanceOfTable,
  keyIdsNamed,
  ledgerItems,
  motoTestClients,
  planIdsOfKey,
  plansListingKey,
  randomLedgerId,
  readKey,
  unique,
  wiredWebhook,
} from './aws';

const DEVELOPER = 'dev@example.com';
/** For arranging and reading back moto's state, apart from the clients the webhook builds. */
const moto = motoTestClients();
const { apiGateway, dynamoDb, secretsManager } = moto;
let webhook: Webhook;
/** Usage plans on the deployment's allow-list, and one that is not. */
let allowed: string[];
let notAllowed: string;
let tableName: string;

beforeAll(async () => {
  const plans = await createUsagePlans(apiGateway, 4);
  allowed = plans.slice(0, 3);
  notAllowed = plans[3] ?? '';
  const secretArn = await createPortalSecret(secretsManager);
  tableName = await createLedgerTable(dynamoDb);
  webhook = wiredWebhook(
    { WEBHOOK_SECRET_ARN: secretArn, ALLOWED_USAGE_PLAN_IDS: allowed.join(','), LEDGER_TABLE: tableName },
    moto.factories(),
  );
});

const apis = (planIds: readonly string[]) => [{ id: 'restapi1', usagePlans: planIds.map((id) => ({ id })) }];

const create = (appName: string, planIds: readonly string[]) =>
  webhook(
    event({
      json: createRequest({ appName, appSlug: unique('slug'), developer: DEVELOPER, apis: apis(planIds) }),
    }),
  );

/** Creates a key through the webhook; resolves with its id. */
async function issuedKeyId(planIds: readonly string[]): Promise<string> {
  const response = await create(unique('app'), planIds);
  if (response.statusCode !== 200) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return ApiKeyCredentialSchema.parse(JSON.parse(response.body)).apiKeyId;
}

const update = (apiKeyId: string, json: Record<string, unknown>) =>
  webhook(event({ path: '/v1/updateCredentials', json: { credentialType: 'API_KEY', apiKeyId, ...json } }));

const revoke = (apiKeyId: string) =>
  webhook(event({ path: '/v1/revokeCredentials', json: { credentialType: 'API_KEY', apiKeyId } }));

describe('webhook on the AWS adapters (moto)', () => {
  test('createCredentials answers 200 with a key that exists in API Gateway, bound to the listed plans', async () => {
    const [first = '', second = ''] = allowed;

    const response = await create(unique('app'), [first, second]);

    expect(response.statusCode).toBe(200);
    const body = ApiKeyCredentialSchema.parse(JSON.parse(response.body));
    const key = await readKey(apiGateway, body.apiKeyId);
    expect(key).toMatchObject({ value: body.apiKey, enabled: true });
    expect(await planIdsOfKey(apiGateway, body.apiKeyId)).toEqual([first, second].sort());
  });

  test('createCredentials records the key in LEDGER_TABLE as issued, under the marker the key carries', async () => {
    const apiKeyId = await issuedKeyId(allowed.slice(0, 1));

    const entries = (await ledgerItems(dynamoDb, tableName)).filter(
      (entry) => entry.credentialId === apiKeyId,
    );

    expect(entries).toMatchObject([{ state: 'issued', grants: allowed.slice(0, 1) }]);
    expect((await readKey(apiGateway, apiKeyId)).tags).toMatchObject({
      'sensedia:ledger-id': `${instanceOfTable(tableName)}.${entries[0]?.ledgerId}`,
    });
  });

  test('createCredentials refuses a usage plan off the allow-list with 422 and creates no key', async () => {
    const appName = unique('app');

    const response = await create(appName, [notAllowed]);

    expect(response.statusCode).toBe(422);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'USAGE_PLAN_NOT_ALLOWED' });
    expect(await keyIdsNamed(apiGateway, `${appName} (${DEVELOPER})`)).toEqual([]);
  });

  test('a password that is not the secret is refused with 401 and creates no key', async () => {
    const appName = unique('app');
    const request = createRequest({
      appName,
      appSlug: unique('slug'),
      developer: DEVELOPER,
      apis: apis(allowed),
    });

    const response = await webhook(
      event({
        json: request,
        headers: { Authorization: basic(USERNAME, 'wrong'), 'Content-Type': 'application/json' },
      }),
    );

    expect(response.statusCode).toBe(401);
    expect(await keyIdsNamed(apiGateway, `${appName} (${DEVELOPER})`)).toEqual([]);
  });

  test('updateCredentials answers 204 and leaves the key bound to exactly the new plans, renamed', async () => {
    const [first = '', second = '', third = ''] = allowed;
    const apiKeyId = await issuedKeyId([first, second]);
    const renamed = unique('renamed');

    const response = await update(apiKeyId, {
      appName: renamed,
      developer: DEVELOPER,
      apis: apis([second, third]),
    });

    expect(response.statusCode).toBe(204);
    expect(await planIdsOfKey(apiGateway, apiKeyId)).toEqual([second, third].sort());
    expect(await readKey(apiGateway, apiKeyId)).toMatchObject({ name: `${renamed} (${DEVELOPER})` });
  });

  test('revokeCredentials answers 204 and the key is gone', async () => {
    const apiKeyId = await issuedKeyId(allowed.slice(0, 1));

    const response = await revoke(apiKeyId);

    expect(response.statusCode).toBe(204);
    await expect(readKey(apiGateway, apiKeyId)).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  test('revokeCredentials of a key already revoked answers 204', async () => {
    const apiKeyId = await issuedKeyId(allowed.slice(0, 1));
    await revoke(apiKeyId);

    const response = await revoke(apiKeyId);

    expect(response.statusCode).toBe(204);
  });

  test('updateCredentials of a revoked key answers 404', async () => {
    const apiKeyId = await issuedKeyId(allowed.slice(0, 1));
    await revoke(apiKeyId);

    const response = await update(apiKeyId, {
      appName: unique('app'),
      developer: DEVELOPER,
      apis: apis(allowed),
    });

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('update and revoke of a key tagged as the webhook’s that its ledger does not list answer 404 and leave it', async () => {
    const [bound = '', other = ''] = allowed;
    const name = unique('unrecorded');
    const keyId = await createTaggedKey(apiGateway, {
      name,
      marker: `${instanceOfTable(tableName)}.${randomLedgerId()}`,
    });
    await bindKeyToPlan(apiGateway, bound, keyId);

    const updated = await update(keyId, {
      appName: unique('app'),
      developer: DEVELOPER,
      apis: apis([other]),
    });
    const revoked = await revoke(keyId);

    for (const response of [updated, revoked]) {
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
    }
    expect(await readKey(apiGateway, keyId)).toMatchObject({ name });
    expect(await plansListingKey(apiGateway, allowed, keyId)).toEqual([bound]);
  });
});
