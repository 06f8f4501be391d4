/** ApiGatewayKeyInventory (the reconciler's view of API keys) over a mocked APIGatewayClient. */
import {
  APIGatewayClient,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { ApiGatewayKeyInventory } from '../../../../lambda/adapters/aws/api-gateway-key-inventory';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../../lambda/errors';
import { apiGatewayErrors } from '../../../support/aws-errors';

const apiGateway = mockClient(APIGatewayClient);

const INSTANCE = '0a1b2c3d';
const OTHER_INSTANCE = 'ffff0000';
const LEDGER_ID = 'abcdefgh01234567';
const CREATED = new Date('2026-11-23T10:00:00Z');

const { notFound, throttled, unavailable, unauthorized } = apiGatewayErrors;

const inventory = () => new ApiGatewayKeyInventory(new APIGatewayClient({ region: 'us-east-1' }));

/** A key as GetApiKeys lists it, carrying `marker` in its ledger tag (none when undefined). */
function listedKey(id: string, marker: string | undefined) {
  return {
    id,
    name: `${id} (dev@example.com)`,
    createdDate: CREATED,
    tags: {
      'sensedia:managed-by': 'credential-webhook',
      ...(marker !== undefined && { 'sensedia:ledger-id': marker }),
    },
  };
}

beforeEach(() => {
  apiGateway.reset();
});

describe('markedKeys', () => {
  test('lists keys without their values, 500 a page', async () => {
    apiGateway.on(GetApiKeysCommand).resolves({ items: [] });

    await inventory().markedKeys(INSTANCE);

    expect(apiGateway.commandCalls(GetApiKeysCommand).map(({ args: [command] }) => command.input)).toEqual([
      { includeValues: false, limit: 500 },
    ]);
  });

  test('returns each key carrying a marker of the instance, with its ledger id and creation time', async () => {
    apiGateway.on(GetApiKeysCommand).resolves({ items: [listedKey('k1', `${INSTANCE}.${LEDGER_ID}`)] });

    await expect(inventory().markedKeys(INSTANCE)).resolves.toEqual([
      { id: 'k1', ledgerId: LEDGER_ID, createdAt: CREATED.getTime() },
    ]);
  });

  test('leaves out keys of another instance, keys without a marker and keys with a malformed one', async () => {
    apiGateway.on(GetApiKeysCommand).resolves({
      items: [
        listedKey('other', `${OTHER_INSTANCE}.${LEDGER_ID}`),
        listedKey('unmarked', undefined),
        listedKey('malformed', `${INSTANCE}.short`),
        { id: 'untagged' },
        listedKey('ours', `${INSTANCE}.${LEDGER_ID}`),
      ],
    });

    const marked = await inventory().markedKeys(INSTANCE);

    expect(marked.map((key) => key.id)).toEqual(['ours']);
  });

  test('leaves out a listed key without an id', async () => {
    const { id: _id, ...withoutId } = listedKey('k1', `${INSTANCE}.${LEDGER_ID}`);
    apiGateway.on(GetApiKeysCommand).resolves({ items: [withoutId] });

    await expect(inventory().markedKeys(INSTANCE)).resolves.toEqual([]);
  });

  test('leaves the creation time out when the listing does not say', async () => {
    const { createdDate: _created, ...undated } = listedKey('k1', `${INSTANCE}.${LEDGER_ID}`);
    apiGateway.on(GetApiKeysCommand).resolves({ items: [undated] });

    await expect(inventory().markedKeys(INSTANCE)).resolves.toEqual([
      { id: 'k1', ledgerId: LEDGER_ID, createdAt: undefined },
    ]);
  });

  test('follows the position to the next pages', async () => {
    apiGateway
      .on(GetApiKeysCommand)
      .resolvesOnce({ items: [listedKey('k1', `${INSTANCE}.aaaaaaaaaaaaaaaa`)], position: 'page-2' })
      .resolvesOnce({ position: 'page-3' })
      .resolvesOnce({ items: [listedKey('k2', `${INSTANCE}.bbbbbbbbbbbbbbbb`)] });

    const marked = await inventory().markedKeys(INSTANCE);

    expect(marked.map((key) => key.id)).toEqual(['k1', 'k2']);
    expect(apiGateway.commandCalls(GetApiKeysCommand).map(({ args: [command] }) => command.input)).toEqual([
      { includeValues: false, limit: 500 },
      { includeValues: false, limit: 500, position: 'page-2' },
      { includeValues: false, limit: 500, position: 'page-3' },
    ]);
  });

  test.each([
    ['throttled', throttled, ThrottledError],
    ['unavailable', unavailable, UnavailableError],
    ['refused', unauthorized, UpstreamError],
  ])('maps a %s listing to the upstream error', async (_case, failure, expected) => {
    apiGateway.on(GetApiKeysCommand).rejects(failure());

    await expect(inventory().markedKeys(INSTANCE)).rejects.toBeInstanceOf(expected);
  });
});

describe('bindings', () => {
  test('lists the keys of each plan asked for, 500 a page', async () => {
    apiGateway.on(GetUsagePlanKeysCommand, { usagePlanId: 'p1' }).resolves({ items: [{ id: 'k1' }] });
    apiGateway
      .on(GetUsagePlanKeysCommand, { usagePlanId: 'p2' })
      .resolves({ items: [{ id: 'k1' }, { id: 'k2' }] });

    const bound = await inventory().bindings(['p1', 'p2']);

    expect(bound).toEqual(
      new Map([
        ['p1', ['k1']],
        ['p2', ['k1', 'k2']],
      ]),
    );
    expect(apiGateway).toHaveReceivedCommandWith(GetUsagePlanKeysCommand, { usagePlanId: 'p1', limit: 500 });
    expect(apiGateway).not.toHaveReceivedCommand(GetUsagePlansCommand);
  });

  test('gives a plan without keys an empty list', async () => {
    apiGateway.on(GetUsagePlanKeysCommand).resolves({});

    await expect(inventory().bindings(['p1'])).resolves.toEqual(new Map([['p1', []]]));
  });

  test('follows the position to the next pages of a plan', async () => {
    apiGateway
      .on(GetUsagePlanKeysCommand)
      .resolvesOnce({ items: [{ id: 'k1' }], position: 'page-2' })
      .resolvesOnce({ items: [{ id: 'k2' }, { name: 'no id' }] });

    const bound = await inventory().bindings(['p1']);

    expect(bound.get('p1')).toEqual(['k1', 'k2']);
    expect(apiGateway).toHaveReceivedNthSpecificCommandWith(2, GetUsagePlanKeysCommand, {
      usagePlanId: 'p1',
      limit: 500,
      position: 'page-2',
    });
  });

  test("with 'all', lists every plan of the account (page by page) and then the keys of each", async () => {
    apiGateway
      .on(GetUsagePlansCommand)
      .resolvesOnce({ items: [{ id: 'p1' }], position: 'page-2' })
      .resolvesOnce({ items: [{ id: 'p2' }, { name: 'no id' }] });
    apiGateway.on(GetUsagePlanKeysCommand, { usagePlanId: 'p1' }).resolves({ items: [{ id: 'k1' }] });
    apiGateway.on(GetUsagePlanKeysCommand, { usagePlanId: 'p2' }).resolves({ items: [] });

    const bound = await inventory().bindings('all');

    expect(bound).toEqual(
      new Map([
        ['p1', ['k1']],
        ['p2', []],
      ]),
    );
    expect(apiGateway.commandCalls(GetUsagePlansCommand).map(({ args: [command] }) => command.input)).toEqual(
      [{ limit: 500 }, { limit: 500, position: 'page-2' }],
    );
  });

  test('maps a failed listing to the upstream error', async () => {
    apiGateway.on(GetUsagePlanKeysCommand).rejects(throttled());

    await expect(inventory().bindings(['p1'])).rejects.toBeInstanceOf(ThrottledError);
  });
});

describe('deleteKey and unbindKey', () => {
  test('delete a key with DeleteApiKey', async () => {
    apiGateway.on(DeleteApiKeyCommand).resolves({});

    await expect(inventory().deleteKey('k1')).resolves.toBe('deleted');
    expect(apiGateway).toHaveReceivedCommandWith(DeleteApiKeyCommand, { apiKey: 'k1' });
  });

  test('answer absent for a key already gone', async () => {
    apiGateway.on(DeleteApiKeyCommand).rejects(notFound());

    await expect(inventory().deleteKey('k1')).resolves.toBe('absent');
  });

  test('detach a key from a plan with DeleteUsagePlanKey', async () => {
    apiGateway.on(DeleteUsagePlanKeyCommand).resolves({});

    await inventory().unbindKey('p1', 'k1');

    expect(apiGateway).toHaveReceivedCommandWith(DeleteUsagePlanKeyCommand, {
      usagePlanId: 'p1',
      keyId: 'k1',
    });
  });

  test('take a binding already gone as detached', async () => {
    apiGateway.on(DeleteUsagePlanKeyCommand).rejects(notFound());

    await expect(inventory().unbindKey('p1', 'k1')).resolves.toBeUndefined();
  });
});
