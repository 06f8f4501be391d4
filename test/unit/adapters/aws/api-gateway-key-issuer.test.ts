/** ApiGatewayKeyIssuer over a mocked APIGatewayClient: the exact commands, and how AWS answers map. */
import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeyCommand,
  GetUsagePlansCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { ApiGatewayKeyIssuer } from '../../../../lambda/adapters/aws/api-gateway-key-issuer';
import { BindingRefusedError, OutcomeUnknownError } from '../../../../lambda/credentials/ports';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../../lambda/errors';
import { apiGatewayErrors, timeoutError } from '../../../support/aws-errors';

const apiGateway = mockClient(APIGatewayClient);

const KEY_ID = 'k3y1d';
const PLAN_ID = 'pl4n1';

const { notFound, conflict, badRequest, throttled, unavailable, unauthorized, accessDenied } =
  apiGatewayErrors;

const issuer = () => new ApiGatewayKeyIssuer(new APIGatewayClient({ region: 'us-east-1' }));

beforeEach(() => {
  apiGateway.reset();
});

describe('createKey', () => {
  const newKey = {
    name: 'app (dev@example.com)',
    description: 'for app',
    tags: { owner: 'webhook', 'sensedia:ledger-id': '0a1b2c3d.abcdefgh01234567' },
  };
  const sentValue = (): string | undefined =>
    apiGateway.commandCalls(CreateApiKeyCommand)[0]?.args[0].input.value;

  test('creates an enabled key with the given name, description, tags and a 40-character value of its own', async () => {
    apiGateway.on(CreateApiKeyCommand).resolves({ id: KEY_ID });

    await issuer().createKey(newKey);

    expect(apiGateway.commandCalls(CreateApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      {
        name: newKey.name,
        description: newKey.description,
        enabled: true,
        tags: { owner: 'webhook', 'sensedia:ledger-id': '0a1b2c3d.abcdefgh01234567' },
        value: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      },
    ]);
  });

  test('returns the id API Gateway gave and the value it sent', async () => {
    apiGateway.on(CreateApiKeyCommand).resolves({ id: KEY_ID });

    const key = await issuer().createKey(newKey);

    expect(key).toEqual({ id: KEY_ID, value: sentValue() });
  });

  test('sends a different value each time', async () => {
    apiGateway.on(CreateApiKeyCommand).resolves({ id: KEY_ID });

    const [a, b] = await Promise.all([issuer().createKey(newKey), issuer().createKey(newKey)]);

    expect(a.value).not.toBe(b.value);
  });

  /** What a create that failed was turned into: the OutcomeUnknownError and the error behind it. */
  async function lostCreate(): Promise<{ error: unknown; cause: unknown }> {
    const error = await issuer()
      .createKey(newKey)
      .catch((caught: unknown) => caught);
    return { error, cause: error instanceof OutcomeUnknownError ? error.cause : undefined };
  }

  test('reports a conflict (its own earlier attempt made the key) as an unknown outcome', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(conflict());

    const { error } = await lostCreate();

    expect(error).toBeInstanceOf(OutcomeUnknownError);
  });

  test('the conflict reaches the caller as 503, with what happened kept for the logs', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(conflict());

    const { cause } = await lostCreate();

    expect(cause).toBeInstanceOf(UnavailableError);
    expect(cause).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
    expect(String((cause as Error).cause)).toContain('ConflictException');
  });

  test('never lists keys to find the one a lost create made (the role may not list keys)', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(conflict());

    await lostCreate();

    expect(apiGateway).not.toHaveReceivedCommand(GetApiKeysCommand);
    expect(apiGateway.calls()).toHaveLength(1);
  });

  test.each([
    ['ServiceUnavailableException', unavailable],
    ['a timeout', timeoutError],
  ])('reports %s as an unknown outcome carrying a 503', async (_case, failure) => {
    apiGateway.on(CreateApiKeyCommand).rejects(failure());

    const { error, cause } = await lostCreate();

    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(cause).toBeInstanceOf(UnavailableError);
  });

  test('reports throttling as 429, not as an unknown outcome: a throttled call made nothing', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(throttled());

    await expect(issuer().createKey(newKey)).rejects.toBeInstanceOf(ThrottledError);
  });

  test('reports a refusal as 502, not as an unknown outcome', async () => {
    apiGateway.on(CreateApiKeyCommand).rejects(badRequest());

    await expect(issuer().createKey(newKey)).rejects.toBeInstanceOf(UpstreamError);
  });

  test('fails with 502 when API Gateway returns no key id', async () => {
    apiGateway.on(CreateApiKeyCommand).resolves({});

    await expect(issuer().createKey(newKey)).rejects.toBeInstanceOf(UpstreamError);
    expect(apiGateway.calls()).toHaveLength(1);
  });
});

describe('findKey', () => {
  test('reads the key without its value', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID });

    await issuer().findKey(KEY_ID);

    expect(apiGateway.commandCalls(GetApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      { apiKey: KEY_ID, includeValue: false },
    ]);
  });

  test('returns the name, description and tags of the key', async () => {
    apiGateway
      .on(GetApiKeyCommand)
      .resolves({ id: KEY_ID, name: 'n', description: 'd', tags: { owner: 'webhook' } });

    await expect(issuer().findKey(KEY_ID)).resolves.toEqual({
      id: KEY_ID,
      name: 'n',
      description: 'd',
      tags: { owner: 'webhook' },
    });
  });

  test('leaves the value out unless asked for it', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, value: 'key-value' });

    const key = await issuer().findKey(KEY_ID);

    expect(key).not.toHaveProperty('value');
  });

  test('reads the key with its value when asked to', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, value: 'key-value' });

    const key = await issuer().findKey(KEY_ID, 'with-value');

    expect(apiGateway).toHaveReceivedCommandWith(GetApiKeyCommand, { apiKey: KEY_ID, includeValue: true });
    expect(key).toMatchObject({ id: KEY_ID, value: 'key-value' });
  });

  test('reads absent name, description and tags as empty', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID });

    await expect(issuer().findKey(KEY_ID)).resolves.toEqual({
      id: KEY_ID,
      name: '',
      description: '',
      tags: {},
    });
  });

  test('reads the key without its value when asked so', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, value: 'key-value' });

    const key = await issuer().findKey(KEY_ID, 'without-value');

    expect(apiGateway).toHaveReceivedCommandWith(GetApiKeyCommand, { apiKey: KEY_ID, includeValue: false });
    expect(key).not.toHaveProperty('value');
  });

  test('returns undefined for a key that does not exist', async () => {
    apiGateway.on(GetApiKeyCommand).rejects(notFound());

    await expect(issuer().findKey(KEY_ID)).resolves.toBeUndefined();
  });

  test('returns the key without a value when API Gateway gives none, even when asked for it', async () => {
    apiGateway.on(GetApiKeyCommand).resolves({ id: KEY_ID, name: 'n' });

    const key = await issuer().findKey(KEY_ID, 'with-value');

    expect(key).toMatchObject({ id: KEY_ID, name: 'n' });
    expect(key?.value).toBeUndefined();
  });

  test('maps a throttled read to 429', async () => {
    apiGateway.on(GetApiKeyCommand).rejects(throttled());

    await expect(issuer().findKey(KEY_ID, 'with-value')).rejects.toBeInstanceOf(ThrottledError);
  });

  test('returns undefined for a key the role may not read (not tagged as the webhook’s)', async () => {
    apiGateway.on(GetApiKeyCommand).rejects(accessDenied('not authorized to perform apigateway:GET'));

    await expect(issuer().findKey(KEY_ID, 'with-value')).resolves.toBeUndefined();
  });

  test('maps any other failure to an upstream error', async () => {
    apiGateway.on(GetApiKeyCommand).rejects(unauthorized());

    await expect(issuer().findKey(KEY_ID)).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('describeKey', () => {
  test('replaces the name and the description in one UpdateApiKey', async () => {
    apiGateway.on(UpdateApiKeyCommand).resolves({});

    await issuer().describeKey(KEY_ID, 'new name', 'new description');

    expect(apiGateway.commandCalls(UpdateApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      {
        apiKey: KEY_ID,
        patchOperations: [
          { op: 'replace', path: '/name', value: 'new name' },
          { op: 'replace', path: '/description', value: 'new description' },
        ],
      },
    ]);
  });

  test('maps a failure to an upstream error', async () => {
    apiGateway.on(UpdateApiKeyCommand).rejects(badRequest());

    await expect(issuer().describeKey(KEY_ID, 'n', 'd')).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('deleteKey', () => {
  test('deletes the key and answers deleted', async () => {
    apiGateway.on(DeleteApiKeyCommand).resolves({});

    await expect(issuer().deleteKey(KEY_ID)).resolves.toBe('deleted');
    expect(apiGateway.commandCalls(DeleteApiKeyCommand).map(({ args: [command] }) => command.input)).toEqual([
      { apiKey: KEY_ID },
    ]);
  });

  test('answers absent for a key that does not exist', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(notFound());

    await expect(issuer().deleteKey(KEY_ID)).resolves.toBe('absent');
  });

  test('answers foreign when IAM refuses: the key is not tagged as issued by the webhook', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(accessDenied());

    await expect(issuer().deleteKey(KEY_ID)).resolves.toBe('foreign');
  });

  test('maps an unavailable API Gateway to 503', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(unavailable());

    await expect(issuer().deleteKey(KEY_ID)).rejects.toBeInstanceOf(UnavailableError);
  });

  test('maps a throttled delete to 429', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(throttled());

    await expect(issuer().deleteKey(KEY_ID)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('listUsagePlansOfKey', () => {
  test('lists the usage plans of the key with the largest page size', async () => {
    apiGateway.on(GetUsagePlansCommand).resolves({ items: [] });

    await issuer().listUsagePlansOfKey(KEY_ID);

    expect(apiGateway.commandCalls(GetUsagePlansCommand).map(({ args: [command] }) => command.input)).toEqual(
      [{ keyId: KEY_ID, limit: 500 }],
    );
  });

  test('returns the ids of the plans', async () => {
    apiGateway.on(GetUsagePlansCommand).resolves({ items: [{ id: 'p1' }, { id: 'p2' }] });

    await expect(issuer().listUsagePlansOfKey(KEY_ID)).resolves.toEqual(['p1', 'p2']);
  });

  test('follows the position to the next pages', async () => {
    apiGateway
      .on(GetUsagePlansCommand)
      .resolvesOnce({ items: [{ id: 'p1' }], position: 'page-2' })
      .resolvesOnce({ items: [{ id: 'p2' }], position: 'page-3' })
      .resolvesOnce({ items: [{ id: 'p3' }] });

    const planIds = await issuer().listUsagePlansOfKey(KEY_ID);

    expect(planIds).toEqual(['p1', 'p2', 'p3']);
    expect(apiGateway.commandCalls(GetUsagePlansCommand).map(({ args: [command] }) => command.input)).toEqual(
      [
        { keyId: KEY_ID, limit: 500 },
        { keyId: KEY_ID, limit: 500, position: 'page-2' },
        { keyId: KEY_ID, limit: 500, position: 'page-3' },
      ],
    );
  });

  test('skips plans without an id and pages without items', async () => {
    apiGateway
      .on(GetUsagePlansCommand)
      .resolvesOnce({ position: 'page-2' })
      .resolvesOnce({ items: [{ name: 'no id' }, { id: 'p1' }] });

    await expect(issuer().listUsagePlansOfKey(KEY_ID)).resolves.toEqual(['p1']);
  });

  test('returns no plans for a key that does not exist', async () => {
    apiGateway.on(GetUsagePlansCommand).rejects(notFound());

    await expect(issuer().listUsagePlansOfKey(KEY_ID)).resolves.toEqual([]);
  });

  test('maps a throttled listing to 429', async () => {
    apiGateway.on(GetUsagePlansCommand).rejects(throttled());

    await expect(issuer().listUsagePlansOfKey(KEY_ID)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('bindKey', () => {
  test('attaches the key to the usage plan as an API_KEY', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).resolves({});

    await issuer().bindKey(PLAN_ID, KEY_ID);

    expect(
      apiGateway.commandCalls(CreateUsagePlanKeyCommand).map(({ args: [command] }) => command.input),
    ).toEqual([{ usagePlanId: PLAN_ID, keyId: KEY_ID, keyType: 'API_KEY' }]);
  });

  test.each([
    { exception: 'NotFoundException', error: notFound, reason: 'usage-plan-not-found' },
    { exception: 'ConflictException', error: conflict, reason: 'conflict' },
    { exception: 'BadRequestException', error: badRequest, reason: 'invalid' },
  ])('reports $exception as a refusal ($reason) of that plan', async ({ error, reason }) => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(error());
    apiGateway.on(GetUsagePlanKeyCommand).rejects(notFound());

    const binding = issuer().bindKey(PLAN_ID, KEY_ID);

    await expect(binding).rejects.toBeInstanceOf(BindingRefusedError);
    await expect(binding).rejects.toMatchObject({ usagePlanId: PLAN_ID, reason });
  });

  test('takes a conflict over the key’s own binding (an earlier attempt made it) as bound', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(GetUsagePlanKeyCommand).resolves({ id: KEY_ID, type: 'API_KEY' });

    await expect(issuer().bindKey(PLAN_ID, KEY_ID)).resolves.toBeUndefined();
    expect(apiGateway).toHaveReceivedCommandWith(GetUsagePlanKeyCommand, {
      usagePlanId: PLAN_ID,
      keyId: KEY_ID,
    });
  });

  test('checks the binding only after a conflict', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(notFound());

    await issuer()
      .bindKey(PLAN_ID, KEY_ID)
      .catch(() => undefined);

    expect(apiGateway).not.toHaveReceivedCommand(GetUsagePlanKeyCommand);
  });

  test('maps a failed check of a conflicting binding to the upstream error', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(conflict());
    apiGateway.on(GetUsagePlanKeyCommand).rejects(throttled());

    await expect(issuer().bindKey(PLAN_ID, KEY_ID)).rejects.toBeInstanceOf(ThrottledError);
  });

  test('maps a throttled binding to 429, not to a refusal', async () => {
    apiGateway.on(CreateUsagePlanKeyCommand).rejects(throttled());

    await expect(issuer().bindKey(PLAN_ID, KEY_ID)).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('unbindKey', () => {
  test('detaches the key from the usage plan', async () => {
    apiGateway.on(DeleteUsagePlanKeyCommand).resolves({});

    await issuer().unbindKey(PLAN_ID, KEY_ID);

    expect(
      apiGateway.commandCalls(DeleteUsagePlanKeyCommand).map(({ args: [command] }) => command.input),
    ).toEqual([{ usagePlanId: PLAN_ID, keyId: KEY_ID }]);
  });

  test('resolves when the binding is already gone', async () => {
    apiGateway.on(DeleteUsagePlanKeyCommand).rejects(notFound());

    await expect(issuer().unbindKey(PLAN_ID, KEY_ID)).resolves.toBeUndefined();
  });

  test('maps any other failure to an upstream error', async () => {
    apiGateway.on(DeleteUsagePlanKeyCommand).rejects(conflict());

    await expect(issuer().unbindKey(PLAN_ID, KEY_ID)).rejects.toBeInstanceOf(UpstreamError);
  });
});
