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
import type { Claim, ClaimRequest, IdempotencyStore, IssuedCredentialRef } from '../../credentials/ports';
import { CredentialTypeSchema } from '../../schemas';
import { awsErrorName, upstream, upstreamError } from './errors';

const IN_PROGRESS = 'IN_PROGRESS';
const COMPLETED = 'COMPLETED';
/** A released claim's tombstone: that claim's write, landing late, cannot take hold. */
const RELEASED = 'RELEASED';

export type Item = Record<string, AttributeValue>;

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });

export class DynamoDbIdempotencyStore implements IdempotencyStore {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tableName: string,
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
          // Free when absent, expired (TTL deletes lazily), an unfinished claim past its lease, or
          // released by another attempt (this attempt's own tombstone keeps it out).
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :now OR (#status = :inProgress AND leaseUntil < :now)' +
            ' OR (#status = :released AND claimId <> :claimId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':now': n(request.now),
            ':inProgress': s(IN_PROGRESS),
            ':released': s(RELEASED),
            ':claimId': s(request.claimId),
          },
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
        new PutItemCommand({ TableName: this.tableName, Item: completedItem(request, credential) }),
      ),
    );
  }

  async release(request: ClaimRequest): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: s(request.key),
            status: s(RELEASED),
            claimId: s(request.claimId),
            expiresAt: n(request.leaseUntil),
          },
          // This attempt's claim, or none yet (its write may still land): never another's record.
          ConditionExpression: 'attribute_not_exists(pk) OR (#status = :inProgress AND claimId = :claimId)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': s(IN_PROGRESS), ':claimId': s(request.claimId) },
        }),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw upstreamError(error);
    }
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

/** The record of an app's completed create: which credential it got, never its value. */
export function completedItem(request: ClaimRequest, credential: IssuedCredentialRef): Item {
  return {
    pk: s(request.key),
    status: s(COMPLETED),
    fingerprint: s(request.fingerprint),
    credentialType: s(credential.credentialType),
    credentialId: s(credential.credentialId),
    expiresAt: n(request.expiresAt),
  };
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
