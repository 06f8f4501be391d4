/**
 * IdempotencyStore on a DynamoDB table (partition key `pk`, TTL attribute `expiresAt`). A claim is
 * one conditional PutItem that returns the existing record when the condition fails, so finding a
 * repeat costs no extra read.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  Claim,
  ClaimRequest,
  IdempotencyStore,
  IssuedCredentialRef,
} from '../../credentials/idempotency';
import { CredentialTypeSchema } from '../../schemas';
import { awsErrorName, upstream, upstreamError } from './errors';

const IN_PROGRESS = 'IN_PROGRESS';
const COMPLETED = 'COMPLETED';

type Item = Record<string, AttributeValue>;

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(request: ClaimRequest): Promise<Claim> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: s(request.key),
            status: s(IN_PROGRESS),
            claimId: s(request.claimId),
            fingerprint: s(request.fingerprint),
            leaseUntil: n(request.leaseUntil),
            expiresAt: n(request.expiresAt),
          },
          // Free when absent, expired (TTL deletes lazily), or an unfinished claim past its lease.
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': n(request.now), ':inProgress': s(IN_PROGRESS) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { status: 'claimed' };
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw upstreamError(error);
      const existing = (error as { Item?: Item }).Item;
      // Our own claim, written by an attempt whose answer was lost before the SDK retried it.
      if (existing?.status?.S === IN_PROGRESS && existing.claimId?.S === request.claimId)
        return { status: 'claimed' };
      return existingClaim(existing);
    }
  }

  async complete(request: ClaimRequest, credential: IssuedCredentialRef): Promise<void> {
    await upstream(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: s(request.key),
            status: s(COMPLETED),
            fingerprint: s(request.fingerprint),
            credentialType: s(credential.credentialType),
            credentialId: s(credential.credentialId),
            expiresAt: n(request.expiresAt),
          },
        }),
      ),
    );
  }

  async release(key: string): Promise<void> {
    await this.deleteIf(key, '#status = :value', { '#status': 'status' }, s(IN_PROGRESS));
  }

  async forget(key: string, credential: IssuedCredentialRef): Promise<void> {
    await this.deleteIf(key, '#id = :value', { '#id': 'credentialId' }, s(credential.credentialId));
  }

  /** Deletes the record if it is still the one meant; one that changed meanwhile is left alone. */
  private async deleteIf(
    key: string,
    condition: string,
    names: Record<string, string>,
    value: AttributeValue,
  ) {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: s(key) },
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ':value': value },
        }),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw upstreamError(error);
    }
  }
}

/** The claim a failed condition reveals. A record that cannot be read is treated as in progress. */
function existingClaim(item: Item | undefined): Claim {
  const type = CredentialTypeSchema.safeParse(item?.credentialType?.S);
  const credentialId = item?.credentialId?.S;
  const fingerprint = item?.fingerprint?.S;
  if (
    item?.status?.S === COMPLETED &&
    type.success &&
    credentialId !== undefined &&
    fingerprint !== undefined
  ) {
    return { status: 'completed', fingerprint, credential: { credentialType: type.data, credentialId } };
  }
  return { status: 'in-progress' };
}
