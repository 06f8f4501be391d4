/**
 * ApiKeyService through the real ApiGatewayKeyIssuer, with the APIGatewayClient mocked and the
 * ledger in memory: every test asserts the API Gateway commands the service ends up sending (or
 * not sending). What the service records in the ledger is in api-key-service-ledger.test.ts.
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
  GetUsagePlanKeyCommand,
  GetUsagePlansCommand,
  NotFoundException,
  ServiceUnavailableException,
  TooManyRequestsException,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { ApiGatewayKeyIssuer } from '../../../lambda/adapters/aws/api-gateway-key-issuer';
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import { ApiKeyService, type ApiKeyServiceOptions } from '../../../lambda/credentials/api-key-service';
import type { AppDescription } from '../../../lambda/credentials/app';
import {
  NotFoundError,
  ThrottledError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
} from '../../../lambda/errors';
import { CREATED_AT, INSTANCE, keyGrants, revokeIssued, seedIssued } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const apiGateway = mockClient(APIGatewayClient);

const KEY_ID = 'k3y1d';
const KEY_VALUE = 'generated-key-value-0123456789';
const DEVELOPER = 'dev@example.com';
const ALLOWED_PLANS = ['p1', 'p2', 'p3', 'p4'];
const MANAGED_TAGS = { 'sensedia:managed-by': 'credential-webhook', 'sensedia:developer': DEVELOPER };
/** The tag that ties a key to its ledger entry: this deployment's instance and a new ledger id. */
const MARKER_TAG_VALUE = expect.stringMatching(new RegExp(`^${INSTANCE}\\.[a-z0-9]{16}$`));
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

let ledger: InMemoryLedger;

function service(options: Partial<ApiKeyServiceOptions> = {}): ApiKeyService {
  return new ApiKeyService(new ApiGatewayKeyIssuer(new APIGatewayClient({ region: 'us-east-1' })), ledger, {
    allowedUsagePlanIds: new Set(ALLOWED_PLANS),
    maxParallelCalls: 10,
    ...options,
  });
}

/** The ledger lists KEY_ID as issued by this webhook, bound to `plans`. */
const ownedKey = (plans: readonly string[] = ['p1']) =>
  seedIssued(ledger, KEY_ID, { grants: keyGrants(...plans) });

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
  ledger = new InMemoryLedger(INSTANCE);
});

describe('ApiKeyService.create', () => {
  beforeEach(() => {
    apiGateway.on(CreateApiKeyCommand).resolves({ id: KEY_ID, value: KEY_VALUE });
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});
    // A conflicting binding is not the key's own (an earlier attempt of the same call).
    apiGateway.on(GetUsagePlanKeyCommand).rejects(notFound());
    apiGateway.on(DeleteApiKeyCommand).resolves({});
  });

  test('creates an enabled key named after the app and developer, tagged as managed by the webhook and with its marker', async () => {
    await service().create(app([['p1']]));

    expect(apiGateway.commandCalls(CreateApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      {
        name: CURRENT_NAME,
        description: CURRENT_DESCRIPTION,
        enabled: true,
        value: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
        tags: { ...MANAGED_TAGS, 'sensedia:ledger-id': MARKER_TAG_VALUE, 'sensedia:app-slug': 'slug1' },
      },
    ]);
  });

  test('marks each key with a ledger entry of its own', async () => {
    apiGateway.on(CreateApiKeyCommand).resolvesOnce({ id: 'key1' }).resolvesOnce({ id: 'key2' });
    await service().create(app([['p1']]));
    await service().create(app([['p1']]));

    const [first, second] = apiGateway
      .commandCalls(CreateApiKeyCommand)
      .map(({ args: [command] }) => command.input.tags?.['sensedia:ledger-id']);
    expect(first).not.toBe(second);
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

  test('reports the key to onLeftover, as still there, when the half-made key cannot be deleted', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(DeleteApiKeyCommand).rejects(badRequest());
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, tags: MANAGED_TAGS });
    const onLeftover = jest.fn();

    await rejectionOf(service({ onLeftover }).create(app([['p1']])));

    expect(onLeftover).toHaveBeenCalledTimes(1);
    expect(onLeftover).toHaveBeenCalledWith(
      {
        kind: 'API_KEY',
        ledgerId: expect.stringMatching(/^[a-z0-9]{16}$/),
        credentialId: KEY_ID,
        status: 'exists',
      },
      expect.any(UpstreamError),
    );
  });

  test('checks that the half-made key is still there before reporting it', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(DeleteApiKeyCommand).rejects(badRequest());
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, tags: MANAGED_TAGS });

    await rejectionOf(service({ onLeftover: jest.fn() }).create(app([['p1']])));

    expect(apiGateway).toHaveReceivedCommandWith(GetApiKeyCommand, { apiKey: KEY_ID, includeValue: false });
  });

  test('does not report a half-made key whose delete failed but that is gone', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(DeleteApiKeyCommand).rejects(badRequest());
    apiGateway.on(GetApiKeyCommand).rejects(notFound());
    const onLeftover = jest.fn();

    await rejectionOf(service({ onLeftover }).create(app([['p1']])));

    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('still reports the binding error when the half-made key cannot be deleted', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(DeleteApiKeyCommand).rejects(badRequest());
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, tags: MANAGED_TAGS });

    const error = await rejectionOf(service().create(app([['p1']])));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_CONFLICT' });
  });

  test('does not call onLeftover when the half-made key is deleted', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    const onLeftover = jest.fn();

    await rejectionOf(service({ onLeftover }).create(app([['p1']])));

    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('binds nothing when the key cannot be created, and reports the mapped AWS failure', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(throttled());

    const error = await rejectionOf(service().create(app([['p1']])));

    expect(error).toBeInstanceOf(ThrottledError);
    expect(apiGateway).not.toHaveReceivedCommand(CreateUsagePlanKeyCommand);
  });

  test('answers a create whose answer was lost with 503, binding nothing and deleting nothing', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(unavailable());

    const error = await rejectionOf(service().create(app([['p1']])));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(apiGateway).not.toHaveReceivedCommand(CreateUsagePlanKeyCommand);
    expect(apiGateway).not.toHaveReceivedCommand(DeleteApiKeyCommand);
  });

  test('answers a create that conflicts with its own earlier attempt with 503, not looking for the key', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(conflict());

    const error = await rejectionOf(service().create(app([['p1']])));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(apiGateway.calls()).toHaveLength(1);
  });
});

describe('ApiKeyService.update', () => {
  /** The key as create left it (and as the ledger lists it), currently bound to `currentPlans`. */
  async function existingKey(
    currentPlans: readonly string[],
    tags: Record<string, string> = MANAGED_TAGS,
  ): Promise<void> {
    await ownedKey(currentPlans.filter((id) => ALLOWED_PLANS.includes(id)));
    apiGateway
      .on(GetApiKeyCommand)
      .resolves({ id: KEY_ID, name: CURRENT_NAME, description: CURRENT_DESCRIPTION, tags });
    apiGateway.on(GetUsagePlansCommand).resolves({ items: currentPlans.map((id) => ({ id })) });
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});
    apiGateway.on(GetUsagePlanKeyCommand).rejects(notFound());
    apiGateway.on(DeleteUsagePlanKeyCommand).resolves({});
    apiGateway.on(UpdateApiKeyCommand).resolves({});
  }

  function expectNothingModified(): void {
    expect(apiGateway).not.toHaveReceivedCommand(CreateUsagePlanKeyCommand);
    expect(apiGateway).not.toHaveReceivedCommand(DeleteUsagePlanKeyCommand);
    expect(apiGateway).not.toHaveReceivedCommand(UpdateApiKeyCommand);
  }

  test('reads the key and the usage plans it is in', async () => {
    await existingKey(['p1']);

    await service().update(KEY_ID, { apis: apisListing(['p1']) });

    expect(apiGateway).toHaveReceivedCommandWith(GetApiKeyCommand, { apiKey: KEY_ID, includeValue: false });
    expect(apiGateway).toHaveReceivedCommandWith(GetUsagePlansCommand, { keyId: KEY_ID });
  });

  test('counts the plans it may not detach towards the limit of 10, changing nothing when over it', async () => {
    const allowed = Array.from({ length: 9 }, (_, i) => `a${i}`);
    await existingKey(['foreign1', 'foreign2']);

    const error = await service({ allowedUsagePlanIds: new Set(allowed) })
      .update(KEY_ID, { apis: apisListing(allowed) })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 422, code: 'TOO_MANY_USAGE_PLANS' });
    expectNothingModified();
  });

  test('binds the key to the listed plans it is not in yet, and only to those', async () => {
    await existingKey(['p1', 'p2']);

    await service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) });

    expect(bindings()).toEqual([bindingOf('p3')]);
  });

  test('detaches the key from the plans no longer listed, and only from those', async () => {
    await existingKey(['p1', 'p2']);

    await service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) });

    expect(unbindings()).toEqual([unbindingOf('p1')]);
  });

  test('never detaches the key from a usage plan outside the allow-list', async () => {
    await existingKey(['p1', 'admin-plan']);

    await service().update(KEY_ID, { apis: apisListing(['p1']) });

    expect(apiGateway).not.toHaveReceivedCommand(DeleteUsagePlanKeyCommand);
  });

  test('refuses a usage plan outside the allow-list with 422 USAGE_PLAN_NOT_ALLOWED before calling AWS', async () => {
    await existingKey(['p1']);

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p1', 'foreign']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_ALLOWED' });
    expect(apiGateway.calls()).toHaveLength(0);
  });

  test('does not list or change usage plans when the request has no apis', async () => {
    await existingKey(['p1']);

    await service().update(KEY_ID, { appName: 'renamed app', developer: DEVELOPER });

    expect(apiGateway).not.toHaveReceivedCommand(GetUsagePlansCommand);
    expect(apiGateway).not.toHaveReceivedCommand(CreateUsagePlanKeyCommand);
    expect(apiGateway).not.toHaveReceivedCommand(DeleteUsagePlanKeyCommand);
  });

  test('renames the key when the app name changes', async () => {
    await existingKey(['p1']);

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
    await existingKey(['p1']);

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
    await existingKey(['p1']);

    await service().update(KEY_ID, {
      appName: 'my app',
      appSlug: 'slug1',
      developer: DEVELOPER,
      apis: apisListing(['p1']),
    });

    expect(apiGateway).not.toHaveReceivedCommand(UpdateApiKeyCommand);
  });

  test('keeps the name when the app name comes without the developer', async () => {
    await existingKey(['p1']);

    await service().update(KEY_ID, { appName: 'renamed app' });

    expect(apiGateway).not.toHaveReceivedCommand(UpdateApiKeyCommand);
  });

  test('answers an unknown key with 404 CREDENTIAL_NOT_FOUND', async () => {
    await existingKey([]);
    apiGateway.on(GetApiKeyCommand).rejects(notFound());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p1']) }));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('modifies nothing for an unknown key', async () => {
    await existingKey([]);
    apiGateway.on(GetApiKeyCommand).rejects(notFound());

    await rejectionOf(
      service().update(KEY_ID, { appName: 'x', developer: DEVELOPER, apis: apisListing(['p1']) }),
    );

    expectNothingModified();
  });

  test('answers 404 for a key tagged as managed by the webhook that the ledger does not list, calling no AWS', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, name: CURRENT_NAME, tags: MANAGED_TAGS });
    apiGateway.on(GetUsagePlansCommand).resolves({ items: [{ id: 'p2' }] });

    const error = await rejectionOf(
      service().update(KEY_ID, { appName: 'x', developer: DEVELOPER, apis: apisListing(['p1']) }),
    );

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expectNothingModified();
  });

  test('answers 404 for a key the ledger shows revoked, modifying nothing', async () => {
    await existingKey(['p2']);
    await revokeIssued(ledger, 'API_KEY', KEY_ID, CREATED_AT + 60_000);

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p1']) }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expectNothingModified();
  });

  test('updates a key the ledger lists whatever its tags say', async () => {
    await existingKey(['p1'], {});

    await service().update(KEY_ID, { apis: apisListing(['p1', 'p2']) });

    expect(bindings()).toEqual([bindingOf('p2')]);
  });

  test('reports a refused binding as 422 and re-binds the plan it had detached meanwhile', async () => {
    await existingKey(['p1', 'p2']);
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p3' }).rejects(conflict());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_CONFLICT' });
    // p1 detached, then the undo: p3 detached in case its answer was lost, p1 bound again.
    expectSameItems(unbindings(), [unbindingOf('p1'), unbindingOf('p3')]);
    expectSameItems(bindings(), [bindingOf('p3'), bindingOf('p1')]);
  });

  test('reports a throttled detach as 429 and detaches the plan it had added meanwhile', async () => {
    await existingKey(['p1', 'p2']);
    apiGateway.on(DeleteUsagePlanKeyCommand, { usagePlanId: 'p1' }).rejects(throttled());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p2', 'p3']) }));

    expect(error).toBeInstanceOf(ThrottledError);
    // p3 bound, then the undo: p1 bound again in case its detach went through, p3 detached.
    expectSameItems(bindings(), [bindingOf('p3'), bindingOf('p1')]);
    expectSameItems(unbindings(), [unbindingOf('p1'), unbindingOf('p3')]);
  });

  test('undoes the binding changes when renaming the key fails', async () => {
    await existingKey(['p1']);
    apiGateway.on(UpdateApiKeyCommand).rejects(accessDenied());

    const error = await rejectionOf(
      service().update(KEY_ID, { appName: 'renamed', developer: DEVELOPER, apis: apisListing(['p2']) }),
    );

    expect(error).toBeInstanceOf(UpstreamError);
    expectSameItems(unbindings(), [unbindingOf('p1'), unbindingOf('p2')]);
    expectSameItems(bindings(), [bindingOf('p2'), bindingOf('p1')]);
  });

  test('undoes the changes made and the one that failed, and leaves alone those that never started', async () => {
    await existingKey(['p1']);
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p3' }).rejects(notFound());

    // One call at a time: bind p2 (done), bind p3 (refused), detach p1 (never started).
    await rejectionOf(service({ maxParallelCalls: 1 }).update(KEY_ID, { apis: apisListing(['p2', 'p3']) }));

    expectSameItems(unbindings(), [unbindingOf('p2'), unbindingOf('p3')]);
    expect(bindings()).toEqual([bindingOf('p2'), bindingOf('p3')]);
  });

  test('reports the original failure when the undo fails too', async () => {
    await existingKey(['p1']);
    apiGateway.on(CreateUsagePlanKeyCommand, { usagePlanId: 'p3' }).rejects(notFound());
    apiGateway.on(DeleteUsagePlanKeyCommand).rejects(unavailable());

    const error = await rejectionOf(service().update(KEY_ID, { apis: apisListing(['p1', 'p2', 'p3']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_FOUND' });
    expectSameItems(unbindings(), [unbindingOf('p2'), unbindingOf('p3')]);
  });

  test('follows the pages of GetUsagePlans and detaches plans found on a later page', async () => {
    await existingKey([]);
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
  beforeEach(async () => {
    await ownedKey();
  });

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

  test('returns undefined, reading nothing from AWS, for a key the ledger does not list', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: 'other', value: KEY_VALUE, tags: MANAGED_TAGS });

    await expect(service().recover('other')).resolves.toBeUndefined();
    expect(apiGateway.calls()).toHaveLength(0);
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
  test('deletes the key the ledger lists', async () => {
    await ownedKey();
    apiGateway.on(DeleteApiKeyCommand).resolves({});

    await service().revoke(KEY_ID);

    expect(apiGateway.commandCalls(DeleteApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      { apiKey: KEY_ID },
    ]);
  });

  test('answers 404, calling no AWS, for a key the ledger does not list', async () => {
    apiGateway.on(DeleteApiKeyCommand).resolves({});

    const error = await rejectionOf(service().revoke(KEY_ID));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(apiGateway.calls()).toHaveLength(0);
  });

  test('answers 502 when IAM refuses to delete a key the ledger lists: it is not gone', async () => {
    await ownedKey();
    apiGateway.on(DeleteApiKeyCommand).rejects(accessDenied());

    const error = await rejectionOf(service().revoke(KEY_ID));

    expect(error).toBeInstanceOf(UpstreamError);
  });

  test('is one call to API Gateway', async () => {
    await ownedKey();
    apiGateway.on(DeleteApiKeyCommand).resolves({});

    await service().revoke(KEY_ID);

    expect(apiGateway.calls()).toHaveLength(1);
  });

  test('resolves when the key is already gone', async () => {
    await ownedKey();
    apiGateway.on(DeleteApiKeyCommand).rejects(notFound());

    await expect(service().revoke(KEY_ID)).resolves.toBeUndefined();
  });

  test('reports a throttled delete as 429', async () => {
    await ownedKey();
    apiGateway.on(DeleteApiKeyCommand).rejects(throttled());

    await expect(service().revoke(KEY_ID)).rejects.toBeInstanceOf(ThrottledError);
  });
});
