/**
 * ApiKeyService over ApiGatewayKeyIssuer and a real APIGatewayClient, against moto. Every outcome
 * is read back from moto with separate SDK calls, not through the code under test.
 */
import {
  type APIGatewayClient,
  ConflictException,
  CreateApiKeyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-api-gateway';
import { ApiGatewayKeyIssuer } from '../../lambda/adapters/aws/api-gateway-key-issuer';
import { MAX_PARALLEL_AWS_CALLS } from '../../lambda/compose';
import { ApiKeyService } from '../../lambda/credentials/api-key-service';
import type { AppDescription } from '../../lambda/credentials/app';
import { NotFoundError, ThrottledError, UnprocessableError } from '../../lambda/errors';
import {
  createUsagePlans,
  failNthCall,
  keyIdsNamed,
  motoApiGateway,
  planIdsOfKey,
  plansListingKey,
  readKey,
  unique,
} from './aws';

const DEVELOPER = 'dev@example.com';

function serviceOver(client: APIGatewayClient): ApiKeyService {
  return new ApiKeyService(new ApiGatewayKeyIssuer(client), {
    allowedUsagePlanIds: 'any',
    maxParallelCalls: MAX_PARALLEL_AWS_CALLS,
  });
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

describe('ApiKeyService on API Gateway (moto)', () => {
  const apiGateway = motoApiGateway();
  const service = serviceOver(apiGateway);

  afterAll(() => apiGateway.destroy());

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
        },
      });
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
      'deletes the new key when a binding fails with $refusal, and reports it',
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
  });

  describe('revoke', () => {
    test('deletes the key', async () => {
      const { apiKeyId } = await service.create(app(await createUsagePlans(apiGateway, 1)));

      await service.revoke(apiKeyId);

      await expect(readKey(apiGateway, apiKeyId)).rejects.toMatchObject({ name: 'NotFoundException' });
    });

    test('succeeds for a key that is already deleted', async () => {
      const { apiKeyId } = await service.create(app(await createUsagePlans(apiGateway, 1)));
      await service.revoke(apiKeyId);

      await expect(service.revoke(apiKeyId)).resolves.toBeUndefined();
    });
  });
});
