/**
 * DynamoDbLedger against moto: every DynamoDB call it makes (PutItem, TransactWriteItems,
 * UpdateItem, GetItem, Scan), each on items of its own in a table of this file's own. Outcomes are
 * read back with separate GetItem and Scan calls, as DynamoDB holds them.
 */
import { randomUUID } from 'node:crypto';
import { type AttributeValue, GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLedger, LEDGER_RETENTION_DAYS } from '../../lambda/adapters/aws/dynamodb-ledger';
import {
  type ClaimRequest,
  LedgerConflictError,
  type LedgerEntry,
  type NewLedgerEntry,
} from '../../lambda/credentials/ports';
import {
  createLedgerTable,
  instanceOfTable,
  motoTestClients,
  randomLedgerId,
  tableItems,
  unique,
} from './aws';

const DEVELOPER = 'dev@example.com';
/** Epoch ms: the entries' clock, fixed so that stored values can be compared exactly. */
const CREATED = Date.UTC(2026, 0, 1);
const ISSUED = CREATED + 1_000;
const LATER = CREATED + 60_000;
const RETENTION_SECONDS = LEDGER_RETENTION_DAYS * 86_400;

const { dynamoDb } = motoTestClients();
let tableName: string;
let ledger: DynamoDbLedger;

beforeAll(async () => {
  tableName = await createLedgerTable(dynamoDb);
  ledger = new DynamoDbLedger(dynamoDb, tableName, instanceOfTable(tableName));
});

/** The item at `pk`, read consistently; undefined when there is none. */
async function itemAt(pk: string, table = tableName): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await dynamoDb.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return Item;
}

/** A new API-key entry of an app of its own. */
function keyEntry(overrides: Partial<NewLedgerEntry> = {}): NewLedgerEntry {
  return {
    ledgerId: randomLedgerId(),
    app: { appName: unique('app'), appSlug: unique('slug'), developer: DEVELOPER },
    grants: { kind: 'API_KEY', usagePlanIds: ['plan1', 'plan2'] },
    createdAt: CREATED,
    ...overrides,
  };
}

/** An in-progress claim of an app key of its own, written as the webhook writes it before a create. */
async function claimed(): Promise<ClaimRequest> {
  const now = Math.floor(CREATED / 1000);
  const claim: ClaimRequest = {
    key: unique('app-key'),
    claimId: randomUUID(),
    fingerprint: 'fingerprint-hash',
    now,
    leaseUntil: now + 30,
    expiresAt: now + 3600,
  };
  await expect(ledger.claim(claim)).resolves.toEqual({ status: 'claimed' });
  return claim;
}

/** An entry begun and issued as API key `credentialId`; resolves with the entry as the ledger finds it. */
async function issuedKey(credentialId = unique('key')): Promise<LedgerEntry> {
  const entry = keyEntry();
  await ledger.begin(entry);
  await ledger.issue(entry, { credentialId, apiKeyHash: 'hash-of-value', at: ISSUED });
  const found = await ledger.find('API_KEY', credentialId);
  if (found === undefined) throw new Error('arrange: the issued entry was not found');
  return found;
}

describe('DynamoDbLedger on DynamoDB (moto)', () => {
  describe('begin', () => {
    test('records a pending intent at intent#<ledgerId>, with the app and its grants', async () => {
      const entry = keyEntry();

      await ledger.begin(entry);

      expect(await itemAt(`intent#${entry.ledgerId}`)).toEqual({
        pk: { S: `intent#${entry.ledgerId}` },
        ledgerId: { S: entry.ledgerId },
        state: { S: 'pending' },
        appName: { S: entry.app.appName },
        appSlug: { S: entry.app.appSlug },
        developer: { S: DEVELOPER },
        kind: { S: 'API_KEY' },
        usagePlanIds: { L: [{ S: 'plan1' }, { S: 'plan2' }] },
        createdAt: { N: String(CREATED) },
        updatedAt: { N: String(CREATED) },
      });
    });

    test('records the scopes of a client-credentials intent', async () => {
      const entry = keyEntry({ grants: { kind: 'CLIENT_CREDENTIALS', scopes: ['api/read'] } });

      await ledger.begin(entry);

      expect(await itemAt(`intent#${entry.ledgerId}`)).toMatchObject({
        kind: { S: 'CLIENT_CREDENTIALS' },
        scopes: { L: [{ S: 'api/read' }] },
      });
    });

    test('repeated (the SDK retrying a write whose answer was lost), it resolves and overwrites nothing', async () => {
      const entry = keyEntry();
      await ledger.begin(entry);
      await ledger.abandon(entry.ledgerId, LATER);

      await expect(ledger.begin(entry)).resolves.toBeUndefined();

      expect(await itemAt(`intent#${entry.ledgerId}`)).toMatchObject({ state: { S: 'abandoned' } });
    });
  });

  describe('issue', () => {
    test('moves the entry to credential#<kind>#<id> as issued and completes the app claim, in one write', async () => {
      const entry = keyEntry();
      const claim = await claimed();
      await ledger.begin(entry);

      await ledger.issue(entry, { credentialId: 'key1a', apiKeyHash: 'hash-of-value', at: ISSUED, claim });

      expect(await itemAt(`intent#${entry.ledgerId}`)).toBeUndefined();
      expect(await itemAt('credential#API_KEY#key1a')).toEqual({
        pk: { S: 'credential#API_KEY#key1a' },
        ledgerId: { S: entry.ledgerId },
        state: { S: 'issued' },
        appName: { S: entry.app.appName },
        appSlug: { S: entry.app.appSlug },
        developer: { S: DEVELOPER },
        kind: { S: 'API_KEY' },
        usagePlanIds: { L: [{ S: 'plan1' }, { S: 'plan2' }] },
        credentialId: { S: 'key1a' },
        apiKeyHash: { S: 'hash-of-value' },
        createdAt: { N: String(CREATED) },
        issuedAt: { N: String(ISSUED) },
        updatedAt: { N: String(ISSUED) },
      });
      expect(await itemAt(claim.key)).toEqual({
        pk: { S: claim.key },
        status: { S: 'COMPLETED' },
        fingerprint: { S: 'fingerprint-hash' },
        credentialType: { S: 'API_KEY' },
        credentialId: { S: 'key1a' },
        expiresAt: { N: String(claim.expiresAt) },
      });
    });

    test('without a claim writes no app record', async () => {
      const entry = keyEntry();
      await ledger.begin(entry);
      const credentialId = unique('key');

      await ledger.issue(entry, { credentialId, at: ISSUED });

      const naming = (await tableItems(dynamoDb, tableName)).filter(
        (item) => item.credentialId?.S === credentialId,
      );
      expect(naming.map((item) => item.pk?.S)).toEqual([`credential#API_KEY#${credentialId}`]);
    });

    test('repeated after its answer was lost, it resolves and leaves the one issued entry', async () => {
      const entry = keyEntry();
      await ledger.begin(entry);
      const credentialId = unique('key');
      await ledger.issue(entry, { credentialId, at: ISSUED });

      await expect(ledger.issue(entry, { credentialId, at: LATER })).resolves.toBeUndefined();

      expect(await ledger.find('API_KEY', credentialId)).toMatchObject({
        ledgerId: entry.ledgerId,
        state: 'issued',
        issuedAt: ISSUED,
      });
    });

    test('of an abandoned intent is a conflict, and writes nothing: the claim stays in progress', async () => {
      const entry = keyEntry();
      const claim = await claimed();
      await ledger.begin(entry);
      await ledger.abandon(entry.ledgerId, ISSUED);
      const credentialId = unique('key');

      const issue = ledger.issue(entry, { credentialId, at: LATER, claim });

      await expect(issue).rejects.toBeInstanceOf(LedgerConflictError);
      expect(await itemAt(`credential#API_KEY#${credentialId}`)).toBeUndefined();
      expect(await itemAt(`intent#${entry.ledgerId}`)).toMatchObject({ state: { S: 'abandoned' } });
      expect(await itemAt(claim.key)).toMatchObject({ status: { S: 'IN_PROGRESS' } });
    });

    test('of an id another entry was issued is a conflict: the other entry stays, this intent stays pending', async () => {
      const other = await issuedKey();
      const entry = keyEntry();
      await ledger.begin(entry);

      const issue = ledger.issue(entry, { credentialId: other.credentialId ?? '', at: LATER });

      await expect(issue).rejects.toBeInstanceOf(LedgerConflictError);
      expect(await ledger.find('API_KEY', other.credentialId ?? '')).toEqual(other);
      expect(await itemAt(`intent#${entry.ledgerId}`)).toMatchObject({ state: { S: 'pending' } });
    });
  });

  describe('abandon', () => {
    test('marks a pending intent abandoned, to expire after the retention period', async () => {
      const entry = keyEntry();
      await ledger.begin(entry);

      await ledger.abandon(entry.ledgerId, LATER);

      expect(await itemAt(`intent#${entry.ledgerId}`)).toMatchObject({
        state: { S: 'abandoned' },
        updatedAt: { N: String(LATER) },
        expiresAt: { N: String(Math.floor(LATER / 1000) + RETENTION_SECONDS) },
      });
    });

    test('of an entry issued meanwhile changes nothing and writes no intent', async () => {
      const issued = await issuedKey();

      await ledger.abandon(issued.ledgerId, LATER);

      expect(await itemAt(`intent#${issued.ledgerId}`)).toBeUndefined();
      expect(await ledger.find('API_KEY', issued.credentialId ?? '')).toEqual(issued);
    });
  });

  describe('find', () => {
    test('returns an issued entry by kind and AWS id', async () => {
      const entry = keyEntry();
      await ledger.begin(entry);
      const credentialId = unique('key');
      await ledger.issue(entry, { credentialId, apiKeyHash: 'h', at: ISSUED });

      await expect(ledger.find('API_KEY', credentialId)).resolves.toEqual({
        ledgerId: entry.ledgerId,
        state: 'issued',
        app: entry.app,
        grants: entry.grants,
        credentialId,
        apiKeyHash: 'h',
        createdAt: CREATED,
        updatedAt: ISSUED,
        issuedAt: ISSUED,
      });
    });

    test('returns undefined for an id it holds under the other kind, and for an unknown id', async () => {
      const issued = await issuedKey();

      await expect(ledger.find('CLIENT_CREDENTIALS', issued.credentialId ?? '')).resolves.toBeUndefined();
      await expect(ledger.find('API_KEY', unique('unknown'))).resolves.toBeUndefined();
    });
  });

  describe('amend', () => {
    test('records new app details and grants of an issued entry, dropping a slug no longer given', async () => {
      const issued = await issuedKey();

      await ledger.amend(issued, {
        app: { appName: 'renamed', developer: 'new@example.com' },
        grants: { kind: 'API_KEY', usagePlanIds: ['plan3'] },
        at: LATER,
      });

      expect(await ledger.find('API_KEY', issued.credentialId ?? '')).toEqual({
        ...issued,
        app: { appName: 'renamed', developer: 'new@example.com' },
        grants: { kind: 'API_KEY', usagePlanIds: ['plan3'] },
        updatedAt: LATER,
      });
    });

    test('of a revoked entry is a conflict and changes nothing', async () => {
      const issued = await issuedKey();
      await ledger.revoke(issued, LATER);

      const amend = ledger.amend(issued, { app: issued.app, grants: issued.grants, at: LATER + 1 });

      await expect(amend).rejects.toBeInstanceOf(LedgerConflictError);
      expect(await ledger.find('API_KEY', issued.credentialId ?? '')).toMatchObject({
        state: 'revoked',
        updatedAt: LATER,
      });
    });
  });

  describe('revoke', () => {
    test('marks an issued entry revoked, to expire after the retention period', async () => {
      const issued = await issuedKey();

      await ledger.revoke(issued, LATER);

      expect(await ledger.find('API_KEY', issued.credentialId ?? '')).toEqual({
        ...issued,
        state: 'revoked',
        revokedAt: LATER,
        updatedAt: LATER,
      });
      expect(await itemAt(`credential#API_KEY#${issued.credentialId}`)).toMatchObject({
        expiresAt: { N: String(Math.floor(LATER / 1000) + RETENTION_SECONDS) },
      });
    });

    test('again keeps the time of the first revoke', async () => {
      const issued = await issuedKey();
      await ledger.revoke(issued, LATER);

      await ledger.revoke(issued, LATER + 5_000);

      expect(await ledger.find('API_KEY', issued.credentialId ?? '')).toMatchObject({
        state: 'revoked',
        revokedAt: LATER,
        updatedAt: LATER + 5_000,
      });
    });

    test('of an entry the table does not hold is a conflict and writes nothing', async () => {
      const credentialId = unique('key');
      const never: LedgerEntry = { ...keyEntry(), state: 'issued', credentialId, updatedAt: CREATED };

      await expect(ledger.revoke(never, LATER)).rejects.toBeInstanceOf(LedgerConflictError);
      expect(await itemAt(`credential#API_KEY#${credentialId}`)).toBeUndefined();
    });
  });

  describe('list', () => {
    test('returns the entries in every state, and not the app records beside them', async () => {
      const table = await createLedgerTable(dynamoDb);
      const own = new DynamoDbLedger(dynamoDb, table, instanceOfTable(table));
      const [pending, issued, abandoned, revoked] = [keyEntry(), keyEntry(), keyEntry(), keyEntry()];
      for (const entry of [pending, issued, abandoned, revoked]) await own.begin(entry);
      const now = Math.floor(CREATED / 1000);
      const claim = {
        key: 'app1',
        claimId: 'c1',
        fingerprint: 'f',
        now,
        leaseUntil: now + 30,
        expiresAt: now + 60,
      };
      await own.claim(claim);
      await own.issue(issued, { credentialId: 'key1', at: ISSUED, claim });
      await own.abandon(abandoned.ledgerId, LATER);
      await own.issue(revoked, { credentialId: 'key2', at: ISSUED });
      await own.revoke({ ...revoked, state: 'issued', credentialId: 'key2', updatedAt: ISSUED }, LATER);

      const listed = await own.list();

      const states = Object.fromEntries(listed.map((entry) => [entry.ledgerId, entry.state]));
      expect(states).toEqual({
        [pending.ledgerId]: 'pending',
        [issued.ledgerId]: 'issued',
        [abandoned.ledgerId]: 'abandoned',
        [revoked.ledgerId]: 'revoked',
      });
      expect(listed.find((entry) => entry.ledgerId === issued.ledgerId)).toMatchObject({
        credentialId: 'key1',
        app: issued.app,
      });
    });

    test('reads every page of the table (a Scan page holds at most 1 MB)', async () => {
      const table = await createLedgerTable(dynamoDb);
      const own = new DynamoDbLedger(dynamoDb, table, instanceOfTable(table));
      // Five entries of about 250 KB (an app name that long is the ledger's to store, not to refuse).
      const entries = Array.from({ length: 5 }, (_, index) =>
        keyEntry({ app: { appName: `${index}`.padEnd(250_000, 'x'), developer: DEVELOPER } }),
      );
      for (const entry of entries) await own.begin(entry);
      await dynamoDb.send(
        new PutItemCommand({ TableName: table, Item: { pk: { S: 'app1' }, status: { S: 'COMPLETED' } } }),
      );
      const firstPage = await dynamoDb.send(new ScanCommand({ TableName: table }));

      const listed = await own.list();

      expect(firstPage.LastEvaluatedKey).toBeDefined();
      expect(listed.map((entry) => entry.ledgerId).sort()).toEqual(
        entries.map((entry) => entry.ledgerId).sort(),
      );
    });
  });
});
