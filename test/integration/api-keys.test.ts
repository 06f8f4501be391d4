/**
 * ApiKeyService over ApiGatewayKeyIssuer and a real APIGatewayClient, with its ledger in a DynamoDB
 * table of this file's own (DynamoDbLedger), against moto. Every outcome is read back from moto with
 * separate SDK calls, not through the code under test.
 */

import { createHash } from 'node:crypto';
import {
  type APIGatewayClient,
  ConflictException,
  CreateApiKeyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-api-gateway';
import { ApiGatewayKeyIssuer } from '../../lambda/adapters/aws/api-gateway-key-issuer';
import { DynamoDbLedger } from '../../lambda/adapters/aws/dynamodb-ledger';
import { MAX_PARALLEL_AWS_CALLS } from '../../lambda/compose';
import { ApiKeyService } from '../../lambda/credentials/api-key-service';
import type { AppDescription } from '../../lambda/credentials/app';
import { NotFoundError, ThrottledError, UnprocessableError } from '../../lambda/errors';
import {
  bindKeyToPlan,
  createLedgerTable,
  createTaggedKey,
  createUsagePlans,
  failNthCall,
  instanceOfTable,
  keyIdsNamed,
  ledgerItemsOfApp,
  motoApiGateway,
  motoTestClients,
  planIdsOfKey,
  plansListingKey,
  randomLedgerId,
  readKey,
  unique,
} from './aws';

const DEVELOPER = 'dev@example.com';

const { apiGateway, dynamoDb } = motoTestClients();
let tableName: string;
let instance: string;
let ledger: DynamoDbLedger;

beforeAll(async () => {
  tableName = await createLedgerTable(dynamoDb);
  instance = instanceOfTable(tableName);
  ledger = new DynamoDbLedger(dynamoDb, tableName, instance);
});

function serviceOver(client: APIGatewayClient, allowedUsagePlanIds: ReadonlySet<string> | 'any' = 'any') {
  return new ApiKeyService(new ApiGatewayKeyIssuer(client), ledger, {
    allowedUsagePlanIds,
    maxParallelCalls: MAX_PARALLEL_AWS_CALLS,
  });
}

/** The ledger entries recorded for the app: state, key id and plans. */
async function recorded(request: AppDescription) {
  const items = await ledgerItemsOfApp(dynamoDb, tableName, request.appName);
  return items.map(({ state, credentialId, grants }) => ({ state, credentialId, grants }));
}

/** An app with a unique name, listing `planIds` under one API. */
function app(planIds: readonly string[], overrides: Partial<AppDescription> = {}): AppDescription {
  return {
    appName: unique('app'),
    appSlug: unique('slug'),
    developer: DEVELOPER,
    apis: [{ id: 'restapi1', usagePlans: planIds.map((id) => ({ id })) }],
    ...overrides,
  };
}

const sorted = (ids: readonly string[]): string[] => [...ids].sort();

describe('ApiKeyService on API Gateway and its DynamoDB ledger (moto)', () => {
  let service: ApiKeyService;

  beforeAll(() => {
    service = serviceOver(apiGateway);
  });

  describe('create', () => {
    test('creates an enabled key carrying the app name, description and tags, and returns its value', async () => {
      const [planId = ''] = await createUsagePlans(apiGateway, 1);
      const request = app([planId]);

      const credential = await service.create(request);

      const key = await readKey(apiGateway, credential.apiKeyId);
      expect(key).toMatchObject({
        id: credential.apiKeyId,
        value: credential.apiKey,
        enabled: true,
        name: `${request.appName} (${DEVELOPER})`,
        description: `Issued by the Sensedia Developer Portal credential webhook for app ${request.appSlug}`,
        tags: {
          'sensedia:managed-by': 'credential-webhook',
          'sensedia:developer': DEVELOPER,
          'sensedia:app-slug': request.appSlug,
          'sensedia:ledger-id': expect.stringMatching(new RegExp(`^${instance}\\.[a-z0-9]{16}$`)),
        },
      });
    });

    test('records the key in the ledger as issued, under the ledger id its marker names, with a hash of its value', async () => {
      const [planId = ''] = await createUsagePlans(apiGateway, 1);
      const request = app([planId]);

      const credential = await service.create(request);

      const marker = (await readKey(apiGateway, credential.apiKeyId)).tags?.['sensedia:ledger-id'];
      const [entry] = await ledgerItemsOfApp(dynamoDb, tableName, request.appName);
      expect(entry).toMatchObject({
        pk: `credential#API_KEY#${credential.apiKeyId}`,
        state: 'issued',
        credentialId: credential.apiKeyId,
        grants: [planId],
      });
      expect(marker).toBe(`${instance}.${entry?.ledgerId}`);
      const stored = await ledger.find('API_KEY', credential.apiKeyId);
      expect(stored?.apiKeyHash).toBe(createHash('sha256').update(credential.apiKey).digest('base64url'));
    });

    test('binds the key to exactly the listed usage plans', async () => {
      const [first = '', second = '', unlisted = ''] = await createUsagePlans(apiGateway, 3);

      const { apiKeyId } = await service.create(app([first, second]));

      expect(await planIdsOfKey(apiGateway, apiKeyId)).toEqual(sorted([first, second]));
      expect(await plansListingKey(apiGateway, [first, second, unlisted], apiKeyId)).toEqual(
        sorted([first, second]),
      );
    });

    test.each([
      {
        refusal: 'ConflictException',
        error: new ConflictException({ message: 'injected conflict', $metadata: { httpStatusCode: 409 } }),
        expected: { type: UnprocessableError, status: 422, code: 'USAGE_PLAN_CONFLICT' },
      },
      {
        refusal: 'TooManyRequestsException',
        error: new TooManyRequestsException({
          message: 'injected throttle',
          $metadata: { httpStatusCode: 429 },
        }),
        expected: { type: ThrottledError, status: 429, code: 'UPSTREAM_THROTTLED' },
      },
    ])(
      'deletes the new key when a binding fails with $refusal, reports it, and records the intent abandoned',
      async ({ error, expected }) => {
        const [first = '', second = ''] = await createUsagePlans(apiGateway, 2);
        const failing = motoApiGateway();
        failNthCall(failing, 'CreateUsagePlanKeyCommand', 2, error);
        const request = app([first, second]);

        const outcome = await serviceOver(failing)
          .create(request)
          .then(
            () => undefined,
            (thrown: unknown) => thrown,
          );
        failing.destroy();

        expect(outcome).toBeInstanceOf(expected.type);
        expect(outcome).toMatchObject({ status: expected.status, code: expected.code });
        expect(await keyIdsNamed(apiGateway, `${request.appName} (${DEVELOPER})`)).toEqual([]);
        expect(await recorded(request)).toEqual([
          { state: 'abandoned', credentialId: undefined, grants: [first, second] },
        ]);
      },
    );
  });

  describe('update', () => {
    test('binds the key to exactly the new set of usage plans, adding and removing', async () => {
      const [kept = '', dropped = '', added = ''] = await createUsagePlans(apiGateway, 3);
      const request = app([kept, dropped]);
      const { apiKeyId } = await service.create(request);

      await service.update(apiKeyId, {
        apis: [{ id: 'restapi1', usagePlans: [{ id: kept }, { id: added }] }],
      });

      expect(await planIdsOfKey(apiGateway, apiKeyId)).toEqual(sorted([kept, added]));
      expect(await plansListingKey(apiGateway, [kept, dropped, added], apiKeyId)).toEqual(
        sorted([kept, added]),
      );
      expect(await recorded(request)).toEqual([
        { state: 'issued', credentialId: apiKeyId, grants: [kept, added] },
      ]);
    });

    test('keeps a binding to a plan off the allow-list, which the Portal does not manage', async () => {
      const [listed = '', added = '', administrators = ''] = await createUsagePlans(apiGateway, 3);
      const allowing = serviceOver(apiGateway, new Set([listed, added]));
      const { apiKeyId } = await allowing.create(app([listed]));
      await bindKeyToPlan(apiGateway, administrators, apiKeyId);

      await allowing.update(apiKeyId, { apis: [{ id: 'restapi1', usagePlans: [{ id: added }] }] });

      expect(await planIdsOfKey(apiGateway, apiKeyId)).toEqual(sorted([added, administrators]));
    });

    test('renames and re-describes the key after the app', async () => {
      const planIds = await createUsagePlans(apiGateway, 1);
      const { apiKeyId } = await service.create(app(planIds));
      const renamed = unique('renamed');
      const newSlug = unique('slug');

      await service.update(apiKeyId, { appName: renamed, appSlug: newSlug, developer: DEVELOPER });

      expect(await readKey(apiGateway, apiKeyId)).toMatchObject({
        name: `${renamed} (${DEVELOPER})`,
        description: `Issued by the Sensedia Developer Portal credential webhook for app ${newSlug}`,
      });
    });

    test('rejects a key that does not exist with NotFoundError', async () => {
      const update = service.update(unique('missing'), { appName: 'x', developer: DEVELOPER });

      await expect(update).rejects.toBeInstanceOf(NotFoundError);
    });

    test('rejects a key this webhook did not issue with NotFoundError, leaving it untouched', async () => {
      const name = unique('foreign');
      const foreign = await apiGateway.send(new CreateApiKeyCommand({ name, enabled: true }));
      const keyId = foreign.id ?? '';

      const update = service.update(keyId, { appName: 'taken over', developer: DEVELOPER });

      await expect(update).rejects.toBeInstanceOf(NotFoundError);
      expect(await readKey(apiGateway, keyId)).toMatchObject({ name });
    });

    test('rejects a key tagged and marked as this webhook’s that its ledger does not list, leaving it untouched', async () => {
      const [planId = '', other = ''] = await createUsagePlans(apiGateway, 2);
      const name = unique('unrecorded');
      const keyId = await createTaggedKey(apiGateway, { name, marker: `${instance}.${randomLedgerId()}` });
      await bindKeyToPlan(apiGateway, planId, keyId);

      const update = service.update(keyId, {
        appName: 'taken over',
        developer: DEVELOPER,
        apis: [{ id: 'restapi1', usagePlans: [{ id: other }] }],
      });

      await expect(update).rejects.toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
      expect(await readKey(apiGateway, keyId)).toMatchObject({ name });
      expect(await plansListingKey(apiGateway, [planId, other], keyId)).toEqual([planId]);
    });
  });

  describe('revoke', () => {
    test('records the revoke in the ledger and deletes the key', async () => {
      const request = app(await createUsagePlans(apiGateway, 1));
      const { apiKeyId } = await service.create(request);

      await service.revoke(apiKeyId);

      await expect(readKey(apiGateway, apiKeyId)).rejects.toMatchObject({ name: 'NotFoundException' });
      expect(await recorded(request)).toMatchObject([{ state: 'revoked', credentialId: apiKeyId }]);
    });

    test('succeeds for a key that is already revoked', async () => {
      const { apiKeyId } = await service.create(app(await createUsagePlans(apiGateway, 1)));
      await service.revoke(apiKeyId);

      await expect(service.revoke(apiKeyId)).resolves.toBeUndefined();
    });

    test('succeeds for an issued key someone deleted around the webhook, and records the revoke', async () => {
      const request = app(await createUsagePlans(apiGateway, 1));
      const { apiKeyId } = await service.create(request);
      await new ApiGatewayKeyIssuer(apiGateway).deleteKey(apiKeyId);

      await expect(service.revoke(apiKeyId)).resolves.toBeUndefined();

      expect(await recorded(request)).toMatchObject([{ state: 'revoked', credentialId: apiKeyId }]);
    });

    test('rejects a key tagged and marked as this webhook’s that its ledger does not list, leaving it in place', async () => {
      const name = unique('unrecorded');
      const keyId = await createTaggedKey(apiGateway, { name, marker: `${instance}.${randomLedgerId()}` });

      const revoke = service.revoke(keyId);

      await expect(revoke).rejects.toBeInstanceOf(NotFoundError);
      expect(await readKey(apiGateway, keyId)).toMatchObject({ name });
    });
  });

  describe('recover', () => {
    test('returns the key and value create returned, while the ledger shows it issued', async () => {
      const created = await service.create(app(await createUsagePlans(apiGateway, 1)));

      await expect(service.recover(created.apiKeyId)).resolves.toEqual(created);
    });

    test('returns undefined for a revoked key, and for a key the ledger does not list', async () => {
      const { apiKeyId } = await service.create(app(await createUsagePlans(apiGateway, 1)));
      await service.revoke(apiKeyId);
      const unrecorded = await createTaggedKey(apiGateway, { marker: `${instance}.${randomLedgerId()}` });

      await expect(service.recover(apiKeyId)).resolves.toBeUndefined();
      await expect(service.recover(unrecorded)).resolves.toBeUndefined();
    });
  });
});
