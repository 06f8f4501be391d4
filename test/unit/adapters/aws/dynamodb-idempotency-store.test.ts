/**
 * DynamoDbIdempotencyStore over a mocked DynamoDBClient: the exact conditional writes it sends,
 * what it makes of the record a failed condition returns, and how DynamoDB failures surface.
 * That DynamoDB really evaluates these conditions is shown against moto in
 * test/integration/idempotency.test.ts.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DeleteItemCommandInput,
  DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbIdempotencyStore } from '../../../../lambda/adapters/aws/dynamodb-idempotency-store';
import type { ClaimRequest, IssuedCredentialRef } from '../../../../lambda/credentials/ports';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../../lambda/errors';
import { dynamoDbErrors } from '../../../support/aws-errors';

const dynamoDb = mockClient(DynamoDBClient);

const TABLE = 'webhook-idempotency';
const NOW = 1_790_000_000;
const CLAIM: ClaimRequest = {
  key: 'key-hash',
  claimId: 'claim-1',
  fingerprint: 'fingerprint-hash',
  now: NOW,
  leaseUntil: NOW + 60,
  expiresAt: NOW + 3600,
};
const KEY_REF: IssuedCredentialRef = { credentialType: 'API_KEY', credentialId: 'k3y1d' };

const { conditionFailed, throttled, throughputExceeded, internalError, tableMissing } = dynamoDbErrors;

const store = () => new DynamoDbIdempotencyStore(new DynamoDBClient({ region: 'us-east-1' }), TABLE);

/** A record as DynamoDB returns it, completed for KEY_REF unless overridden. */
function completedItem(overrides: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return {
    pk: { S: CLAIM.key },
    status: { S: 'COMPLETED' },
    fingerprint: { S: 'earlier-fingerprint' },
    credentialType: { S: 'API_KEY' },
    credentialId: { S: 'k3y1d' },
    expiresAt: { N: String(NOW + 1800) },
    ...overrides,
  };
}

function inProgressItem(): Record<string, AttributeValue> {
  return {
    pk: { S: CLAIM.key },
    status: { S: 'IN_PROGRESS' },
    fingerprint: { S: 'earlier-fingerprint' },
    leaseUntil: { N: String(NOW + 30) },
    expiresAt: { N: String(NOW + 3570) },
  };
}

const putInputs = (): PutItemCommandInput[] =>
  dynamoDb.commandCalls(PutItemCommand).map(({ args: [command] }) => command.input);
const deleteInputs = (): DeleteItemCommandInput[] =>
  dynamoDb.commandCalls(DeleteItemCommand).map(({ args: [command] }) => command.input);

/** The SDK failures that are not a failed condition, and what the caller sees instead. */
const upstreamFailures = [
  ['ThrottlingException', '429', throttled, ThrottledError],
  ['ProvisionedThroughputExceededException', '429', throughputExceeded, ThrottledError],
  ['InternalServerError', '503', internalError, UnavailableError],
  ['ResourceNotFoundException', '502', tableMissing, UpstreamError],
] as const;

beforeEach(() => {
  dynamoDb.reset();
});

describe('claim', () => {
  test('recognises its own claim when a retried PutItem finds the item its lost first attempt wrote', async () => {
    dynamoDb
      .on(PutItemCommand)
      .rejects(
        conditionFailed({ pk: { S: 'key-hash' }, status: { S: 'IN_PROGRESS' }, claimId: { S: 'claim-1' } }),
      );

    await expect(store().claim(CLAIM)).resolves.toEqual({ status: 'claimed' });
  });

  test("reports another attempt's unfinished claim as in progress", async () => {
    dynamoDb
      .on(PutItemCommand)
      .rejects(
        conditionFailed({ pk: { S: 'key-hash' }, status: { S: 'IN_PROGRESS' }, claimId: { S: 'claim-2' } }),
      );

    await expect(store().claim(CLAIM)).resolves.toEqual({ status: 'in-progress' });
  });

  test('sends one PutItem of an in-progress record, conditional on the key being free, asking for the old item', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await store().claim(CLAIM);

    expect(putInputs()).toEqual([
      {
        TableName: TABLE,
        Item: {
          pk: { S: 'key-hash' },
          status: { S: 'IN_PROGRESS' },
          claimId: { S: 'claim-1' },
          fingerprint: { S: 'fingerprint-hash' },
          leaseUntil: { N: String(NOW + 60) },
          expiresAt: { N: String(NOW + 3600) },
        },
        ConditionExpression:
          'attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND leaseUntil < :now)' +
          ' OR (#status = :released AND claimId <> :claimId)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':now': { N: String(NOW) },
          ':inProgress': { S: 'IN_PROGRESS' },
          ':released': { S: 'RELEASED' },
          ':claimId': { S: 'claim-1' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    ]);
  });

  test('is claimed when the write goes through', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await expect(store().claim(CLAIM)).resolves.toEqual({ status: 'claimed' });
  });

  test('reports a completed record, with its fingerprint and credential, when the condition fails on one', async () => {
    dynamoDb.on(PutItemCommand).rejects(conditionFailed(completedItem()));

    await expect(store().claim(CLAIM)).resolves.toEqual({
      status: 'completed',
      fingerprint: 'earlier-fingerprint',
      credential: KEY_REF,
    });
  });

  test('reports a completed client-credentials record with the client id', async () => {
    dynamoDb
      .on(PutItemCommand)
      .rejects(
        conditionFailed(
          completedItem({ credentialType: { S: 'CLIENT_CREDENTIALS' }, credentialId: { S: 'client1' } }),
        ),
      );

    await expect(store().claim(CLAIM)).resolves.toMatchObject({
      status: 'completed',
      credential: { credentialType: 'CLIENT_CREDENTIALS', credentialId: 'client1' },
    });
  });

  test('is not claimed when a retried PutItem finds its own attempt’s tombstone: that attempt was given up', async () => {
    dynamoDb
      .on(PutItemCommand)
      .rejects(
        conditionFailed({ pk: { S: 'key-hash' }, status: { S: 'RELEASED' }, claimId: { S: 'claim-1' } }),
      );

    await expect(store().claim(CLAIM)).resolves.toEqual({ status: 'in-progress' });
  });

  test('reports in-progress when the condition fails on an in-progress record', async () => {
    dynamoDb.on(PutItemCommand).rejects(conditionFailed(inProgressItem()));

    await expect(store().claim(CLAIM)).resolves.toEqual({ status: 'in-progress' });
  });

  test.each([
    ['no item', undefined],
    ['a completed item without a credential id', completedItem({ credentialId: { NULL: true } })],
    ['a completed item of an unknown credential type', completedItem({ credentialType: { S: 'PASSWORD' } })],
    ['a completed item without a fingerprint', completedItem({ fingerprint: { N: '1' } })],
    ['an item of an unknown status', completedItem({ status: { S: 'DONE' } })],
  ])('treats a failed condition returning %s as in-progress', async (_case, item) => {
    dynamoDb.on(PutItemCommand).rejects(conditionFailed(item));

    await expect(store().claim(CLAIM)).resolves.toEqual({ status: 'in-progress' });
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(PutItemCommand).rejects(failure());

    await expect(store().claim(CLAIM)).rejects.toBeInstanceOf(expected);
  });
});

describe('complete', () => {
  test('overwrites the record with the credential type and id (never a secret), without a condition', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await store().complete(CLAIM, KEY_REF);

    expect(putInputs()).toEqual([
      {
        TableName: TABLE,
        Item: {
          pk: { S: 'key-hash' },
          status: { S: 'COMPLETED' },
          fingerprint: { S: 'fingerprint-hash' },
          credentialType: { S: 'API_KEY' },
          credentialId: { S: 'k3y1d' },
          expiresAt: { N: String(NOW + 3600) },
        },
      },
    ]);
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(PutItemCommand).rejects(failure());

    await expect(store().complete(CLAIM, KEY_REF)).rejects.toBeInstanceOf(expected);
  });
});

describe('release', () => {
  test('writes a tombstone of this attempt, only over its own claim or over nothing yet', async () => {
    dynamoDb.on(PutItemCommand).resolves({});

    await store().release(CLAIM);

    expect(putInputs()).toEqual([
      {
        TableName: TABLE,
        Item: {
          pk: { S: 'key-hash' },
          status: { S: 'RELEASED' },
          claimId: { S: 'claim-1' },
          expiresAt: { N: String(NOW + 60) },
        },
        ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND claimId = :claimId)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':inProgress': { S: 'IN_PROGRESS' }, ':claimId': { S: 'claim-1' } },
      },
    ]);
    expect(dynamoDb).not.toHaveReceivedCommand(DeleteItemCommand);
  });

  test('leaves alone, without failing, a record that is not this attempt’s claim', async () => {
    dynamoDb.on(PutItemCommand).rejects(conditionFailed());

    await expect(store().release(CLAIM)).resolves.toBeUndefined();
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(PutItemCommand).rejects(failure());

    await expect(store().release(CLAIM)).rejects.toBeInstanceOf(expected);
  });
});

describe('forget', () => {
  test('deletes the record only while it still names the credential', async () => {
    dynamoDb.on(DeleteItemCommand).resolves({});

    await store().forget('key-hash', KEY_REF);

    expect(deleteInputs()).toEqual([
      {
        TableName: TABLE,
        Key: { pk: { S: 'key-hash' } },
        ConditionExpression: '#id = :value',
        ExpressionAttributeNames: { '#id': 'credentialId' },
        ExpressionAttributeValues: { ':value': { S: 'k3y1d' } },
      },
    ]);
  });

  test('leaves alone, without failing, a record that names another credential by now', async () => {
    dynamoDb.on(DeleteItemCommand).rejects(conditionFailed(completedItem({ credentialId: { S: 'newer' } })));

    await expect(store().forget('key-hash', KEY_REF)).resolves.toBeUndefined();
  });

  test.each(upstreamFailures)('maps %s to %s', async (_name, _status, failure, expected) => {
    dynamoDb.on(DeleteItemCommand).rejects(failure());

    await expect(store().forget('key-hash', KEY_REF)).rejects.toBeInstanceOf(expected);
  });
});
