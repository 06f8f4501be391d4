/**
 * ApiKeyService and the ledger, over the in-process adapters (InMemoryApiKeys, InMemoryLedger):
 * the intent is recorded before a key exists, `issued` after it is bound, and every failure leaves
 * the ledger saying what the reconciler must remove. Failures are injected by replacing one method
 * of an adapter. The API Gateway commands themselves are asserted in api-key-service.test.ts.
 */
import { InMemoryApiKeys } from '../../../lambda/adapters/local/in-memory-api-keys';
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import { ApiKeyService } from '../../../lambda/credentials/api-key-service';
import type { AppDescription } from '../../../lambda/credentials/app';
import { MARKER_TAG } from '../../../lambda/credentials/marker';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../../lambda/credentials/naming';
import { type LedgerEntry, OutcomeUnknownError } from '../../../lambda/credentials/ports';
import { apiKeyHash } from '../../../lambda/credentials/recording';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../lambda/errors';
import { claimRequest, INSTANCE, keyGrants, seedIssued } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const DEVELOPER = 'dev@example.com';
/** Plans that exist in the in-memory API Gateway; all are on the allow-list. */
const PLANS = ['p1', 'p2', 'p3'];

function setup() {
  const keys = new InMemoryApiKeys(new Set(PLANS), () => NOW);
  const ledger = new InMemoryLedger(INSTANCE);
  const onLeftover = jest.fn();
  const service = new ApiKeyService(keys, ledger, {
    allowedUsagePlanIds: new Set([...PLANS, 'gone1']),
    maxParallelCalls: 4,
    now: () => NOW,
    onLeftover,
  });
  return { keys, ledger, onLeftover, service };
}

function app(plans: readonly string[] = ['p1'], overrides: Partial<AppDescription> = {}): AppDescription {
  return {
    appName: 'my app',
    appSlug: 'slug1',
    developer: DEVELOPER,
    apis: [{ id: 'api1', usagePlans: plans.map((id) => ({ id })) }],
    ...overrides,
  };
}

const apis = (plans: readonly string[]): AppDescription['apis'] => [
  { id: 'api1', usagePlans: plans.map((id) => ({ id })) },
];

/** The one entry of the ledger (a create makes exactly one). */
async function onlyEntry(ledger: InMemoryLedger): Promise<LedgerEntry> {
  const entries = await ledger.list();
  expect(entries).toHaveLength(1);
  return entries[0] as LedgerEntry;
}

/** A key in API Gateway tagged as the webhook's, that the ledger does not list. */
async function unrecordedManagedKey(keys: InMemoryApiKeys): Promise<string> {
  const { id } = await keys.createKey({
    name: 'other app (dev@example.com)',
    description: 'made by hand',
    tags: { [MANAGED_BY_TAG]: MANAGED_BY_VALUE },
  });
  await keys.bindKey('p1', id);
  return id;
}

afterEach(() => {
  jest.useRealTimers();
});

describe('create', () => {
  test('records a pending intent with the app and its plans before the key is created', async () => {
    const { keys, ledger, service } = setup();
    const create = keys.createKey.bind(keys);
    const atCreate: LedgerEntry[][] = [];
    jest.spyOn(keys, 'createKey').mockImplementation(async (key) => {
      atCreate.push(await ledger.list());
      return create(key);
    });

    await service.create(app(['p1', 'p2']));

    expect(atCreate).toEqual([
      [
        expect.objectContaining({
          state: 'pending',
          app: { appName: 'my app', appSlug: 'slug1', developer: DEVELOPER },
          grants: keyGrants('p1', 'p2'),
          createdAt: NOW,
        }),
      ],
    ]);
  });

  test('creates nothing when the intent cannot be recorded, and answers with the ledger’s error', async () => {
    const { keys, ledger, service } = setup();
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'begin').mockRejectedValue(failure);
    const createKey = jest.spyOn(keys, 'createKey');

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(failure);
    expect(createKey).not.toHaveBeenCalled();
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
  });

  test('records the key as issued once bound, with its id and a hash of its value (never the value)', async () => {
    const { ledger, service } = setup();

    const credential = await service.create(app(['p1', 'p2']));

    const entry = await onlyEntry(ledger);
    expect(entry).toMatchObject({
      state: 'issued',
      credentialId: credential.apiKeyId,
      apiKeyHash: apiKeyHash(credential.apiKey),
      issuedAt: NOW,
      grants: keyGrants('p1', 'p2'),
    });
    expect(JSON.stringify(entry)).not.toContain(credential.apiKey);
  });

  test('tags the key with the marker of its entry', async () => {
    const { keys, ledger, service } = setup();

    const credential = await service.create(app());

    const entry = await onlyEntry(ledger);
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([
      { id: credential.apiKeyId, ledgerId: entry.ledgerId, createdAt: NOW },
    ]);
    await expect(keys.findKey(credential.apiKeyId)).resolves.toMatchObject({
      tags: { [MARKER_TAG]: `${INSTANCE}.${entry.ledgerId}` },
    });
  });

  test('binds the key only after its intent is recorded', async () => {
    const { keys, ledger, service } = setup();
    const bind = keys.bindKey.bind(keys);
    const states: string[] = [];
    jest.spyOn(keys, 'bindKey').mockImplementation(async (planId, keyId) => {
      states.push(...(await ledger.list()).map((entry) => entry.state));
      return bind(planId, keyId);
    });

    await service.create(app(['p1', 'p2']));

    expect(states).toEqual(['pending', 'pending']);
  });

  test('completes the app’s claim in the same write that records the key as issued', async () => {
    const { ledger, service } = setup();
    const claim = claimRequest();
    await ledger.claim(claim);

    const credential = await service.create(app(), claim);

    await expect(ledger.claim(claimRequest({ claimId: 'a later attempt' }))).resolves.toEqual({
      status: 'completed',
      fingerprint: claim.fingerprint,
      credential: { credentialType: 'API_KEY', credentialId: credential.apiKeyId },
    });
  });

  test('a refused binding deletes the key and marks the intent abandoned', async () => {
    const { keys, ledger, service } = setup();

    const error = await rejectionOf(service.create(app(['p1', 'gone1'])));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_FOUND' });
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned', updatedAt: NOW });
  });

  test('a refused binding whose key is deleted reports no leftover', async () => {
    const { onLeftover, service } = setup();

    await rejectionOf(service.create(app(['p1', 'gone1'])));

    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a key that cannot be deleted after a refused binding is reported as still there', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    const refusal = new UpstreamError();
    jest.spyOn(keys, 'deleteKey').mockRejectedValue(refusal);

    await rejectionOf(service.create(app(['p1', 'gone1'])));

    const [key] = await keys.markedKeys(INSTANCE);
    const entry = await onlyEntry(ledger);
    expect(onLeftover).toHaveBeenCalledTimes(1);
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'API_KEY', ledgerId: entry.ledgerId, credentialId: key?.id, status: 'exists' },
      refusal,
    );
    expect(entry.state).toBe('abandoned');
  });

  test('a key IAM refuses to delete after a refused binding is reported as still there', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    jest.spyOn(keys, 'deleteKey').mockResolvedValue('foreign');

    await rejectionOf(service.create(app(['p1', 'gone1'])));

    const [key] = await keys.markedKeys(INSTANCE);
    const entry = await onlyEntry(ledger);
    expect(key).toBeDefined();
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'API_KEY', ledgerId: entry.ledgerId, credentialId: key?.id, status: 'exists' },
      expect.any(UpstreamError),
    );
  });

  test('a delete that failed although the key is gone (its answer lost) reports no leftover', async () => {
    const { keys, onLeftover, service } = setup();
    const remove = keys.deleteKey.bind(keys);
    jest.spyOn(keys, 'deleteKey').mockImplementation(async (keyId) => {
      await remove(keyId);
      throw new UpstreamError();
    });

    await rejectionOf(service.create(app(['p1', 'gone1'])));

    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a key whose delete and check both fail is reported as unknown', async () => {
    const { keys, onLeftover, service } = setup();
    jest.spyOn(keys, 'deleteKey').mockRejectedValue(new UpstreamError());
    jest.spyOn(keys, 'findKey').mockRejectedValue(new UpstreamError());

    await rejectionOf(service.create(app(['p1', 'gone1'])));

    expect(onLeftover).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'unknown' }),
      expect.anything(),
    );
  });

  test('still answers with the binding error when the key cannot be deleted', async () => {
    const { keys, service } = setup();
    jest.spyOn(keys, 'deleteKey').mockRejectedValue(new UpstreamError());

    const error = await rejectionOf(service.create(app(['p1', 'gone1'])));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_FOUND' });
  });

  test('retries a throttled delete of the half-made key on its own schedule', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { keys, onLeftover, service } = setup();
    const remove = keys.deleteKey.bind(keys);
    const deleteKey = jest
      .spyOn(keys, 'deleteKey')
      .mockRejectedValueOnce(new ThrottledError(1))
      .mockImplementation(remove);

    const outcome = rejectionOf(service.create(app(['p1', 'gone1'])));
    await jest.runAllTimersAsync();
    await outcome;

    expect(deleteKey).toHaveBeenCalledTimes(2);
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a create whose outcome is unknown marks the intent abandoned and reports that a key may exist', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    const lost = new OutcomeUnknownError(new UnavailableError());
    jest.spyOn(keys, 'createKey').mockRejectedValue(lost);

    await rejectionOf(service.create(app()));

    const entry = await onlyEntry(ledger);
    expect(entry.state).toBe('abandoned');
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'API_KEY', ledgerId: entry.ledgerId, status: 'may-exist' },
      lost,
    );
  });

  test('a create whose outcome is unknown answers with the upstream error behind it', async () => {
    const { keys, service } = setup();
    const cause = new UnavailableError();
    jest.spyOn(keys, 'createKey').mockRejectedValue(new OutcomeUnknownError(cause));

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(cause);
  });

  test('a create AWS refused marks the intent abandoned and reports no leftover', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    const throttled = new ThrottledError(2);
    jest.spyOn(keys, 'createKey').mockRejectedValue(throttled);

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(throttled);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned' });
    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a failed issue record deletes the bound key, abandons the intent and answers with its error', async () => {
    const { keys, ledger, service } = setup();
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'issue').mockRejectedValue(failure);

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(failure);
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned' });
  });

  test('an issue record whose answer was lost but which the ledger shows issued keeps the key', async () => {
    const { keys, ledger, service } = setup();
    const issue = ledger.issue.bind(ledger);
    jest.spyOn(ledger, 'issue').mockImplementation(async (entry, facts) => {
      await issue(entry, facts);
      throw new UnavailableError();
    });

    const credential = await service.create(app());

    await expect(keys.findKey(credential.apiKeyId)).resolves.toBeDefined();
    await expect(onlyEntry(ledger)).resolves.toMatchObject({
      state: 'issued',
      credentialId: credential.apiKeyId,
    });
  });
});

describe('update', () => {
  /** A key created through the service, and so issued in the ledger. */
  async function issued(plans: readonly string[] = ['p1']) {
    const context = setup();
    const credential = await context.service.create(app(plans));
    return { ...context, keyId: credential.apiKeyId };
  }

  test('answers 404 for a key tagged as managed that the ledger does not list, changing nothing', async () => {
    const { keys, service } = setup();
    const keyId = await unrecordedManagedKey(keys);

    const error = await rejectionOf(
      service.update(keyId, { appName: 'renamed', developer: DEVELOPER, apis: apis(['p2']) }),
    );

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    await expect(keys.listUsagePlansOfKey(keyId)).resolves.toEqual(['p1']);
    await expect(keys.findKey(keyId)).resolves.toMatchObject({ name: 'other app (dev@example.com)' });
  });

  test('answers 404 for a key the ledger shows revoked', async () => {
    const { ledger, service, keyId } = await issued();
    const entry = await onlyEntry(ledger);
    await ledger.revoke(entry, NOW);

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p2']) }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('answers 404 for a key the ledger lists but API Gateway no longer has', async () => {
    const { keys, service, keyId } = await issued();
    await keys.deleteKey(keyId);

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p2']) }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('records the union of the old and new plans before binding the key to a new one', async () => {
    const { keys, ledger, service, keyId } = await issued(['p1']);
    const bind = keys.bindKey.bind(keys);
    const recordedAtBind: (readonly string[])[] = [];
    jest.spyOn(keys, 'bindKey').mockImplementation(async (planId, id) => {
      const entry = await onlyEntry(ledger);
      if (entry.grants.kind === 'API_KEY') recordedAtBind.push(entry.grants.usagePlanIds);
      return bind(planId, id);
    });

    await service.update(keyId, { apis: apis(['p2']) });

    expect(recordedAtBind).toEqual([['p1', 'p2']]);
  });

  test('records exactly the listed plans once the bindings are changed', async () => {
    const { keys, ledger, service, keyId } = await issued(['p1', 'p2']);

    await service.update(keyId, { apis: apis(['p2', 'p3']) });

    await expect(onlyEntry(ledger)).resolves.toMatchObject({ grants: keyGrants('p2', 'p3') });
    await expect(keys.listUsagePlansOfKey(keyId)).resolves.toEqual(expect.arrayContaining(['p2', 'p3']));
  });

  test('records the app’s new name and developer, keeping its slug when the request has none', async () => {
    const { ledger, service, keyId } = await issued();

    await service.update(keyId, { appName: 'renamed', developer: 'new@example.com' });

    await expect(onlyEntry(ledger)).resolves.toMatchObject({
      app: { appName: 'renamed', appSlug: 'slug1', developer: 'new@example.com' },
      grants: keyGrants('p1'),
      updatedAt: NOW,
    });
  });

  test('records once, after the change, when no plan is added', async () => {
    const { ledger, service, keyId } = await issued(['p1', 'p2']);
    const amend = jest.spyOn(ledger, 'amend');

    await service.update(keyId, { apis: apis(['p1']) });

    expect(amend).toHaveBeenCalledTimes(1);
  });

  test('binds nothing when the ledger cannot record the new plans', async () => {
    const { keys, ledger, service, keyId } = await issued(['p1']);
    jest.spyOn(ledger, 'amend').mockRejectedValue(new UnavailableError());

    await rejectionOf(service.update(keyId, { apis: apis(['p1', 'p2']) }));

    await expect(keys.listUsagePlansOfKey(keyId)).resolves.toEqual(['p1']);
  });

  test('a failed update leaves the ledger listing the plans the key may be bound to', async () => {
    const { ledger, service, keyId } = await issued(['p1']);

    await rejectionOf(service.update(keyId, { apis: apis(['p2', 'gone1']) }));

    await expect(onlyEntry(ledger)).resolves.toMatchObject({ grants: keyGrants('p1', 'p2', 'gone1') });
  });
});

describe('recover', () => {
  test('returns the credential of a key the ledger shows issued', async () => {
    const { service } = setup();
    const credential = await service.create(app());

    await expect(service.recover(credential.apiKeyId)).resolves.toEqual(credential);
  });

  test('returns undefined for a key the ledger shows revoked, even if it still exists', async () => {
    const { ledger, service } = setup();
    const credential = await service.create(app());
    await ledger.revoke(await onlyEntry(ledger), NOW);

    await expect(service.recover(credential.apiKeyId)).resolves.toBeUndefined();
  });

  test('returns undefined for a managed key the ledger does not list', async () => {
    const { keys, service } = setup();
    const keyId = await unrecordedManagedKey(keys);

    await expect(service.recover(keyId)).resolves.toBeUndefined();
  });
});

describe('revoke', () => {
  test('records the revoke before deleting the key', async () => {
    const { keys, ledger, service } = setup();
    const { apiKeyId } = await service.create(app());
    const remove = keys.deleteKey.bind(keys);
    const statesAtDelete: string[] = [];
    jest.spyOn(keys, 'deleteKey').mockImplementation(async (keyId) => {
      statesAtDelete.push((await onlyEntry(ledger)).state);
      return remove(keyId);
    });

    await service.revoke(apiKeyId);

    expect(statesAtDelete).toEqual(['revoked']);
    await expect(keys.findKey(apiKeyId)).resolves.toBeUndefined();
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'revoked', revokedAt: NOW });
  });

  test('deletes nothing when the revoke cannot be recorded', async () => {
    const { keys, ledger, service } = setup();
    const { apiKeyId } = await service.create(app());
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'revoke').mockRejectedValue(failure);

    const error = await rejectionOf(service.revoke(apiKeyId));

    expect(error).toBe(failure);
    await expect(keys.findKey(apiKeyId)).resolves.toBeDefined();
  });

  test('a second revoke of the same key succeeds', async () => {
    const { service } = setup();
    const { apiKeyId } = await service.create(app());
    await service.revoke(apiKeyId);

    await expect(service.revoke(apiKeyId)).resolves.toBeUndefined();
  });

  test('a second revoke keeps the time of the first', async () => {
    const { ledger, service } = setup();
    const { apiKeyId } = await service.create(app());
    await service.revoke(apiKeyId);
    const revoke = jest.spyOn(ledger, 'revoke');

    await service.revoke(apiKeyId);

    expect(revoke).not.toHaveBeenCalled();
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ revokedAt: NOW });
  });

  test('answers 404 for a managed key the ledger does not list, and leaves it in place', async () => {
    const { keys, service } = setup();
    const keyId = await unrecordedManagedKey(keys);

    const error = await rejectionOf(service.revoke(keyId));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    await expect(keys.findKey(keyId)).resolves.toBeDefined();
  });

  test('revokes an entry seeded in the ledger for a key that no longer exists', async () => {
    const { ledger, service } = setup();
    await seedIssued(ledger, 'vanished1');

    await expect(service.revoke('vanished1')).resolves.toBeUndefined();
    await expect(ledger.find('API_KEY', 'vanished1')).resolves.toMatchObject({ state: 'revoked' });
  });
});
