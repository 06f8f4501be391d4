/**
 * DynamoDbLedger over a mocked DynamoDBClient: the exact items, conditions and transactions it
 * sends, how it reads entries back, and how DynamoDB failures surface.
 */
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbLedger, LEDGER_RETENTION_DAYS } from '../../../../lambda/adapters/aws/dynamodb-ledger';
import { LedgerConflictError, type LedgerEntry } from '../../../../lambda/credentials/ports';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../../lambda/errors';
import { dynamoDbErrors } from '../../../support/aws-errors';
import {
  APP,
  CREATED_AT,
  claimRequest,
  clientGrants,
  INSTANCE,
  keyGrants,
  LEDGER_ID,
  newEntry,
} from '../../../support/ledger';
import { rejectionOf } from '../../../support/promises';

const dynamoDb = mockClient(DynamoDBClient);

const TABLE = 'webhook-ledger';
const KEY_ID = 'k3y1d';
const ISSUED_AT = CREATED_AT + 2_000;
const LATER = CREATED_AT + 60_000;
/** When an entry changed at LATER expires: LEDGER_RETENTION_DAYS later, in epoch seconds. */
const RETAINED_UNTIL = String(Math.floor(LATER / 1000) + LEDGER_RETENTION_DAYS * 86_400);

const { conditionFailed, throttled, throughputExceeded, internalError, tableMissing } = dynamoDbErrors;
/** A cancelled transaction: the condition of its first item failed. */
const cancelled = () => dynamoDbErrors.cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]);

/** The SDK failures that are not a failed condition, and what the caller sees instead. */
const upstreamFailures = [
  ['ThrottlingException', '429', throttled, ThrottledError],
  ['ProvisionedThroughputExceededException', '429', throughputExceeded, ThrottledError],
  ['InternalServerError', '503', internalError, UnavailableError],
  ['ResourceNotFoundException', '502', tableMissing, UpstreamError],
] as const;

const ledger = () => new DynamoDbLedger(new DynamoDBClient({ region: 'us-east-1' }), TABLE, INSTANCE);

/** The issued entry of KEY_ID (bound to p1) as the ledger returns it. */
const ISSUED: LedgerEntry = {
  ...newEntry(),
  state: 'issued',
  credentialId: KEY_ID,
  apiKeyHash: 'hash-of-the-value',
  updatedAt: ISSUED_AT,
  issuedAt: ISSUED_AT,
  revokedAt: undefined,
};

/** The item of the issued entry of KEY_ID, as DynamoDB holds it. */
function issuedItem(overrides: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return {
    pk: { S: `credential#API_KEY#${KEY_ID}` },
    ledgerId: { S: LEDGER_ID },
    state: { S: 'issued' },
    appName: { S: 'my app' },
    developer: { S: 'dev@example.com' },
    appSlug: { S: 'slug1' },
    kind: { S: 'API_KEY' },
    usagePlanIds: { L: [{ S: 'p1' }] },
    credentialId: { S: KEY_ID },
    apiKeyHash: { S: 'hash-of-the-value' },
    createdAt: { N: String(CREATED_AT) },
    issuedAt: { N: String(ISSUED_AT) },
    updatedAt: { N: String(ISSUED_AT) },
    ...overrides,
  };
}

const updateInputs = (): UpdateItemCommandInput[] =>
  dynamoDb.commandCalls(UpdateItemCommand).map(({ args: [command] }) => command.input);

beforeEach(() => {
  dynamoDb.reset();
});

test('names the deployment by the instance it was given', () => {
  expect(ledger().instance).toBe(INSTANCE);
});

describe('begin', () => {
  test('puts a pending intent with the app and its plans, only where there is none', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await ledger().begin(newEntry({ grants: keyGrants('p1', 'p2') }));

    expect(dynamoDb).toHaveReceivedCommandTimes(PutItemCommand, 1);
    expect(dynamoDb).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE,
      Item: {
        pk: { S: `intent#${LEDGER_ID}` },
        ledgerId: { S: LEDGER_ID },
        state: { S: 'pending' },
        appName: { S: 'my app' },
        developer: { S: 'dev@example.com' },
        appSlug: { S: 'slug1' },
        kind: { S: 'API_KEY' },
        usagePlanIds: { L: [{ S: 'p1' }, { S: 'p2' }] },
        createdAt: { N: String(CREATED_AT) },
        updatedAt: { N: String(CREATED_AT) },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  test('records the scopes of a client, and no slug for an app without one', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await ledger().begin(
      newEntry({
        app: { appName: 'my app', developer: 'dev@example.com' },
        grants: clientGrants('orders/read'),
      }),
    );

    const [item] = dynamoDb.commandCalls(PutItemCommand).map(({ args: [command] }) => command.input.Item);
    expect(item).toMatchObject({ kind: { S: 'CLIENT_CREDENTIALS' }, scopes: { L: [{ S: 'orders/read' }] } });
    expect(item).not.toHaveProperty('appSlug');
    expect(item).not.toHaveProperty('usagePlanIds');
  });

  test('takes an intent already there as its own write, retried after its answer was lost', async () => {
    dynamoDb.on(PutItemCommand).rejects(conditionFailed());

    await expect(ledger().begin(newEntry())).resolves.toBeUndefined();
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(PutItemCommand).rejects(failure());

    await expect(ledger().begin(newEntry())).rejects.toBeInstanceOf(expected);
  });
});

describe('issue', () => {
  const facts = { credentialId: KEY_ID, apiKeyHash: 'hash-of-the-value', at: ISSUED_AT };

  /** The delete of the intent and the put of the credential: the first two items of every issue. */
  const moveItems = [
    {
      Delete: {
        TableName: TABLE,
        Key: { pk: { S: `intent#${LEDGER_ID}` } },
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pending': { S: 'pending' } },
      },
    },
    {
      Put: {
        TableName: TABLE,
        Item: issuedItem(),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];

  test('moves the intent to the credential’s item in one transaction, with a token of the entry', async () => {
    dynamoDb.on(TransactWriteItemsCommand).resolves({});

    await ledger().issue(newEntry(), facts);

    expect(dynamoDb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    expect(dynamoDb).toHaveReceivedCommandWith(TransactWriteItemsCommand, {
      ClientRequestToken: `issue-${LEDGER_ID}`,
      TransactItems: moveItems,
    });
  });

  test('completes the app’s claim in the same transaction, as the third item', async () => {
    dynamoDb.on(TransactWriteItemsCommand).resolves({});
    const claim = claimRequest();

    await ledger().issue(newEntry(), { ...facts, claim });

    expect(dynamoDb).toHaveReceivedCommandWith(TransactWriteItemsCommand, {
      ClientRequestToken: `issue-${LEDGER_ID}`,
      TransactItems: [
        ...moveItems,
        {
          Put: {
            TableName: TABLE,
            Item: {
              pk: { S: claim.key },
              status: { S: 'COMPLETED' },
              fingerprint: { S: claim.fingerprint },
              credentialType: { S: 'API_KEY' },
              credentialId: { S: KEY_ID },
              expiresAt: { N: String(claim.expiresAt) },
            },
          },
        },
      ],
    });
  });

  test('records a client under its kind, without a key hash', async () => {
    dynamoDb.on(TransactWriteItemsCommand).resolves({});

    await ledger().issue(newEntry({ grants: clientGrants('orders/read') }), {
      credentialId: 'client1',
      at: ISSUED_AT,
    });

    const [input] = dynamoDb
      .commandCalls(TransactWriteItemsCommand)
      .map(({ args: [command] }) => command.input);
    const item = input?.TransactItems?.[1]?.Put?.Item;
    expect(item).toMatchObject({
      pk: { S: 'credential#CLIENT_CREDENTIALS#client1' },
      kind: { S: 'CLIENT_CREDENTIALS' },
      scopes: { L: [{ S: 'orders/read' }] },
    });
    expect(item).not.toHaveProperty('apiKeyHash');
  });

  test('a cancelled transaction whose entry is found issued (its own lost commit) is a success', async () => {
    dynamoDb.on(TransactWriteItemsCommand).rejects(cancelled());
    dynamoDb.on(GetItemCommand).resolves({ Item: issuedItem() });

    await expect(ledger().issue(newEntry(), facts)).resolves.toBeUndefined();
    expect(dynamoDb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: `credential#API_KEY#${KEY_ID}` } },
      ConsistentRead: true,
    });
  });

  test('a cancelled transaction whose credential belongs to another entry is a conflict', async () => {
    dynamoDb.on(TransactWriteItemsCommand).rejects(cancelled());
    dynamoDb.on(GetItemCommand).resolves({ Item: issuedItem({ ledgerId: { S: 'otherentry000000' } }) });

    const error = await rejectionOf(ledger().issue(newEntry(), facts));

    expect(error).toBeInstanceOf(LedgerConflictError);
    expect(error).toMatchObject({ ledgerId: LEDGER_ID });
  });

  test('a cancelled transaction whose credential is not recorded (the intent moved on) is a conflict', async () => {
    dynamoDb.on(TransactWriteItemsCommand).rejects(cancelled());
    dynamoDb.on(GetItemCommand).resolves({});

    await expect(ledger().issue(newEntry(), facts)).rejects.toBeInstanceOf(LedgerConflictError);
  });

  test('a cancelled transaction whose check fails answers with the check’s upstream error', async () => {
    dynamoDb.on(TransactWriteItemsCommand).rejects(cancelled());
    dynamoDb.on(GetItemCommand).rejects(internalError());

    await expect(ledger().issue(newEntry(), facts)).rejects.toBeInstanceOf(UnavailableError);
  });

  test.each(upstreamFailures)(
    'maps %s to %s without reading anything back',
    async (_name, _status, failure, expected) => {
      dynamoDb.on(TransactWriteItemsCommand).rejects(failure());

      await expect(ledger().issue(newEntry(), facts)).rejects.toBeInstanceOf(expected);
      expect(dynamoDb).not.toHaveReceivedCommand(GetItemCommand);
    },
  );
});

describe('abandon', () => {
  test('marks the intent abandoned, only while pending, to expire after the retention period', async () => {
    dynamoDb.on(UpdateItemCommand).resolves({});

    await expect(ledger().abandon(LEDGER_ID, LATER)).resolves.toBe('abandoned');

    expect(updateInputs()).toEqual([
      {
        TableName: TABLE,
        Key: { pk: { S: `intent#${LEDGER_ID}` } },
        UpdateExpression: 'SET #state = :abandoned, updatedAt = :at, expiresAt = :expires',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':abandoned': { S: 'abandoned' },
          ':pending': { S: 'pending' },
          ':at': { N: String(LATER) },
          ':expires': { N: RETAINED_UNTIL },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ]);
  });

  test('answers moved-on, without failing, when the intent is gone: an issue write replaced it', async () => {
    dynamoDb.on(UpdateItemCommand).rejects(conditionFailed());

    await expect(ledger().abandon(LEDGER_ID, LATER)).resolves.toBe('moved-on');
  });

  test('answers abandoned when its own earlier attempt already abandoned the intent', async () => {
    dynamoDb
      .on(UpdateItemCommand)
      .rejects(conditionFailed({ pk: { S: `intent#${LEDGER_ID}` }, state: { S: 'abandoned' } }));

    await expect(ledger().abandon(LEDGER_ID, LATER)).resolves.toBe('abandoned');
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(UpdateItemCommand).rejects(failure());

    await expect(ledger().abandon(LEDGER_ID, LATER)).rejects.toBeInstanceOf(expected);
  });
});

describe('find', () => {
  test('reads the credential’s item with a consistent read', async () => {
    dynamoDb.on(GetItemCommand).resolves({});

    await ledger().find('CLIENT_CREDENTIALS', 'client1');

    expect(dynamoDb.commandCalls(GetItemCommand).map(({ args: [command] }) => command.input)).toEqual([
      { TableName: TABLE, Key: { pk: { S: 'credential#CLIENT_CREDENTIALS#client1' } }, ConsistentRead: true },
    ]);
  });

  test('returns the entry the item holds', async () => {
    dynamoDb.on(GetItemCommand).resolves({ Item: issuedItem() });

    await expect(ledger().find('API_KEY', KEY_ID)).resolves.toEqual(ISSUED);
  });

  test('returns a revoked entry with the time it was revoked', async () => {
    dynamoDb
      .on(GetItemCommand)
      .resolves({ Item: issuedItem({ state: { S: 'revoked' }, revokedAt: { N: String(LATER) } }) });

    await expect(ledger().find('API_KEY', KEY_ID)).resolves.toMatchObject({
      state: 'revoked',
      revokedAt: LATER,
    });
  });

  test('returns a client’s entry with its scopes', async () => {
    dynamoDb.on(GetItemCommand).resolves({
      Item: issuedItem({
        kind: { S: 'CLIENT_CREDENTIALS' },
        scopes: { L: [{ S: 'orders/read' }, { S: 'orders/write' }] },
      }),
    });

    await expect(ledger().find('CLIENT_CREDENTIALS', KEY_ID)).resolves.toMatchObject({
      grants: clientGrants('orders/read', 'orders/write'),
    });
  });

  test('reads an app without a slug, and an entry never updated, as such', async () => {
    const { appSlug: _slug, updatedAt: _updated, ...item } = issuedItem();
    dynamoDb.on(GetItemCommand).resolves({ Item: item });

    const entry = await ledger().find('API_KEY', KEY_ID);

    expect(entry?.app).toEqual({ appName: 'my app', developer: 'dev@example.com' });
    expect(entry?.updatedAt).toBe(CREATED_AT);
  });

  test('returns undefined when there is no item', async () => {
    dynamoDb.on(GetItemCommand).resolves({});

    await expect(ledger().find('API_KEY', KEY_ID)).resolves.toBeUndefined();
  });

  test.each([
    ['state', { state: { S: 'lost' } }],
    ['kind', { kind: { S: 'PASSWORD' } }],
    ['ledger id', { ledgerId: { N: '1' } }],
    ['creation time', { createdAt: { S: 'yesterday' } }],
  ])('returns undefined for an item with an unreadable %s', async (_field, overrides) => {
    dynamoDb.on(GetItemCommand).resolves({ Item: issuedItem(overrides) });

    await expect(ledger().find('API_KEY', KEY_ID)).resolves.toBeUndefined();
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(GetItemCommand).rejects(failure());

    await expect(ledger().find('API_KEY', KEY_ID)).rejects.toBeInstanceOf(expected);
  });
});

describe('findByApiKeyHash', () => {
  test('queries the index on the key hash for exactly that hash', async () => {
    dynamoDb.on(QueryCommand).resolves({ Items: [] });

    await ledger().findByApiKeyHash('hash-of-the-value');

    expect(dynamoDb.commandCalls(QueryCommand).map(({ args: [command] }) => command.input)).toEqual([
      {
        TableName: TABLE,
        IndexName: 'byApiKeyHash',
        KeyConditionExpression: '#hash = :hash',
        ExpressionAttributeNames: { '#hash': 'apiKeyHash' },
        ExpressionAttributeValues: { ':hash': { S: 'hash-of-the-value' } },
      },
    ]);
  });

  test('returns the entry the item holds', async () => {
    dynamoDb.on(QueryCommand).resolves({ Items: [issuedItem()] });

    await expect(ledger().findByApiKeyHash('hash-of-the-value')).resolves.toEqual(ISSUED);
  });

  test('returns a revoked entry as revoked', async () => {
    dynamoDb
      .on(QueryCommand)
      .resolves({ Items: [issuedItem({ state: { S: 'revoked' }, revokedAt: { N: String(LATER) } })] });

    await expect(ledger().findByApiKeyHash('hash-of-the-value')).resolves.toMatchObject({
      state: 'revoked',
      revokedAt: LATER,
    });
  });

  test('returns undefined when the index has no item for the hash', async () => {
    dynamoDb.on(QueryCommand).resolves({ Items: [] });

    await expect(ledger().findByApiKeyHash('hash-of-another-value')).resolves.toBeUndefined();
  });

  test('skips an unreadable item and one that is not an API key', async () => {
    dynamoDb.on(QueryCommand).resolves({
      Items: [
        issuedItem({ state: { S: 'lost' } }),
        issuedItem({ kind: { S: 'CLIENT_CREDENTIALS' }, scopes: { L: [] } }),
        issuedItem(),
      ],
    });

    await expect(ledger().findByApiKeyHash('hash-of-the-value')).resolves.toEqual(ISSUED);
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(QueryCommand).rejects(failure());

    await expect(ledger().findByApiKeyHash('hash-of-the-value')).rejects.toBeInstanceOf(expected);
  });
});

describe('amend', () => {
  test('sets the app details and grants of the issued entry, only while it is issued', async () => {
    dynamoDb.on(UpdateItemCommand).resolves({});

    await ledger().amend(ISSUED, {
      app: { ...APP, appName: 'renamed' },
      grants: keyGrants('p1', 'p2'),
      at: LATER,
    });

    expect(updateInputs()).toEqual([
      {
        TableName: TABLE,
        Key: { pk: { S: `credential#API_KEY#${KEY_ID}` } },
        UpdateExpression:
          'SET #appName = :appName, #developer = :developer, #appSlug = :appSlug, #kind = :kind, ' +
          '#usagePlanIds = :usagePlanIds, updatedAt = :at',
        ConditionExpression: '#state = :issued AND updatedAt <= :at',
        ExpressionAttributeNames: {
          '#appName': 'appName',
          '#developer': 'developer',
          '#appSlug': 'appSlug',
          '#kind': 'kind',
          '#usagePlanIds': 'usagePlanIds',
          '#state': 'state',
        },
        ExpressionAttributeValues: {
          ':appName': { S: 'renamed' },
          ':developer': { S: 'dev@example.com' },
          ':appSlug': { S: 'slug1' },
          ':kind': { S: 'API_KEY' },
          ':usagePlanIds': { L: [{ S: 'p1' }, { S: 'p2' }] },
          ':at': { N: String(LATER) },
          ':issued': { S: 'issued' },
        },
      },
    ]);
  });

  test('removes the slug of an app that no longer has one', async () => {
    dynamoDb.on(UpdateItemCommand).resolves({});

    await ledger().amend(ISSUED, {
      app: { appName: 'my app', developer: 'dev@example.com' },
      grants: keyGrants('p1'),
      at: LATER,
    });

    const [input] = updateInputs();
    expect(input?.UpdateExpression).toBe(
      'SET #appName = :appName, #developer = :developer, #kind = :kind, #usagePlanIds = :usagePlanIds, ' +
        'updatedAt = :at REMOVE appSlug',
    );
    expect(input?.ExpressionAttributeNames).not.toHaveProperty('#appSlug');
  });

  test('sets the scopes of a client', async () => {
    dynamoDb.on(UpdateItemCommand).resolves({});
    const client: LedgerEntry = { ...ISSUED, grants: clientGrants('orders/read'), credentialId: 'client1' };

    await ledger().amend(client, {
      app: APP,
      grants: clientGrants('orders/read', 'orders/write'),
      at: LATER,
    });

    expect(dynamoDb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { pk: { S: 'credential#CLIENT_CREDENTIALS#client1' } },
      ExpressionAttributeValues: expect.objectContaining({
        ':scopes': { L: [{ S: 'orders/read' }, { S: 'orders/write' }] },
      }),
    });
  });

  test('answers a failed condition (the entry is no longer issued) with a conflict', async () => {
    dynamoDb.on(UpdateItemCommand).rejects(conditionFailed());

    const error = await rejectionOf(ledger().amend(ISSUED, { app: APP, grants: keyGrants('p1'), at: LATER }));

    expect(error).toBeInstanceOf(LedgerConflictError);
    expect(error).toMatchObject({ ledgerId: LEDGER_ID });
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(UpdateItemCommand).rejects(failure());

    await expect(
      ledger().amend(ISSUED, { app: APP, grants: keyGrants('p1'), at: LATER }),
    ).rejects.toBeInstanceOf(expected);
  });
});

describe('revoke', () => {
  test('marks the entry revoked, keeping the first revoke time, to expire after the retention period', async () => {
    dynamoDb.on(UpdateItemCommand).resolves({});

    await ledger().revoke(ISSUED, LATER);

    expect(updateInputs()).toEqual([
      {
        TableName: TABLE,
        Key: { pk: { S: `credential#API_KEY#${KEY_ID}` } },
        UpdateExpression:
          'SET #state = :revoked, revokedAt = if_not_exists(revokedAt, :at), updatedAt = :at, expiresAt = :expires',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':revoked': { S: 'revoked' },
          ':at': { N: String(LATER) },
          ':expires': { N: RETAINED_UNTIL },
        },
      },
    ]);
  });

  test('answers an entry that is not there with a conflict', async () => {
    dynamoDb.on(UpdateItemCommand).rejects(conditionFailed());

    await expect(ledger().revoke(ISSUED, LATER)).rejects.toBeInstanceOf(LedgerConflictError);
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(UpdateItemCommand).rejects(failure());

    await expect(ledger().revoke(ISSUED, LATER)).rejects.toBeInstanceOf(expected);
  });
});

describe('list', () => {
  test('scans with a consistent read for the items that are entries', async () => {
    dynamoDb.on(ScanCommand).resolves({ Items: [] });

    await ledger().list();

    expect(dynamoDb.commandCalls(ScanCommand).map(({ args: [command] }) => command.input)).toEqual([
      { TableName: TABLE, FilterExpression: 'attribute_exists(ledgerId)', ConsistentRead: true },
    ]);
  });

  test('gives the credential’s item, not an intent a late-landing begin put back next to it', async () => {
    const issued = issuedItem();
    const resurrected = {
      pk: { S: `intent#${String(issued.ledgerId?.S)}` },
      ledgerId: issued.ledgerId as AttributeValue,
      state: { S: 'pending' },
      appName: { S: 'my app' },
      developer: { S: 'dev@example.com' },
      kind: { S: 'API_KEY' },
      usagePlanIds: { L: [] },
      createdAt: { N: String(LATER) },
      updatedAt: { N: String(LATER) },
    };
    // In either scan order; and alone, the intent is an entry like any other.
    dynamoDb
      .on(ScanCommand)
      .resolvesOnce({ Items: [resurrected, issued] })
      .resolvesOnce({ Items: [issued, resurrected] })
      .resolvesOnce({ Items: [resurrected] });

    await expect(ledger().list()).resolves.toEqual([ISSUED]);
    await expect(ledger().list()).resolves.toEqual([ISSUED]);
    await expect(ledger().list()).resolves.toEqual([
      expect.objectContaining({ ledgerId: ISSUED.ledgerId, state: 'pending' }),
    ]);
  });

  test('returns the entries of every page, following LastEvaluatedKey', async () => {
    const pending = {
      pk: { S: 'intent#pendingentry0000' },
      ledgerId: { S: 'pendingentry0000' },
      state: { S: 'pending' },
      appName: { S: 'other app' },
      developer: { S: 'dev@example.com' },
      kind: { S: 'CLIENT_CREDENTIALS' },
      scopes: { L: [{ S: 'orders/read' }] },
      createdAt: { N: String(LATER) },
      updatedAt: { N: String(LATER) },
    };
    dynamoDb
      .on(ScanCommand)
      .resolvesOnce({ Items: [issuedItem()], LastEvaluatedKey: { pk: issuedItem().pk as AttributeValue } })
      .resolvesOnce({ LastEvaluatedKey: { pk: { S: 'somewhere' } } })
      .resolvesOnce({ Items: [pending] });

    const entries = await ledger().list();

    expect(entries).toEqual([
      ISSUED,
      {
        ledgerId: 'pendingentry0000',
        state: 'pending',
        app: { appName: 'other app', developer: 'dev@example.com' },
        grants: clientGrants('orders/read'),
        credentialId: undefined,
        apiKeyHash: undefined,
        createdAt: LATER,
        updatedAt: LATER,
        issuedAt: undefined,
        revokedAt: undefined,
      },
    ]);
    expect(dynamoDb).toHaveReceivedNthSpecificCommandWith(2, ScanCommand, {
      ExclusiveStartKey: { pk: { S: `credential#API_KEY#${KEY_ID}` } },
    });
    expect(dynamoDb).toHaveReceivedNthSpecificCommandWith(3, ScanCommand, {
      ExclusiveStartKey: { pk: { S: 'somewhere' } },
    });
  });

  test('skips items that are not readable entries', async () => {
    dynamoDb.on(ScanCommand).resolves({ Items: [issuedItem({ state: { S: 'lost' } }), issuedItem()] });

    await expect(ledger().list()).resolves.toEqual([ISSUED]);
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(ScanCommand).rejects(failure());

    await expect(ledger().list()).rejects.toBeInstanceOf(expected);
  });
});

describe('a credential that expires', () => {
  /** Its expiry: a day after it was created. */
  const EXPIRES_AT = CREATED_AT + 86_400_000;
  const AFTER_EXPIRY = EXPIRES_AT + 60_000;
  /** When an entry expired at AFTER_EXPIRY leaves the table: the retention period later. */
  const EXPIRED_RETAINED_UNTIL = String(Math.floor(AFTER_EXPIRY / 1000) + LEDGER_RETENTION_DAYS * 86_400);

  test('begin records the expiry in credentialExpiresAt, never in the table’s TTL attribute', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await ledger().begin(newEntry({ expiresAt: EXPIRES_AT }));

    const [item] = dynamoDb.commandCalls(PutItemCommand).map(({ args: [command] }) => command.input.Item);
    expect(item).toMatchObject({ credentialExpiresAt: { N: String(EXPIRES_AT) } });
    expect(item).not.toHaveProperty('expiresAt');
  });

  test('begin of a credential that never expires records no expiry', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await ledger().begin(newEntry());

    const [item] = dynamoDb.commandCalls(PutItemCommand).map(({ args: [command] }) => command.input.Item);
    expect(item).not.toHaveProperty('credentialExpiresAt');
  });

  test('issue carries the expiry to the credential’s item', async () => {
    dynamoDb.on(TransactWriteItemsCommand).resolves({});

    await ledger().issue(newEntry({ expiresAt: EXPIRES_AT }), { credentialId: KEY_ID, at: ISSUED_AT });

    const [input] = dynamoDb
      .commandCalls(TransactWriteItemsCommand)
      .map(({ args: [command] }) => command.input);
    const put = input?.TransactItems?.[1]?.Put;
    expect(put?.Item).toMatchObject({ credentialExpiresAt: { N: String(EXPIRES_AT) } });
    expect(put?.Item).not.toHaveProperty('expiresAt');
  });

  test('find reads the expiry, and the time the ledger recorded it expired', async () => {
    dynamoDb.on(GetItemCommand).resolves({
      Item: issuedItem({
        state: { S: 'expired' },
        credentialExpiresAt: { N: String(EXPIRES_AT) },
        expiredAt: { N: String(AFTER_EXPIRY) },
        expiresAt: { N: EXPIRED_RETAINED_UNTIL },
      }),
    });

    await expect(ledger().find('API_KEY', KEY_ID)).resolves.toEqual({
      ...ISSUED,
      state: 'expired',
      expiresAt: EXPIRES_AT,
      expiredAt: AFTER_EXPIRY,
    });
  });

  test('find of a credential that never expires has no expiry fields', async () => {
    dynamoDb.on(GetItemCommand).resolves({ Item: issuedItem() });

    const entry = await ledger().find('API_KEY', KEY_ID);

    expect(entry).not.toHaveProperty('expiresAt');
    expect(entry).not.toHaveProperty('expiredAt');
  });

  test('expire marks the entry expired, only when issued and due (or expired already), to leave after the retention period', async () => {
    dynamoDb.on(UpdateItemCommand).resolves({});

    await ledger().expire({ ...ISSUED, expiresAt: EXPIRES_AT }, AFTER_EXPIRY);

    expect(updateInputs()).toEqual([
      {
        TableName: TABLE,
        Key: { pk: { S: `credential#API_KEY#${KEY_ID}` } },
        UpdateExpression:
          'SET #state = :expired, expiredAt = if_not_exists(expiredAt, :at), updatedAt = :at, expiresAt = :expires',
        ConditionExpression: '(#state = :issued AND credentialExpiresAt <= :at) OR #state = :expired',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':expired': { S: 'expired' },
          ':issued': { S: 'issued' },
          ':at': { N: String(AFTER_EXPIRY) },
          ':expires': { N: EXPIRED_RETAINED_UNTIL },
        },
      },
    ]);
  });

  test('expire answers a failed condition (revoked meanwhile, or not due) with a conflict', async () => {
    dynamoDb.on(UpdateItemCommand).rejects(conditionFailed());

    await expect(ledger().expire({ ...ISSUED, expiresAt: EXPIRES_AT }, AFTER_EXPIRY)).rejects.toBeInstanceOf(
      LedgerConflictError,
    );
  });

  test.each(upstreamFailures)('expire maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(UpdateItemCommand).rejects(failure());

    await expect(ledger().expire({ ...ISSUED, expiresAt: EXPIRES_AT }, AFTER_EXPIRY)).rejects.toBeInstanceOf(
      expected,
    );
  });
});
