/**
 * CredentialLedger on the webhook's DynamoDB table (partition key `pk`, TTL `expiresAt`), beside
 * the app records of idempotent create. An entry lives at `intent#<ledgerId>` while pending or
 * abandoned, and at `credential#<kind>#<AWS id>` once issued, so update and revoke find it with one
 * consistent read of the id they are given. Issuing moves the entry and completes the app's claim
 * in one transaction. Revoked, expired and abandoned entries are removed by the table's TTL
 * (`expiresAt`) after LEDGER_RETENTION_DAYS; a credential's own expiry is therefore kept in
 * `credentialExpiresAt`, so that the TTL never deletes the entry of a credential that expires.
 * API-key items also carry the SHA-256 of the key's value, read through a global secondary index by
 * validateCredentials (the names are in ledger-schema.ts, shared with the CDK table).
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type AbandonOutcome,
  type CredentialLedger,
  type CredentialLookup,
  type CredentialState,
  type Grants,
  type IssuedFacts,
  LedgerConflictError,
  type LedgerEntry,
  type NewLedgerEntry,
  type RecordedApp,
} from '../../credentials/ports';
import { type CredentialType, CredentialTypeSchema } from '../../schemas';
import { completedItem, DynamoDbIdempotencyStore, type Item, n, s } from './dynamodb-idempotency-store';
import { awsErrorName, upstream, upstreamError } from './errors';
import { API_KEY_HASH_ATTRIBUTE, API_KEY_HASH_INDEX, PARTITION_KEY, TTL_ATTRIBUTE } from './ledger-schema';

/** How long revoked and abandoned entries are kept (for the audit) before DynamoDB's TTL removes them. */
export const LEDGER_RETENTION_DAYS = 400;

const STATES: readonly CredentialState[] = ['pending', 'issued', 'revoked', 'expired', 'abandoned'];

const intentKey = (ledgerId: string) => `intent#${ledgerId}`;
const credentialKey = (kind: CredentialType, credentialId: string) => `credential#${kind}#${credentialId}`;
const keyOf = (entry: Pick<LedgerEntry, 'grants' | 'credentialId' | 'ledgerId'>) =>
  entry.credentialId === undefined
    ? intentKey(entry.ledgerId)
    : credentialKey(entry.grants.kind, entry.credentialId);

const strings = (values: readonly string[]): AttributeValue => ({ L: values.map(s) });
const retainedUntil = (at: number) => n(Math.floor(at / 1000) + LEDGER_RETENTION_DAYS * 86_400);

/** The credential's expiry (epoch ms), when it has one; not the table's TTL attribute. */
const expiryAttribute = (expiresAt: number | undefined): Item =>
  expiresAt === undefined ? {} : { credentialExpiresAt: n(expiresAt) };

function appAttributes(app: RecordedApp, grants: Grants): Item {
  return {
    appName: s(app.appName),
    developer: s(app.developer),
    ...(app.appSlug !== undefined && { appSlug: s(app.appSlug) }),
    kind: s(grants.kind),
    ...(grants.kind === 'API_KEY'
      ? { usagePlanIds: strings(grants.usagePlanIds) }
      : { scopes: strings(grants.scopes) }),
  };
}

/**
 * One entry per ledger id: the credential's item when there is one. A `begin` whose request was
 * delayed past the SDK's timeout can land after its retry succeeded and after the issue
 * transaction removed the intent: its condition (no such item) holds again, so the intent comes
 * back, pending, next to the issued credential. The reconciler must not take that stale intent
 * for the entry, or it would delete the issued credential as a create that never completed.
 */
function oneEntryPerLedgerId(entries: readonly LedgerEntry[]): LedgerEntry[] {
  const byLedgerId = new Map<string, LedgerEntry>();
  for (const entry of entries) {
    const seen = byLedgerId.get(entry.ledgerId);
    if (seen === undefined || (seen.credentialId === undefined && entry.credentialId !== undefined))
      byLedgerId.set(entry.ledgerId, entry);
  }
  return [...byLedgerId.values()];
}

export class DynamoDbLedger extends DynamoDbIdempotencyStore implements CredentialLedger, CredentialLookup {
  constructor(
    client: DynamoDBClient,
    tableName: string,
    readonly instance: string,
  ) {
    super(client, tableName);
  }

  async begin(entry: NewLedgerEntry): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            [PARTITION_KEY]: s(intentKey(entry.ledgerId)),
            ledgerId: s(entry.ledgerId),
            state: s('pending'),
            ...appAttributes(entry.app, entry.grants),
            ...expiryAttribute(entry.expiresAt),
            createdAt: n(entry.createdAt),
            updatedAt: n(entry.createdAt),
          },
          ConditionExpression: `attribute_not_exists(${PARTITION_KEY})`,
        }),
      );
    } catch (error) {
      // Ledger ids are random (82 bits): an entry already there is this write, retried by the SDK
      // after its answer was lost.
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw upstreamError(error);
    }
  }

  async issue(entry: NewLedgerEntry, issued: IssuedFacts): Promise<void> {
    const kind = entry.grants.kind;
    const credential: Item = {
      [PARTITION_KEY]: s(credentialKey(kind, issued.credentialId)),
      ledgerId: s(entry.ledgerId),
      state: s('issued'),
      ...appAttributes(entry.app, entry.grants),
      credentialId: s(issued.credentialId),
      ...(issued.apiKeyHash !== undefined && { [API_KEY_HASH_ATTRIBUTE]: s(issued.apiKeyHash) }),
      ...expiryAttribute(entry.expiresAt),
      createdAt: n(entry.createdAt),
      issuedAt: n(issued.at),
      updatedAt: n(issued.at),
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          // The same token on the SDK's retries: DynamoDB applies a transaction once per token.
          ClientRequestToken: `issue-${entry.ledgerId}`,
          TransactItems: [
            {
              Delete: {
                TableName: this.tableName,
                Key: { [PARTITION_KEY]: s(intentKey(entry.ledgerId)) },
                ConditionExpression: '#state = :pending',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':pending': s('pending') },
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: credential,
                ConditionExpression: `attribute_not_exists(${PARTITION_KEY})`,
              },
            },
            ...(issued.claim === undefined
              ? []
              : [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: completedItem(issued.claim, {
                        credentialType: kind,
                        credentialId: issued.credentialId,
                      }),
                    },
                  },
                ]),
          ],
        }),
      );
    } catch (error) {
      if (awsErrorName(error) !== 'TransactionCanceledException') throw upstreamError(error);
      // A condition failed: issued already (an earlier attempt whose answer was lost), or the
      // intent is no longer pending.
      const recorded = await this.find(kind, issued.credentialId);
      if (recorded?.ledgerId === entry.ledgerId) return;
      throw new LedgerConflictError(entry.ledgerId);
    }
  }

  async abandon(ledgerId: string, at: number): Promise<AbandonOutcome> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: s(intentKey(ledgerId)) },
          UpdateExpression: `SET #state = :abandoned, updatedAt = :at, ${TTL_ATTRIBUTE} = :expires`,
          ConditionExpression: '#state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':abandoned': s('abandoned'),
            ':pending': s('pending'),
            ':at': n(at),
            ':expires': retainedUntil(at),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'abandoned';
    } catch (error) {
      if (awsErrorName(error) !== 'ConditionalCheckFailedException') throw upstreamError(error);
      // Already abandoned: this write's own earlier attempt landed. No intent item: an issue
      // transaction replaced it with the credential's.
      const old = (error as { Item?: Item }).Item;
      return old?.state?.S === 'abandoned' ? 'abandoned' : 'moved-on';
    }
  }

  async find(kind: CredentialType, credentialId: string): Promise<LedgerEntry | undefined> {
    const { Item: item } = await upstream(
      this.client.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: s(credentialKey(kind, credentialId)) },
          ConsistentRead: true,
        }),
      ),
    );
    return item === undefined ? undefined : entryOf(item);
  }

  /**
   * Reads the sparse index on the key's hash: only issued API-key items carry the attribute, and
   * keep it when revoked or expired. A global secondary index is read eventually consistently, so
   * a key issued a moment ago may not be found yet.
   */
  async findByApiKeyHash(apiKeyHash: string): Promise<LedgerEntry | undefined> {
    const { Items: items = [] } = await upstream(
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: API_KEY_HASH_INDEX,
          KeyConditionExpression: '#hash = :hash',
          ExpressionAttributeNames: { '#hash': API_KEY_HASH_ATTRIBUTE },
          ExpressionAttributeValues: { ':hash': s(apiKeyHash) },
        }),
      ),
    );
    // Key values are random (API Gateway's 40 characters), so a hash names one credential at most.
    for (const item of items) {
      const entry = entryOf(item);
      if (entry?.grants.kind === 'API_KEY') return entry;
    }
    return undefined;
  }

  async amend(
    entry: LedgerEntry,
    changes: { readonly app: RecordedApp; readonly grants: Grants; readonly at: number },
  ): Promise<void> {
    const attributes = appAttributes(changes.app, changes.grants);
    const names = Object.keys(attributes);
    const removed = changes.app.appSlug === undefined ? ' REMOVE appSlug' : '';
    await this.update(entry, {
      UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}, updatedAt = :at${removed}`,
      // A write that lands late (its answer was lost and the SDK retried it meanwhile) never undoes a newer one.
      ConditionExpression: '#state = :issued AND updatedAt <= :at',
      ExpressionAttributeNames: {
        ...Object.fromEntries(names.map((name) => [`#${name}`, name])),
        '#state': 'state',
      },
      ExpressionAttributeValues: {
        ...Object.fromEntries(names.map((name) => [`:${name}`, attributes[name] as AttributeValue])),
        ':at': n(changes.at),
        ':issued': s('issued'),
      },
    });
  }

  async revoke(entry: LedgerEntry, at: number): Promise<void> {
    await this.update(entry, {
      UpdateExpression: `SET #state = :revoked, revokedAt = if_not_exists(revokedAt, :at), updatedAt = :at, ${TTL_ATTRIBUTE} = :expires`,
      ConditionExpression: `attribute_exists(${PARTITION_KEY})`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':revoked': s('revoked'), ':at': n(at), ':expires': retainedUntil(at) },
    });
  }

  async expire(entry: LedgerEntry, at: number): Promise<void> {
    await this.update(entry, {
      UpdateExpression: `SET #state = :expired, expiredAt = if_not_exists(expiredAt, :at), updatedAt = :at, ${TTL_ATTRIBUTE} = :expires`,
      // Never before its time, and never over a revoke; an entry expired already stays so.
      ConditionExpression: '(#state = :issued AND credentialExpiresAt <= :at) OR #state = :expired',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':expired': s('expired'),
        ':issued': s('issued'),
        ':at': n(at),
        ':expires': retainedUntil(at),
      },
    });
  }

  async list(): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let startKey: Item | undefined;
    do {
      const page = await upstream(
        this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            // Only entries: the app records of idempotent create have no ledgerId.
            FilterExpression: 'attribute_exists(ledgerId)',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const entry = entryOf(item);
        if (entry !== undefined) entries.push(entry);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return oneEntryPerLedgerId(entries);
  }

  private async update(
    entry: LedgerEntry,
    expression: Pick<
      ConstructorParameters<typeof UpdateItemCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [PARTITION_KEY]: s(keyOf(entry)) },
          ...expression,
        }),
      );
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException')
        throw new LedgerConflictError(entry.ledgerId);
      throw upstreamError(error);
    }
  }
}

const text = (item: Item, name: string): string | undefined => item[name]?.S;
const number = (item: Item, name: string): number | undefined => {
  const value = item[name]?.N;
  return value === undefined ? undefined : Number(value);
};
const list = (item: Item, name: string): string[] =>
  (item[name]?.L ?? []).flatMap((value) => (value.S === undefined ? [] : [value.S]));

/** `{ [name]: value }` when defined: an entry of a credential that never expires has no expiry fields. */
const optionalNumber = <K extends string>(name: K, value: number | undefined) =>
  (value === undefined ? {} : { [name]: value }) as { [P in K]?: number };

/** An item as an entry; undefined for one that is not a readable entry. */
function entryOf(item: Item): LedgerEntry | undefined {
  const ledgerId = text(item, 'ledgerId');
  const state = STATES.find((candidate) => candidate === text(item, 'state'));
  const kind = CredentialTypeSchema.safeParse(text(item, 'kind'));
  const appName = text(item, 'appName');
  const developer = text(item, 'developer');
  const createdAt = number(item, 'createdAt');
  if (
    ledgerId === undefined ||
    state === undefined ||
    !kind.success ||
    appName === undefined ||
    developer === undefined ||
    createdAt === undefined
  ) {
    return undefined;
  }
  const appSlug = text(item, 'appSlug');
  return {
    ledgerId,
    state,
    app: { appName, developer, ...(appSlug !== undefined && { appSlug }) },
    grants:
      kind.data === 'API_KEY'
        ? { kind: 'API_KEY', usagePlanIds: list(item, 'usagePlanIds') }
        : { kind: 'CLIENT_CREDENTIALS', scopes: list(item, 'scopes') },
    credentialId: text(item, 'credentialId'),
    apiKeyHash: text(item, API_KEY_HASH_ATTRIBUTE),
    createdAt,
    updatedAt: number(item, 'updatedAt') ?? createdAt,
    issuedAt: number(item, 'issuedAt'),
    revokedAt: number(item, 'revokedAt'),
    ...optionalNumber('expiresAt', number(item, 'credentialExpiresAt')),
    ...optionalNumber('expiredAt', number(item, 'expiredAt')),
  };
}
