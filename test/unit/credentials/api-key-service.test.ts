/**
 * ApiKeyService through the real ApiGatewayKeyIssuer, with the APIGatewayClient mocked: every test
 * asserts the API Gateway commands the service ends up sending (or not sending).
 */

import {
  APIGatewayClient,
  APIGatewayServiceException,
  BadRequestException,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  type CreateUsagePlanKeyCommandInput,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  type DeleteUsagePlanKeyCommandInput,
  GetApiKeyCommand,
  GetUsagePlansCommand,
  NotFoundException,
  ServiceUnavailableException,
  TooManyRequestsException,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { ApiGatewayKeyIssuer } from '../../../lambda/adapters/aws/api-gateway-key-issuer';
import { ApiKeyService, type ApiKeyServiceOptions } from '../../../lambda/credentials/api-key-service';
import type { AppDescription } from '../../../lambda/credentials/app';
import {
  NotFoundError,
  ThrottledError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
} from '../../../lambda/errors';
import { rejectionOf } from '../../support/promises';

const apiGateway = mockClient(APIGatewayClient);

const KEY_ID = 'k3y1d';
const KEY_VALUE = 'generated-key-value-0123456789';
const DEVELOPER = 'dev@example.com';
const ALLOWED_PLANS = ['p1', 'p2', 'p3', 'p4'];
const MANAGED_TAGS = { 'sensedia:managed-by': 'credential-webhook', 'sensedia:developer': DEVELOPER };
/** The name and description create gives an app named "my app" with slug "slug1". */
const CURRENT_NAME = `my app (${DEVELOPER})`;
const CURRENT_DESCRIPTION = 'Issued by the Sensedia Developer Portal credential webhook for app slug1';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const notFound = () => new NotFoundException({ message: 'Invalid identifier specified', ...meta(404) });
const conflict = () => new ConflictException({ message: 'already in a plan on this stage', ...meta(409) });
const badRequest = () => new BadRequestException({ message: 'bad usage plan', ...meta(400) });
const throttled = () => new TooManyRequestsException({ message: 'Too Many Requests', ...meta(429) });
const unavailable = () => new ServiceUnavailableException({ message: 'try later', ...meta(503) });
const accessDenied = () =>
  new APIGatewayServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    message: 'not authorized',
    ...meta(403),
  });

function service(options: Partial<ApiKeyServiceOptions> = {}): ApiKeyService {
  return new ApiKeyService(new ApiGatewayKeyIssuer(new APIGatewayClient({ region: 'us-east-1' })), {
    allowedUsagePlanIds: new Set(ALLOWED_PLANS),
    maxParallelCalls: 10,
    ...options,
  });
}

/** An app with one API per entry of `plansByApi`, each listing those usage plans. */
function app(
  plansByApi: readonly (readonly string[])[],
  overrides: Partial<AppDescription> = {},
): AppDescription {
  return {
    appName: 'my app',
    appSlug: 'slug1',
    developer: DEVELOPER,
    apis: plansByApi.map((plans, index) => ({ id: `api${index}`, usagePlans: plans.map((id) => ({ id })) })),
    ...overrides,
  };
}

const apisListing = (plans: readonly string[]): AppDescription['apis'] => [
  { id: 'api0', usagePlans: plans.map((id) => ({ id })) },
];

const bindings = (): CreateUsagePlanKeyCommandInput[] =>
  apiGateway.commandCalls(CreateUsagePlanKeyCommand).map(({ args: [command] }) => command.input);
const unbindings = (): DeleteUsagePlanKeyCommandInput[] =>
  apiGateway.commandCalls(DeleteUsagePlanKeyCommand).map(({ args: [command] }) => command.input);
const bindingOf = (usagePlanId: string) => ({ usagePlanId, keyId: KEY_ID, keyType: 'API_KEY' });
const unbindingOf = (usagePlanId: string) => ({ usagePlanId, keyId: KEY_ID });

/** Same items, any order: parallel calls have no order to promise. */
function expectSameItems<T>(actual: readonly T[], expected: readonly T[]): void {
  expect(actual).toHaveLength(expected.length);
  expect(actual).toEqual(expect.arrayContaining([...expected]));
}

beforeEach(() => {
  apiGateway.reset();
});

describe('ApiKeyService.create', () => {
  beforeEach(() => {
    apiGateway.on(CreateApiKeyCommand).resolves({ id: KEY_ID, value: KEY_VALUE });
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});
    apiGateway.on(DeleteApiKeyCommand).resolves({});
  });

  test('creates an enabled key named after the app and developer, tagged as managed by the webhook', async () => {
    await service().create(app([['p1']]));

    expect(apiGateway.commandCalls(CreateApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      {
        name: CURRENT_NAME,
        description: CURRENT_DESCRIPTION,
        enabled: true,
        value: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
        tags: { ...MANAGED_TAGS, 'sensedia:app-slug': 'slug1' },
      },
    ]);
  });

  test('returns the key id and value as an API_KEY credential', async () => {
    const credential = await service().create(app([['p1']]));

    expect(credential).toEqual({
      credentialType: 'API_KEY',
      apiKeyId: KEY_ID,
      apiKey: apiGateway.commandCalls(CreateApiKeyCommand)[0]?.args[0].input.value,
      customCredentials: { apiKeyHeader: 'x-api-key' },
    });
    expect(credential.apiKey).toMatch(/^[A-Za-z0-9]{40}$/);
  });

  test('binds the new key once to every distinct usage plan listed across the APIs', async () => {
    await service().create(
      app([
        ['p1', 'p2'],
        ['p2', 'p3'],
      ]),
    );

    expectSameItems(bindings(), [bindingOf('p1'), bindingOf('p2'), bindingOf('p3')]);
  });

  test('refuses a usage plan outside the allow-list with 422 USAGE_PLAN_NOT_ALLOWED before calling AWS', async () => {
    const error = await rejectionOf(service().create(app([['p1', 'foreign']])));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_ALLOWED' });
    expect(apiGateway.calls()).toHaveLength(0);
  });

  test('refuses more than 10 usage plans with 422 TOO_MANY_USAGE_PLANS before calling AWS', async () => {
    const elevenPlans = Array.from({ length: 11 }, (_, index) => `plan${index}`);

    const error = await rejectionOf(service({ allowedUsagePlanIds: 'any' }).create(app([elevenPlans])));

    expect(error).toMatchObject({ status: 422, code: 'TOO_MANY_USAGE_PLANS' });
    expect(apiGateway.calls()).toHaveLength(0);
  });

  test('accepts exactly 10 usage plans', async () => {
    const tenPlans = Array.from({ length: 10 }, (_, index) => `plan${index}`);

    await service({ allowedUsagePlanIds: 'any' }).create(app([tenPlans]));

    expect(apiGateway).toHaveReceivedCommandTimes(CreateUsagePlanKeyCommand, 10);
  });

  test('refuses an app without usage plans with 422 NO_USAGE_PLAN before calling AWS', async () => {
    const withoutPlans = app([], { apis: [{ id: 'api0' }, { id: 'api1', usagePlans: [] }] });

    const error = await rejectionOf(service().create(withoutPlans));

    expect(error).toMatchObject({ status: 422, code: 'NO_USAGE_PLAN' });
    expect(apiGateway.calls()).toHaveLength(0);
  });

  test.each([
    { exception: 'NotFoundException', refusal: notFound, code: 'USAGE_PLAN_NOT_FOUND' },
    { exception: 'ConflictException', refusal: conflict, code: 'USAGE_PLAN_CONFLICT' },
    { exception: 'BadRequestException', refusal: badRequest, code: 'USAGE_PLAN_REFUSED' },
  ])('answers a binding refused with $exception with 422 $code', async ({ refusal, code }) => {
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p2' }).rejects(refusal());

    const error = await rejectionOf(service().create(app([['p1', 'p2']])));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code });
  });

  test.each([
    ['NotFoundException', notFound],
    ['ConflictException', conflict],
    ['BadRequestException', badRequest],
  ])('deletes the new key when a binding is refused with %s', async (_name, refusal) => {
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p2' }).rejects(refusal());

    await rejectionOf(service().create(app([['p1', 'p2']])));

    expect(apiGateway).toHaveReceivedCommandTimes(DeleteApiKeyCommand, 1);
    expect(apiGateway).toHaveReceivedCommandWith(DeleteApiKeyCommand, { apiKey: KEY_ID });
  });

  test('answers a throttled binding with 429 and a Retry-After header', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(throttled());

    const error = await rejectionOf(service().create(app([['p1']])));

    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
  });

  test('deletes the new key when a binding is throttled', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(throttled());

    await rejectionOf(service().create(app([['p1']])));

    expect(apiGateway).toHaveReceivedCommandWith(DeleteApiKeyCommand, { apiKey: KEY_ID });
  });

  test('reports the key id to onOrphan when the half-made key cannot be deleted', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(DeleteApiKeyCommand).rejects(unavailable());
    const onOrphan = jest.fn();

    await rejectionOf(service({ onOrphan }).create(app([['p1']])));

    expect(onOrphan).toHaveBeenCalledTimes(1);
    expect(onOrphan).toHaveBeenCalledWith(KEY_ID, expect.any(UnavailableError));
  });

  test('reports the key id to onOrphan when IAM refuses to delete the half-made key', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(DeleteApiKeyCommand).rejects(accessDenied());
    const onOrphan = jest.fn();

    await rejectionOf(service({ onOrphan }).create(app([['p1']])));

    expect(onOrphan).toHaveBeenCalledWith(KEY_ID, expect.any(Error));
  });

  test('still reports the binding error when the half-made key cannot be deleted', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(DeleteApiKeyCommand).rejects(unavailable());

    const error = await rejectionOf(service().create(app([['p1']])));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_CONFLICT' });
  });

  test('does not call onOrphan when the half-made key is deleted', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    const onOrphan = jest.fn();

    await rejectionOf(service({ onOrphan }).create(app([['p1']])));

    expect(onOrphan).not.toHaveBeenCalled();
  });

  test('binds nothing when the key cannot be created, and reports the mapped AWS failure', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(throttled());

    const error = await rejectionOf(service().create(app([['p1']])));

    expect(error).toBeInstanceOf(ThrottledError);
    expect(apiGateway).not.toHaveReceivedCommand(CreateUsagePlanKeyCommand);
  });
});

describe('ApiKeyService.update', () => {
  /** The key as create left it, currently bound to `currentPlans`. */
  function existingKey(currentPlans: readonly string[], tags: Record<string, string> = MANAGED_TAGS): void {
    apiGateway
      .on(GetApiKeyCommand)
      .resolves({ id: KEY_ID, name: CURRENT_NAME, description: CURRENT_DESCRIPTION, tags });
    apiGateway.on(GetUsagePlansCommand).resolves({ items: currentPlans.map((id) => ({ id })) });
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});
    apiGateway.on(DeleteUsagePlanKeyCommand).resolves({});
    apiGateway.on(UpdateApiKeyCommand).resolves({});
  }

  function expectNothingModified(): void {
    expect(apiGateway).not.toHaveReceivedCommand(CreateUsagePlanKeyCommand);
    expect(apiGateway).not.toHaveReceivedCommand(DeleteUsagePlanKeyCommand);
    expect(apiGateway).not.toHaveReceivedCommand(UpdateApiKeyCommand);
  }

  test('reads the key and the usage plans it is in', async () => {
    existingKey(['p1']);

    await service().update(KEY_ID, { apis: apisListing(['p1']) });

    expect(apiGateway).toHaveReceivedCommandWith(GetApiKeyCommand, { apiKey: KEY_ID, includeValue: false });
    expect(apiGateway).toHaveReceivedCommandWith(GetUsagePlansCommand, { keyId: KEY_ID });
  });

  test('counts the plans it may not detach towards the limit of 10, changing nothing when over it', async () => {
    const allowed = Array.from({ length: 9 }, (_, i) => `a${i}`);
    existingKey(['foreign1', 'foreign2']);

    const error = await service({ allowedUsagePlanIds: new Set(allowed) })
      .update(KEY_ID, { apis: apisListing(allowed) })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 422, code: 'TOO_MANY_USAGE_PLANS' });
    expectNothingModified();
  });

  test('binds the key to the listed plans it is not in yet, and only to those', async () => {
    existingKey(['p1', 'p2']);

    await service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) });

    expect(bindings()).toEqual([bindingOf('p3')]);
  });

  test('detaches the key from the plans no longer listed, and only from those', async () => {
    existingKey(['p1', 'p2']);

    await service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) });

    expect(unbindings()).toEqual([unbindingOf('p1')]);
  });

  test('never detaches the key from a usage plan outside the allow-list', async () => {
    existingKey(['p1', 'admin-plan']);

    await service().update(KEY_ID, { apis: apisListing(['p1']) });

    expect(apiGateway).not.toHaveReceivedCommand(DeleteUsagePlanKeyCommand);
  });

  test('refuses a usage plan outside the allow-list with 422 USAGE_PLAN_NOT_ALLOWED before calling AWS', async () => {
    existingKey(['p1']);

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p1', 'foreign']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_ALLOWED' });
    expect(apiGateway.calls()).toHaveLength(0);
  });

  test('does not list or change usage plans when the request has no apis', async () => {
    existingKey(['p1']);

    await service().update(KEY_ID, { appName: 'renamed app', developer: DEVELOPER });

    expect(apiGateway).not.toHaveReceivedCommand(GetUsagePlansCommand);
    expect(apiGateway).not.toHaveReceivedCommand(CreateUsagePlanKeyCommand);
    expect(apiGateway).not.toHaveReceivedCommand(DeleteUsagePlanKeyCommand);
  });

  test('renames the key when the app name changes', async () => {
    existingKey(['p1']);

    await service().update(KEY_ID, { appName: 'renamed app', appSlug: 'slug1', developer: DEVELOPER });

    expect(apiGateway.commandCalls(UpdateApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      {
        apiKey: KEY_ID,
        patchOperations: [
          { op: 'replace', path: '/name', value: `renamed app (${DEVELOPER})` },
          { op: 'replace', path: '/description', value: CURRENT_DESCRIPTION },
        ],
      },
    ]);
  });

  test('re-describes the key when the app slug changes, keeping its name', async () => {
    existingKey(['p1']);

    await service().update(KEY_ID, { appSlug: 'slug2' });

    expect(apiGateway.commandCalls(UpdateApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      {
        apiKey: KEY_ID,
        patchOperations: [
          { op: 'replace', path: '/name', value: CURRENT_NAME },
          {
            op: 'replace',
            path: '/description',
            value: 'Issued by the Sensedia Developer Portal credential webhook for app slug2',
          },
        ],
      },
    ]);
  });

  test('sends no UpdateApiKey when the name and description stay the same', async () => {
    existingKey(['p1']);

    await service().update(KEY_ID, {
      appName: 'my app',
      appSlug: 'slug1',
      developer: DEVELOPER,
      apis: apisListing(['p1']),
    });

    expect(apiGateway).not.toHaveReceivedCommand(UpdateApiKeyCommand);
  });

  test('keeps the name when the app name comes without the developer', async () => {
    existingKey(['p1']);

    await service().update(KEY_ID, { appName: 'renamed app' });

    expect(apiGateway).not.toHaveReceivedCommand(UpdateApiKeyCommand);
  });

  test('answers an unknown key with 404 CREDENTIAL_NOT_FOUND', async () => {
    existingKey([]);
    apiGateway.on(GetApiKeyCommand).rejects(notFound());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p1']) }));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('modifies nothing for an unknown key', async () => {
    existingKey([]);
    apiGateway.on(GetApiKeyCommand).rejects(notFound());

    await rejectionOf(
      service().update(KEY_ID, { appName: 'x', developer: DEVELOPER, apis: apisListing(['p1']) }),
    );

    expectNothingModified();
  });

  test.each([
    ['no tags', {}],
    ['another manager', { 'sensedia:managed-by': 'someone-else' }],
  ])('answers a key with %s with 404 and modifies nothing', async (_case, tags) => {
    existingKey(['p2'], tags);

    const error = await rejectionOf(
      service().update(KEY_ID, { appName: 'x', developer: DEVELOPER, apis: apisListing(['p1']) }),
    );

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expectNothingModified();
  });

  test('reports a refused binding as 422 and re-binds the plan it had detached meanwhile', async () => {
    existingKey(['p1', 'p2']);
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p3' }).rejects(conflict());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_CONFLICT' });
    // p1 detached, then the undo: p3 detached in case its answer was lost, p1 bound again.
    expectSameItems(unbindings(), [unbindingOf('p1'), unbindingOf('p3')]);
    expectSameItems(bindings(), [bindingOf('p3'), bindingOf('p1')]);
  });

  test('reports a throttled detach as 429 and detaches the plan it had added meanwhile', async () => {
    existingKey(['p1', 'p2']);
    apiGateway.on(DeleteUsagePlanKeyCommand, { usagePlanId: 'p1' }).rejects(throttled());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) }));

    expect(error).toBeInstanceOf(ThrottledError);
    // p3 bound, then the undo: p1 bound again in case its detach went through, p3 detached.
    expectSameItems(bindings(), [bindingOf('p3'), bindingOf('p1')]);
    expectSameItems(unbindings(), [unbindingOf('p1'), unbindingOf('p3')]);
  });

  test('undoes the binding changes when renaming the key fails', async () => {
    existingKey(['p1']);
    apiGateway.on(UpdateApiKeyCommand).rejects(accessDenied());

    const error = await rejectionOf(
      service().update(KEY_ID, { appName: 'renamed', developer: DEVELOPER, apis: apisListing(['p2']) }),
    );

    expect(error).toBeInstanceOf(UpstreamError);
    expectSameItems(unbindings(), [unbindingOf('p1'), unbindingOf('p2')]);
    expectSameItems(bindings(), [bindingOf('p2'), bindingOf('p1')]);
  });

  test('undoes the changes made and the one that failed, and leaves alone those that never started', async () => {
    existingKey(['p1']);
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p3' }).rejects(notFound());

    // One call at a time: bind p2 (done), bind p3 (refused), detach p1 (never started).
    await rejectionOf(service({ maxParallelCalls: 1 }).update(KEY_ID, { apis: apisListing(['p2', 'p3']) }));

    expectSameItems(unbindings(), [unbindingOf('p2'), unbindingOf('p3')]);
    expect(bindings()).toEqual([bindingOf('p2'), bindingOf('p3')]);
  });

  test('reports the original failure when the undo fails too', async () => {
    existingKey(['p1']);
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p3' }).rejects(notFound());
    apiGateway.on(DeleteUsagePlanKeyCommand).rejects(unavailable());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p1', 'p2', 'p3']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_FOUND' });
    expectSameItems(unbindings(), [unbindingOf('p2'), unbindingOf('p3')]);
  });

  test('follows the pages of GetUsagePlans and detaches plans found on a later page', async () => {
    existingKey([]);
    apiGateway
      .on(GetUsagePlansCommand)
      .resolvesOnce({ items: [{ id: 'p1' }], position: 'page-2' })
      .resolvesOnce({ items: [{ id: 'p2' }] });

    await service().update(KEY_ID, { apis: apisListing(['p1']) });

    expect(apiGateway).toHaveReceivedNthSpecificCommandWith(2, GetUsagePlansCommand, {
      keyId: KEY_ID,
      position: 'page-2',
    });
    expect(unbindings()).toEqual([unbindingOf('p2')]);
  });
});

describe('ApiKeyService.recover', () => {
  test('reads the key with its value', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, value: KEY_VALUE, tags: MANAGED_TAGS });

    await service().recover(KEY_ID);

    expect(apiGateway.commandCalls(GetApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      { apiKey: KEY_ID, includeValue: true },
    ]);
  });

  test('returns the credential of a key the webhook issued', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, value: KEY_VALUE, tags: MANAGED_TAGS });

    await expect(service().recover(KEY_ID)).resolves.toEqual({
      credentialType: 'API_KEY',
      apiKeyId: KEY_ID,
      apiKey: KEY_VALUE,
      customCredentials: { apiKeyHeader: 'x-api-key' },
    });
  });

  test('returns undefined for a key that no longer exists', async () => {
    apiGateway.on(GetApiKeyCommand).rejects(notFound());

    await expect(service().recover(KEY_ID)).resolves.toBeUndefined();
  });

  test('returns undefined for a key the webhook did not issue', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, value: KEY_VALUE, tags: {} });

    await expect(service().recover(KEY_ID)).resolves.toBeUndefined();
  });

  test('returns undefined when API Gateway returns no value', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, tags: MANAGED_TAGS });

    await expect(service().recover(KEY_ID)).resolves.toBeUndefined();
  });

  test('reports a throttled read as 429', async () => {
    apiGateway.on(GetApiKeyCommand).rejects(throttled());

    await expect(service().recover(KEY_ID)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('ApiKeyService.revoke', () => {
  test('deletes the key', async () => {
    apiGateway.on(DeleteApiKeyCommand).resolves({});

    await service().revoke(KEY_ID);

    expect(apiGateway.commandCalls(DeleteApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      { apiKey: KEY_ID },
    ]);
  });

  test('answers 404 for a key IAM does not let it delete because the webhook did not issue it', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(accessDenied());
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, tags: { owner: 'someone else' } });

    const error = await rejectionOf(service().revoke(KEY_ID));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('answers 502 when IAM refuses to delete a key the webhook did issue: it is not gone', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(accessDenied());
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, tags: MANAGED_TAGS });

    const error = await rejectionOf(service().revoke(KEY_ID));

    expect(error).toBeInstanceOf(UpstreamError);
  });

  test('reads the key only when the delete is refused: a revoke is one call', async () => {
    apiGateway.on(DeleteApiKeyCommand).resolves({});

    await service().revoke(KEY_ID);

    expect(apiGateway.calls()).toHaveLength(1);
  });

  test('resolves when the key is already gone', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(notFound());

    await expect(service().revoke(KEY_ID)).resolves.toBeUndefined();
  });

  test('reports a throttled delete as 429', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(throttled());

    await expect(service().revoke(KEY_ID)).rejects.toBeInstanceOf(ThrottledError);
  });
});
