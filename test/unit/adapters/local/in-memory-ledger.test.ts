/**
 * InMemoryLedger, the local run's ledger: the same state changes and conditions as the DynamoDB
 * ledger (dynamodb-ledger.test.ts asserts the writes that carry them).
 */
import { InMemoryLedger } from '../../../../lambda/adapters/local/in-memory-ledger';
import { LedgerConflictError, type LedgerEntry } from '../../../../lambda/credentials/ports';
import {
  APP,
  CREATED_AT,
  claimRequest,
  clientGrants,
  INSTANCE,
  keyGrants,
  LEDGER_ID,
  newEntry,
  seedIssued,
} from '../../../support/ledger';
import { rejectionOf } from '../../../support/promises';

const KEY_ID = 'k3y1d';
const ISSUED_AT = CREATED_AT + 2_000;
const LATER = CREATED_AT + 60_000;
const facts = { credentialId: KEY_ID, apiKeyHash: 'hash-of-the-value', at: ISSUED_AT };

/** A ledger holding the pending intent newEntry(). */
async function withIntent(): Promise<InMemoryLedger> {
  const ledger = new InMemoryLedger(INSTANCE);
  await ledger.begin(newEntry());
  return ledger;
}

test('names the deployment by the instance it was given', () => {
  expect(new InMemoryLedger(INSTANCE).instance).toBe(INSTANCE);
});

describe('begin', () => {
  test('records a pending entry, updated when created', async () => {
    const ledger = await withIntent();

    await expect(ledger.list()).resolves.toEqual([
      { ...newEntry(), state: 'pending', updatedAt: CREATED_AT },
    ]);
  });

  test('records entries side by side', async () => {
    const ledger = await withIntent();

    await ledger.begin(newEntry({ ledgerId: 'secondentry00000', grants: clientGrants('orders/read') }));

    expect((await ledger.list()).map((entry) => entry.ledgerId)).toEqual([LEDGER_ID, 'secondentry00000']);
  });

  test('an intent cannot be found by a credential id: it has none yet', async () => {
    const ledger = await withIntent();

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toBeUndefined();
  });
});

describe('issue', () => {
  test('moves the entry to issued with the credential id, key hash and time', async () => {
    const ledger = await withIntent();

    await ledger.issue(newEntry(), facts);

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toEqual({
      ...newEntry(),
      state: 'issued',
      credentialId: KEY_ID,
      apiKeyHash: 'hash-of-the-value',
      issuedAt: ISSUED_AT,
      updatedAt: ISSUED_AT,
    });
  });

  test('finds the entry only under its own kind', async () => {
    const ledger = await withIntent();

    await ledger.issue(newEntry(), facts);

    await expect(ledger.find('CLIENT_CREDENTIALS', KEY_ID)).resolves.toBeUndefined();
  });

  test('completes the app’s claim with the credential when given one', async () => {
    const ledger = await withIntent();
    const claim = claimRequest();
    await ledger.claim(claim);

    await ledger.issue(newEntry(), { ...facts, claim });

    await expect(ledger.claim(claimRequest({ claimId: 'another attempt' }))).resolves.toEqual({
      status: 'completed',
      fingerprint: claim.fingerprint,
      credential: { credentialType: 'API_KEY', credentialId: KEY_ID },
    });
  });

  test('completes no claim when given none', async () => {
    const ledger = await withIntent();

    await ledger.issue(newEntry(), facts);

    await expect(ledger.claim(claimRequest())).resolves.toEqual({ status: 'claimed' });
  });

  test('takes the same issue, retried, as done', async () => {
    const ledger = await withIntent();
    await ledger.issue(newEntry(), facts);

    await expect(ledger.issue(newEntry(), facts)).resolves.toBeUndefined();
  });

  test('refuses an entry that was abandoned', async () => {
    const ledger = await withIntent();
    await ledger.abandon(LEDGER_ID, LATER);

    const error = await rejectionOf(ledger.issue(newEntry(), facts));

    expect(error).toBeInstanceOf(LedgerConflictError);
    expect(error).toMatchObject({ ledgerId: LEDGER_ID });
  });

  test('refuses an entry that was never begun', async () => {
    const ledger = new InMemoryLedger(INSTANCE);

    await expect(ledger.issue(newEntry(), facts)).rejects.toBeInstanceOf(LedgerConflictError);
  });

  test('refuses a credential id another entry holds', async () => {
    const ledger = await withIntent();
    await seedIssued(ledger, KEY_ID, { ledgerId: 'firstholder00000' });

    await expect(ledger.issue(newEntry(), facts)).rejects.toBeInstanceOf(LedgerConflictError);
  });

  test('completes no claim when it refuses', async () => {
    const ledger = await withIntent();
    await ledger.abandon(LEDGER_ID, LATER);
    const claim = claimRequest();
    await ledger.claim(claim);

    await rejectionOf(ledger.issue(newEntry(), { ...facts, claim }));

    await expect(ledger.claim(claimRequest({ claimId: 'another attempt' }))).resolves.toEqual({
      status: 'in-progress',
    });
  });
});

describe('abandon', () => {
  test('marks a pending entry abandoned at the time given', async () => {
    const ledger = await withIntent();

    await ledger.abandon(LEDGER_ID, LATER);

    await expect(ledger.list()).resolves.toEqual([
      expect.objectContaining({ ledgerId: LEDGER_ID, state: 'abandoned', updatedAt: LATER }),
    ]);
  });

  test('leaves an issued entry issued', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    await seedIssued(ledger, KEY_ID);

    await expect(ledger.abandon(LEDGER_ID, LATER)).resolves.toBe('moved-on');

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({ state: 'issued' });
  });

  test('does not fail for an entry it does not have', async () => {
    await expect(new InMemoryLedger(INSTANCE).abandon(LEDGER_ID, LATER)).resolves.toBe('moved-on');
  });
});

describe('findByApiKeyHash', () => {
  test('finds the issued key by the hash of its value', async () => {
    const ledger = await withIntent();
    await ledger.issue(newEntry(), facts);

    await expect(ledger.findByApiKeyHash('hash-of-the-value')).resolves.toMatchObject({
      ledgerId: LEDGER_ID,
      state: 'issued',
      credentialId: KEY_ID,
      apiKeyHash: 'hash-of-the-value',
    });
  });

  test('finds a revoked key, as revoked', async () => {
    const ledger = await withIntent();
    await ledger.issue(newEntry(), facts);
    const issued = await ledger.find('API_KEY', KEY_ID);
    if (issued === undefined) throw new Error('arrange: the key was not issued');
    await ledger.revoke(issued, LATER);

    await expect(ledger.findByApiKeyHash('hash-of-the-value')).resolves.toMatchObject({
      state: 'revoked',
      revokedAt: LATER,
    });
  });

  test('finds nothing for another hash, nor for an intent (it has no hash yet)', async () => {
    const ledger = await withIntent();

    await expect(ledger.findByApiKeyHash('hash-of-the-value')).resolves.toBeUndefined();
    await ledger.issue(newEntry(), facts);
    await expect(ledger.findByApiKeyHash('hash-of-another-value')).resolves.toBeUndefined();
  });

  test('never finds a client, whatever it holds', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    const entry = newEntry({ grants: clientGrants('orders/read') });
    await ledger.begin(entry);
    await ledger.issue(entry, { credentialId: 'client1', apiKeyHash: 'hash-of-the-value', at: ISSUED_AT });

    await expect(ledger.findByApiKeyHash('hash-of-the-value')).resolves.toBeUndefined();
  });
});

describe('amend', () => {
  test('records the new app details and grants of an issued entry', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    const entry = await seedIssued(ledger, KEY_ID);
    const app = { appName: 'renamed', developer: 'dev@example.com' };

    await ledger.amend(entry, { app, grants: keyGrants('p1', 'p2'), at: LATER });

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({
      state: 'issued',
      app,
      grants: keyGrants('p1', 'p2'),
      updatedAt: LATER,
    });
  });

  test('refuses a write older than the last one (a late-landing retry never undoes a newer change)', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    const entry = await seedIssued(ledger, KEY_ID);
    await ledger.amend(entry, { app: APP, grants: keyGrants('p2'), at: LATER + 10 });

    const late = ledger.amend(entry, { app: APP, grants: keyGrants('p1', 'p2'), at: LATER });

    await expect(late).rejects.toBeInstanceOf(LedgerConflictError);
    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({ grants: keyGrants('p2') });
  });

  test('refuses an entry that is revoked', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    const entry = await seedIssued(ledger, KEY_ID);
    await ledger.revoke(entry, LATER);

    await expect(
      ledger.amend(entry, { app: APP, grants: keyGrants('p2'), at: LATER }),
    ).rejects.toBeInstanceOf(LedgerConflictError);
  });
});

describe('revoke', () => {
  test('marks an issued entry revoked at the time given', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    const entry = await seedIssued(ledger, KEY_ID);

    await ledger.revoke(entry, LATER);

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({
      state: 'revoked',
      revokedAt: LATER,
      updatedAt: LATER,
    });
  });

  test('keeps the time of the first revoke', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    const entry = await seedIssued(ledger, KEY_ID);
    await ledger.revoke(entry, LATER);

    await ledger.revoke(entry, LATER + 1000);

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({
      state: 'revoked',
      revokedAt: LATER,
    });
  });

  test('refuses an entry that was never issued', async () => {
    const ledger = await withIntent();
    const pending: LedgerEntry = { ...newEntry(), state: 'pending', updatedAt: CREATED_AT };

    await expect(ledger.revoke(pending, LATER)).rejects.toBeInstanceOf(LedgerConflictError);
  });
});

describe('list', () => {
  test('returns every entry, whatever its state', async () => {
    const ledger = await withIntent();
    await seedIssued(ledger, 'issued1', { ledgerId: 'issuedentry00000' });
    const revoked = await seedIssued(ledger, 'revoked1', { ledgerId: 'revokedentry0000' });
    await ledger.revoke(revoked, LATER);
    await ledger.begin(newEntry({ ledgerId: 'abandoned0000000' }));
    await ledger.abandon('abandoned0000000', LATER);

    const states = (await ledger.list()).map((entry) => [entry.ledgerId, entry.state]);

    expect(states).toEqual([
      [LEDGER_ID, 'pending'],
      ['issuedentry00000', 'issued'],
      ['revokedentry0000', 'revoked'],
      ['abandoned0000000', 'abandoned'],
    ]);
  });
});

describe('expire', () => {
  const EXPIRES_AT = CREATED_AT + 86_400_000;

  /** A ledger holding KEY_ID issued with an expiry a day after its creation. */
  async function withExpiring(): Promise<InMemoryLedger> {
    const ledger = new InMemoryLedger(INSTANCE);
    await seedIssued(ledger, KEY_ID, { expiresAt: EXPIRES_AT });
    return ledger;
  }

  const entryOf = async (ledger: InMemoryLedger) => (await ledger.find('API_KEY', KEY_ID)) as LedgerEntry;

  test('keeps the expiry from the intent to the issued entry', async () => {
    const ledger = await withExpiring();

    await expect(entryOf(ledger)).resolves.toMatchObject({ state: 'issued', expiresAt: EXPIRES_AT });
  });

  test('marks an issued entry past its expiry expired at the time given, not revoked', async () => {
    const ledger = await withExpiring();

    await ledger.expire(await entryOf(ledger), EXPIRES_AT + 5);

    const entry = await entryOf(ledger);
    expect(entry).toMatchObject({ state: 'expired', expiredAt: EXPIRES_AT + 5, updatedAt: EXPIRES_AT + 5 });
    expect(entry.revokedAt).toBeUndefined();
  });

  test('takes an entry already expired as done, keeping the first time', async () => {
    const ledger = await withExpiring();
    await ledger.expire(await entryOf(ledger), EXPIRES_AT);

    await ledger.expire(await entryOf(ledger), EXPIRES_AT + 60_000);

    await expect(entryOf(ledger)).resolves.toMatchObject({ state: 'expired', expiredAt: EXPIRES_AT });
  });

  test('refuses an entry before its expiry', async () => {
    const ledger = await withExpiring();

    const error = await rejectionOf(ledger.expire(await entryOf(ledger), EXPIRES_AT - 1));

    expect(error).toBeInstanceOf(LedgerConflictError);
    await expect(entryOf(ledger)).resolves.toMatchObject({ state: 'issued' });
  });

  test('refuses an entry without an expiry', async () => {
    const ledger = new InMemoryLedger(INSTANCE);
    const entry = await seedIssued(ledger, KEY_ID);

    await expect(rejectionOf(ledger.expire(entry, LATER))).resolves.toBeInstanceOf(LedgerConflictError);
  });

  test('refuses an entry revoked meanwhile, which stays revoked', async () => {
    const ledger = await withExpiring();
    await ledger.revoke(await entryOf(ledger), LATER);

    await expect(rejectionOf(ledger.expire(await entryOf(ledger), EXPIRES_AT))).resolves.toBeInstanceOf(
      LedgerConflictError,
    );
    await expect(entryOf(ledger)).resolves.toMatchObject({ state: 'revoked' });
  });
});
