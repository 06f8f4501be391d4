import { randomUUID } from 'node:crypto';
/**
 * InMemoryIdempotencyStore, the local run's store: the same claim / complete / release / forget
 * semantics as the DynamoDB store's conditional writes (test/integration/idempotency.test.ts
 * checks those against moto).
 */
import { InMemoryIdempotencyStore } from '../../../../lambda/adapters/local/in-memory-idempotency-store';
import type { ClaimRequest, IssuedCredentialRef } from '../../../../lambda/credentials/ports';

const NOW = 1_790_000_000;
const LEASE = 60;
const WINDOW = 3600;
const KEY_REF: IssuedCredentialRef = { credentialType: 'API_KEY', credentialId: 'k3y1d' };

/** A claim for `key` made `offset` seconds after NOW, with the usual lease and window. */
function claimAt(offset = 0, overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  const now = NOW + offset;
  return {
    key: 'key-hash',
    claimId: randomUUID(),
    fingerprint: 'fingerprint-hash',
    now,
    leaseUntil: now + LEASE,
    expiresAt: now + WINDOW,
    ...overrides,
  };
}

/** A store holding a completed record for claimAt(0). */
async function completedStore(credential: IssuedCredentialRef = KEY_REF): Promise<InMemoryIdempotencyStore> {
  const store = new InMemoryIdempotencyStore();
  await store.claim(claimAt());
  await store.complete(claimAt(), credential);
  return store;
}

describe('claim', () => {
  test('claims a key nobody holds', async () => {
    const store = new InMemoryIdempotencyStore();

    await expect(store.claim(claimAt())).resolves.toEqual({ status: 'claimed' });
  });

  test('claims different keys independently', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim(claimAt());

    await expect(store.claim(claimAt(0, { key: 'other-key' }))).resolves.toEqual({ status: 'claimed' });
  });

  test('reports in-progress for a key claimed and not yet completed', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim(claimAt());

    await expect(store.claim(claimAt(1))).resolves.toEqual({ status: 'in-progress' });
  });

  test('reports in-progress for a claim at the very end of its lease', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim(claimAt());

    await expect(store.claim(claimAt(LEASE))).resolves.toEqual({ status: 'in-progress' });
  });

  test('claims again a key whose in-progress claim is past its lease', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim(claimAt());

    await expect(store.claim(claimAt(LEASE + 1))).resolves.toEqual({ status: 'claimed' });
  });

  test('reports a completed record with the fingerprint and credential it was completed with', async () => {
    const store = await completedStore();

    await expect(store.claim(claimAt(1, { fingerprint: 'another' }))).resolves.toEqual({
      status: 'completed',
      fingerprint: 'fingerprint-hash',
      credential: KEY_REF,
    });
  });

  test('keeps a completed record past the lease of its claim', async () => {
    const store = await completedStore();

    await expect(store.claim(claimAt(LEASE + 1))).resolves.toMatchObject({ status: 'completed' });
  });

  test('claims again a key whose completed record is past its expiry', async () => {
    const store = await completedStore();

    await expect(store.claim(claimAt(WINDOW + 1))).resolves.toEqual({ status: 'claimed' });
  });

  test('a claim past the lease takes the key over: the next claim is refused', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim(claimAt());
    await store.claim(claimAt(LEASE + 1));

    await expect(store.claim(claimAt(LEASE + 2))).resolves.toEqual({ status: 'in-progress' });
  });
});

describe('complete', () => {
  test('replaces a completed record, its fingerprint and credential with the new ones', async () => {
    const store = await completedStore();
    const newer: IssuedCredentialRef = { credentialType: 'CLIENT_CREDENTIALS', credentialId: 'client1' };

    await store.complete(claimAt(10, { fingerprint: 'edited' }), newer);

    await expect(store.claim(claimAt(11))).resolves.toEqual({
      status: 'completed',
      fingerprint: 'edited',
      credential: newer,
    });
  });

  test('sets the expiry of the record to that of the request it completes', async () => {
    const store = await completedStore();
    await store.complete(claimAt(100), KEY_REF);

    await expect(store.claim(claimAt(WINDOW + 1))).resolves.toMatchObject({ status: 'completed' });
  });
});

describe('release', () => {
  test('frees an in-progress claim of the same attempt for another attempt', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = claimAt();
    await store.claim(claim);

    await store.release(claim);

    await expect(store.claim(claimAt(1))).resolves.toEqual({ status: 'claimed' });
  });

  test('leaves a tombstone: the released attempt’s own claim, retried, does not take hold', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = claimAt();
    await store.claim(claim);

    await store.release(claim);

    await expect(store.claim({ ...claim, now: NOW + 1 })).resolves.toEqual({ status: 'in-progress' });
  });

  test('of a claim whose write has not landed yet keeps that write from taking hold when it lands', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = claimAt();

    await store.release(claim);

    await expect(store.claim(claim)).resolves.toEqual({ status: 'in-progress' });
  });

  test('of a claim whose write has not landed yet leaves the key free for another attempt', async () => {
    const store = new InMemoryIdempotencyStore();

    await store.release(claimAt());

    await expect(store.claim(claimAt(1))).resolves.toEqual({ status: 'claimed' });
  });

  test('keeps the tombstone until the released claim’s lease ends', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = claimAt();
    await store.release(claim);

    await expect(store.claim({ ...claim, now: NOW + LEASE + 1 })).resolves.toEqual({ status: 'claimed' });
  });

  test('leaves another attempt’s in-progress claim in place', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim(claimAt());

    await store.release(claimAt(1));

    await expect(store.claim(claimAt(2))).resolves.toEqual({ status: 'in-progress' });
  });

  test('leaves a completed record in place', async () => {
    const store = await completedStore();

    await store.release(claimAt());

    await expect(store.claim(claimAt(1))).resolves.toMatchObject({ status: 'completed' });
  });

  test('does not fail for a key nobody holds', async () => {
    const store = new InMemoryIdempotencyStore();

    await expect(store.release(claimAt())).resolves.toBeUndefined();
  });
});

describe('forget', () => {
  test('drops a completed record of that credential', async () => {
    const store = await completedStore();

    await store.forget('key-hash', KEY_REF);

    await expect(store.claim(claimAt(1))).resolves.toEqual({ status: 'claimed' });
  });

  test('leaves a record that names another credential', async () => {
    const store = await completedStore({ credentialType: 'API_KEY', credentialId: 'newer' });

    await store.forget('key-hash', KEY_REF);

    await expect(store.claim(claimAt(1))).resolves.toMatchObject({
      status: 'completed',
      credential: { credentialId: 'newer' },
    });
  });

  test('leaves an in-progress claim', async () => {
    const store = new InMemoryIdempotencyStore();
    await store.claim(claimAt());

    await store.forget('key-hash', KEY_REF);

    await expect(store.claim(claimAt(1))).resolves.toEqual({ status: 'in-progress' });
  });
});
