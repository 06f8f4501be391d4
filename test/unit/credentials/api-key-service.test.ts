/**
 * ApiKeyService over in-memory ports: API Gateway as FakeApiKeys (the local adapter, with a call
 * log and injected faults) and the ledger as InMemoryLedger. The tests assert what the service asks
 * of the issuer, what it answers, and what the ledger records: the intent before a key exists,
 * `issued` once it is bound, and for every failure what the reconciler must remove. The exact API
 * Gateway requests, and how SDK failures become the issuer's errors, are in
 * test/unit/adapters/api-gateway-key-issuer.test.ts.
 */
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import { ApiKeyService, type ApiKeyServiceOptions } from '../../../lambda/credentials/api-key-service';
import type { AppDescription } from '../../../lambda/credentials/app';
import {
  type BindingRefusal,
  BindingRefusedError,
  type LedgerEntry,
  OutcomeUnknownError,
} from '../../../lambda/credentials/ports';
import { apiKeyHash } from '../../../lambda/credentials/recording';
import {
  NotFoundError,
  ThrottledError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
} from '../../../lambda/errors';
import { FakeApiKeys } from '../../support/fakes';
import { claimRequest, INSTANCE, keyGrants, seedIssued } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const DEVELOPER = 'dev@example.com';
/** Usage plans that exist in the in-memory API Gateway ('admin-plan' is not on the allow-list). */
const PLANS = ['p1', 'p2', 'p3', 'p4', 'admin-plan'];
/** The plans this deployment may bind keys to; 'gone1' is allowed but does not exist. */
const ALLOWED = ['p1', 'p2', 'p3', 'p4', 'gone1'];
const MANAGED_TAGS = { 'sensedia:managed-by': 'credential-webhook', 'sensedia:developer': DEVELOPER };
/** The name and description create gives an app named "my app" with slug "slug1". */
const NAME = `my app (${DEVELOPER})`;
const DESCRIPTION = 'Issued by the Sensedia Developer Portal credential webhook for app slug1';

interface Setup extends Partial<ApiKeyServiceOptions> {
  /** The usage plans that exist in API Gateway ('any': every plan bound to). */
  readonly plans?: ReadonlySet<string> | 'any';
}

function setup({ plans = new Set(PLANS), ...options }: Setup = {}) {
  const keys = new FakeApiKeys(plans, () => NOW);
  const ledger = new InMemoryLedger(INSTANCE);
  const onLeftover = jest.fn();
  const service = new ApiKeyService(keys, ledger, {
    allowedUsagePlanIds: new Set(ALLOWED),
    maxParallelCalls: 4,
    now: () => NOW,
    onLeftover,
    ...options,
  });
  return { keys, ledger, onLeftover, service };
}

/** A key created through the service (so issued in the ledger), with the call log emptied. */
async function issued(plans: readonly string[] = ['p1'], options: Setup = {}) {
  const context = setup(options);
  const credential = await context.service.create(app([plans]));
  context.keys.forgetCalls();
  return { ...context, keyId: credential.apiKeyId };
}

/** An app with one API per entry of `plansByApi`, each listing those usage plans. */
function app(
  plansByApi: readonly (readonly string[])[] = [['p1']],
  overrides: Partial<AppDescription> = {},
): AppDescription {
  return {
    appName: 'my app',
    appSlug: 'slug1',
    developer: DEVELOPER,
    apis: plansByApi.map((plans, index) => ({ id: `api${index}`, usagePlans: plans.map((id) => ({ id })) })),
    ...overrides,
  };
}

const apis = (plans: readonly string[]): AppDescription['apis'] => [
  { id: 'api0', usagePlans: plans.map((id) => ({ id })) },
];

/** The one entry of the ledger (a create makes exactly one). */
async function onlyEntry(ledger: InMemoryLedger): Promise<LedgerEntry> {
  const entries = await ledger.list();
  expect(entries).toHaveLength(1);
  return entries[0] as LedgerEntry;
}

/** A key in API Gateway, bound to p1, that the ledger does not list; tagged as the webhook's. */
async function unrecordedManagedKey(keys: FakeApiKeys): Promise<string> {
  const { id } = await keys.createKey({
    name: 'other app (dev@example.com)',
    description: 'made by hand',
    tags: MANAGED_TAGS,
  });
  await keys.bindKey('p1', id);
  keys.forgetCalls();
  return id;
}

/** The calls that change a key: binding, unbinding, renaming. */
const modifications = (keys: FakeApiKeys) =>
  keys.calls.filter(({ method }) => ['bindKey', 'unbindKey', 'describeKey'].includes(method));

/** Same items, any order: parallel calls have no order to promise. */
function expectSameItems<T>(actual: readonly T[], expected: readonly T[]): void {
  expect(actual).toHaveLength(expected.length);
  expect(actual).toEqual(expect.arrayContaining([...expected]));
}

const planCount = (count: number) => Array.from({ length: count }, (_, index) => `plan${index}`);

afterEach(() => {
  jest.useRealTimers();
});

describe('create', () => {
  test('creates a key named after the app and developer, tagged as the webhook’s and with the marker of its entry', async () => {
    const { keys, ledger, service } = setup();

    await service.create(app());

    const entry = await onlyEntry(ledger);
    expect(keys.callsOf('createKey')).toEqual([
      [
        {
          name: NAME,
          description: DESCRIPTION,
          tags: {
            ...MANAGED_TAGS,
            'sensedia:ledger-id': `${INSTANCE}.${entry.ledgerId}`,
            'sensedia:app-slug': 'slug1',
          },
        },
      ],
    ]);
  });

  test('marks each key with a ledger entry of its own', async () => {
    const { keys, ledger, service } = setup();

    await service.create(app());
    await service.create(app());

    const markers = keys.callsOf('createKey').map(([key]) => key.tags['sensedia:ledger-id']);
    const entries = await ledger.list();
    expect(new Set(markers).size).toBe(2);
    expect(markers.sort()).toEqual(entries.map(({ ledgerId }) => `${INSTANCE}.${ledgerId}`).sort());
  });

  test('returns the key’s id and value as an API_KEY credential', async () => {
    const { keys, service } = setup();

    const credential = await service.create(app());

    const [key] = await keys.markedKeys(INSTANCE);
    const stored = await keys.findKey(key?.id ?? '', 'with-value');
    expect(credential).toEqual({
      credentialType: 'API_KEY',
      apiKeyId: stored?.id,
      apiKey: stored?.value,
      customCredentials: { apiKeyHeader: 'x-api-key' },
    });
  });

  test('binds the new key once to every distinct usage plan listed across the APIs', async () => {
    const { keys, service } = setup();

    const { apiKeyId } = await service.create(
      app([
        ['p1', 'p2'],
        ['p2', 'p3'],
      ]),
    );

    expectSameItems(keys.callsOf('bindKey'), [
      ['p1', apiKeyId],
      ['p2', apiKeyId],
      ['p3', apiKeyId],
    ]);
  });

  test('refuses a usage plan outside the allow-list with 422 USAGE_PLAN_NOT_ALLOWED, recording and creating nothing', async () => {
    const { keys, ledger, service } = setup();

    const error = await rejectionOf(service.create(app([['p1', 'admin-plan']])));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_ALLOWED' });
    expect(keys.calls).toEqual([]);
    await expect(ledger.list()).resolves.toEqual([]);
  });

  test('refuses more than 10 usage plans with 422 TOO_MANY_USAGE_PLANS, recording and creating nothing', async () => {
    const { keys, ledger, service } = setup({ plans: 'any', allowedUsagePlanIds: 'any' });

    const error = await rejectionOf(service.create(app([planCount(11)])));

    expect(error).toMatchObject({ status: 422, code: 'TOO_MANY_USAGE_PLANS' });
    expect(keys.calls).toEqual([]);
    await expect(ledger.list()).resolves.toEqual([]);
  });

  test('accepts exactly 10 usage plans', async () => {
    const { keys, service } = setup({ plans: 'any', allowedUsagePlanIds: 'any' });

    const { apiKeyId } = await service.create(app([planCount(10)]));

    await expect(keys.listUsagePlansOfKey(apiKeyId)).resolves.toHaveLength(10);
  });

  test('refuses an app without usage plans with 422 NO_USAGE_PLAN, recording and creating nothing', async () => {
    const { keys, ledger, service } = setup();
    const withoutPlans = app([], { apis: [{ id: 'api0' }, { id: 'api1', usagePlans: [] }] });

    const error = await rejectionOf(service.create(withoutPlans));

    expect(error).toMatchObject({ status: 422, code: 'NO_USAGE_PLAN' });
    expect(keys.calls).toEqual([]);
    await expect(ledger.list()).resolves.toEqual([]);
  });

  test('records a pending intent with the app and its plans before the key is created', async () => {
    const { keys, ledger, service } = setup();
    const atCreate: LedgerEntry[][] = [];
    keys.watch('createKey', async () => {
      atCreate.push(await ledger.list());
    });

    await service.create(app([['p1', 'p2']]));

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

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(failure);
    expect(keys.calls).toEqual([]);
  });

  test('records the key as issued once bound, with its id and a hash of its value (never the value)', async () => {
    const { ledger, service } = setup();

    const credential = await service.create(app([['p1', 'p2']]));

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

  test('the key carries the marker of its entry', async () => {
    const { keys, ledger, service } = setup();

    const credential = await service.create(app());

    const entry = await onlyEntry(ledger);
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([
      { id: credential.apiKeyId, ledgerId: entry.ledgerId, createdAt: NOW },
    ]);
  });

  test('binds the key only after its intent is recorded', async () => {
    const { keys, ledger, service } = setup();
    const states: string[] = [];
    keys.watch('bindKey', async () => {
      states.push(...(await ledger.list()).map((entry) => entry.state));
    });

    await service.create(app([['p1', 'p2']]));

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

  test.each([
    { reason: 'usage-plan-not-found', code: 'USAGE_PLAN_NOT_FOUND' },
    { reason: 'conflict', code: 'USAGE_PLAN_CONFLICT' },
    { reason: 'invalid', code: 'USAGE_PLAN_REFUSED' },
  ] as const)('answers a binding refused ($reason) with 422 $code', async ({ reason, code }) => {
    const { keys, service } = setup();
    keys.fail('bindKey', { error: new BindingRefusedError('p2', reason), when: (planId) => planId === 'p2' });

    const error = await rejectionOf(service.create(app([['p1', 'p2']])));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code });
  });

  test.each<BindingRefusal>(['usage-plan-not-found', 'conflict', 'invalid'])(
    'deletes the new key when a binding is refused (%s)',
    async (reason) => {
      const { keys, service } = setup();
      keys.fail('bindKey', {
        error: new BindingRefusedError('p2', reason),
        when: (planId) => planId === 'p2',
      });

      await rejectionOf(service.create(app([['p1', 'p2']])));

      const [, created] = keys.callsOf('bindKey')[0] ?? [];
      expect(keys.callsOf('deleteKey')).toEqual([[created]]);
      await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    },
  );

  test('a refused binding (a plan that does not exist) deletes the key and marks the intent abandoned', async () => {
    const { keys, ledger, service } = setup();

    const error = await rejectionOf(service.create(app([['p1', 'gone1']])));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_FOUND' });
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned', updatedAt: NOW });
  });

  test('a refused binding whose key is deleted reports no leftover', async () => {
    const { onLeftover, service } = setup();

    await rejectionOf(service.create(app([['p1', 'gone1']])));

    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('answers a throttled binding with the 429 (and its Retry-After) the issuer threw', async () => {
    const { keys, service } = setup();
    const throttled = new ThrottledError(1);
    keys.fail('bindKey', { error: throttled });

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(throttled);
    expect(error).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
  });

  test('deletes the new key when a binding is throttled', async () => {
    const { keys, ledger, service } = setup();
    keys.fail('bindKey', { error: new ThrottledError(1) });

    await rejectionOf(service.create(app()));

    expect(keys.callsOf('deleteKey')).toHaveLength(1);
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned' });
  });

  test('a key that cannot be deleted after a refused binding is reported as still there', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    const refusal = new UpstreamError();
    keys.fail('deleteKey', { error: refusal });

    await rejectionOf(service.create(app([['p1', 'gone1']])));

    const [key] = await keys.markedKeys(INSTANCE);
    const entry = await onlyEntry(ledger);
    expect(onLeftover).toHaveBeenCalledTimes(1);
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'API_KEY', ledgerId: entry.ledgerId, credentialId: key?.id, status: 'exists' },
      refusal,
    );
    expect(entry.state).toBe('abandoned');
  });

  test('checks, reading the key without its value, that a key it could not delete is still there', async () => {
    const { keys, service } = setup();
    keys.fail('deleteKey', { error: new UpstreamError() });

    await rejectionOf(service.create(app([['p1', 'gone1']])));

    const [key] = await keys.markedKeys(INSTANCE);
    expect(keys.callsOf('findKey')).toEqual([[key?.id, 'without-value']]);
  });

  test('a key IAM refuses to delete after a refused binding is reported as still there', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    jest.spyOn(keys, 'deleteKey').mockResolvedValue('foreign');

    await rejectionOf(service.create(app([['p1', 'gone1']])));

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
    keys.fail('deleteKey', { error: new UpstreamError(), afterActing: true });

    await rejectionOf(service.create(app([['p1', 'gone1']])));

    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a key whose delete and check both fail is reported as unknown', async () => {
    const { keys, onLeftover, service } = setup();
    keys.fail('deleteKey', { error: new UpstreamError() });
    keys.fail('findKey', { error: new UpstreamError() });

    await rejectionOf(service.create(app([['p1', 'gone1']])));

    expect(onLeftover).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'unknown' }),
      expect.anything(),
    );
  });

  test('still answers with the binding error when the key cannot be deleted', async () => {
    const { keys, service } = setup();
    keys.fail('deleteKey', { error: new UpstreamError() });

    const error = await rejectionOf(service.create(app([['p1', 'gone1']])));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_FOUND' });
  });

  test('retries a throttled delete of the half-made key on its own schedule', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { keys, onLeftover, service } = setup();
    keys.fail('deleteKey', { error: new ThrottledError(1), once: true });

    const outcome = rejectionOf(service.create(app([['p1', 'gone1']])));
    await jest.runAllTimersAsync();
    await outcome;

    expect(keys.callsOf('deleteKey')).toHaveLength(2);
    await expect(keys.markedKeys(INSTANCE)).resolves.toEqual([]);
    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a create AWS refused binds nothing, marks the intent abandoned, reports no leftover and answers with its error', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    const throttled = new ThrottledError(2);
    keys.fail('createKey', { error: throttled });

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(throttled);
    expect(keys.callsOf('bindKey')).toEqual([]);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned' });
    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a create whose outcome is unknown marks the intent abandoned and reports that a key may exist', async () => {
    const { keys, ledger, onLeftover, service } = setup();
    const lost = new OutcomeUnknownError(new UnavailableError());
    keys.fail('createKey', { error: lost });

    await rejectionOf(service.create(app()));

    const entry = await onlyEntry(ledger);
    expect(entry.state).toBe('abandoned');
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'API_KEY', ledgerId: entry.ledgerId, status: 'may-exist' },
      lost,
    );
  });

  test('a create whose outcome is unknown answers with the 503 behind it, binding and deleting nothing', async () => {
    const { keys, service } = setup();
    const cause = new UnavailableError();
    keys.fail('createKey', { error: new OutcomeUnknownError(cause) });

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(cause);
    expect(keys.calls.map(({ method }) => method)).toEqual(['createKey']);
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
  test('reads the key (without its value) and the usage plans it is in', async () => {
    const { keys, service, keyId } = await issued();

    await service.update(keyId, { apis: apis(['p1']) });

    expect(keys.callsOf('findKey')).toEqual([[keyId, 'without-value']]);
    expect(keys.callsOf('listUsagePlansOfKey')).toEqual([[keyId]]);
  });

  test('binds the key to the listed plans it is not in yet, and only to those', async () => {
    const { keys, service, keyId } = await issued(['p1', 'p2']);

    await service.update(keyId, { apis: apis(['p2', 'p3']) });

    expect(keys.callsOf('bindKey')).toEqual([['p3', keyId]]);
  });

  test('detaches the key from the plans no longer listed, and only from those', async () => {
    const { keys, service, keyId } = await issued(['p1', 'p2']);

    await service.update(keyId, { apis: apis(['p2', 'p3']) });

    expect(keys.callsOf('unbindKey')).toEqual([['p1', keyId]]);
    expectSameItems(await keys.listUsagePlansOfKey(keyId), ['p2', 'p3']);
  });

  test('never detaches the key from a usage plan outside the allow-list', async () => {
    const { keys, service, keyId } = await issued(['p1']);
    await keys.bindKey('admin-plan', keyId);

    await service.update(keyId, { apis: apis(['p2']) });

    expect(keys.callsOf('unbindKey')).toEqual([['p1', keyId]]);
    expectSameItems(await keys.listUsagePlansOfKey(keyId), ['admin-plan', 'p2']);
  });

  test('counts the plans it may not detach towards the limit of 10, changing nothing when over it', async () => {
    const allowed = planCount(9);
    const { keys, service, keyId } = await issued(['plan0'], {
      plans: 'any',
      allowedUsagePlanIds: new Set(allowed),
    });
    await keys.bindKey('foreign1', keyId);
    await keys.bindKey('foreign2', keyId);
    keys.forgetCalls();

    const error = await rejectionOf(service.update(keyId, { apis: apis(allowed) }));

    expect(error).toMatchObject({ status: 422, code: 'TOO_MANY_USAGE_PLANS' });
    expect(modifications(keys)).toEqual([]);
  });

  test('refuses a usage plan outside the allow-list with 422 USAGE_PLAN_NOT_ALLOWED, calling no AWS', async () => {
    const { keys, service, keyId } = await issued();

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p1', 'admin-plan']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_ALLOWED' });
    expect(keys.calls).toEqual([]);
  });

  test('does not list or change usage plans when the request has no apis', async () => {
    const { keys, service, keyId } = await issued();

    await service.update(keyId, { appName: 'renamed app', developer: DEVELOPER });

    expect(keys.calls.map(({ method }) => method).sort()).toEqual(['describeKey', 'findKey']);
  });

  test('renames the key when the app name changes, keeping its description', async () => {
    const { keys, service, keyId } = await issued();

    await service.update(keyId, { appName: 'renamed app', appSlug: 'slug1', developer: DEVELOPER });

    expect(keys.callsOf('describeKey')).toEqual([[keyId, `renamed app (${DEVELOPER})`, DESCRIPTION]]);
    await expect(keys.findKey(keyId)).resolves.toMatchObject({ name: `renamed app (${DEVELOPER})` });
  });

  test('re-describes the key when the app slug changes, keeping its name', async () => {
    const { keys, service, keyId } = await issued();

    await service.update(keyId, { appSlug: 'slug2' });

    expect(keys.callsOf('describeKey')).toEqual([
      [keyId, NAME, 'Issued by the Sensedia Developer Portal credential webhook for app slug2'],
    ]);
  });

  test('does not rename the key when the name and description stay the same', async () => {
    const { keys, service, keyId } = await issued();

    await service.update(keyId, {
      appName: 'my app',
      appSlug: 'slug1',
      developer: DEVELOPER,
      apis: apis(['p1']),
    });

    expect(modifications(keys)).toEqual([]);
  });

  test('keeps the name when the app name comes without the developer', async () => {
    const { keys, service, keyId } = await issued();

    await service.update(keyId, { appName: 'renamed app' });

    expect(keys.callsOf('describeKey')).toEqual([]);
  });

  test('answers 404 CREDENTIAL_NOT_FOUND for a key the ledger lists but API Gateway no longer has, modifying nothing', async () => {
    const { keys, service, keyId } = await issued();
    await keys.deleteKey(keyId);
    keys.forgetCalls();

    const error = await rejectionOf(
      service.update(keyId, { appName: 'x', developer: DEVELOPER, apis: apis(['p2']) }),
    );

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(modifications(keys)).toEqual([]);
  });

  test('answers 404 for a key tagged as managed that the ledger does not list, changing nothing', async () => {
    const { keys, service } = setup();
    const keyId = await unrecordedManagedKey(keys);

    const error = await rejectionOf(
      service.update(keyId, { appName: 'renamed', developer: DEVELOPER, apis: apis(['p2']) }),
    );

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(modifications(keys)).toEqual([]);
    await expect(keys.listUsagePlansOfKey(keyId)).resolves.toEqual(['p1']);
    await expect(keys.findKey(keyId)).resolves.toMatchObject({ name: 'other app (dev@example.com)' });
  });

  test('answers 404 for a key the ledger shows revoked, modifying nothing', async () => {
    const { keys, ledger, service, keyId } = await issued();
    await ledger.revoke(await onlyEntry(ledger), NOW);

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p2']) }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(modifications(keys)).toEqual([]);
  });

  test('updates a key the ledger lists whatever its tags say', async () => {
    const { keys, ledger, service } = setup();
    const { id: keyId } = await keys.createKey({ name: NAME, description: DESCRIPTION, tags: {} });
    await keys.bindKey('p1', keyId);
    // Issued a minute earlier: the ledger refuses an amendment older than the entry.
    await seedIssued(ledger, keyId, { grants: keyGrants('p1'), createdAt: NOW - 60_000 });
    keys.forgetCalls();

    await service.update(keyId, { apis: apis(['p1', 'p2']) });

    expect(keys.callsOf('bindKey')).toEqual([['p2', keyId]]);
  });

  test('records the union of the old and new plans before binding the key to a new one', async () => {
    const { keys, ledger, service, keyId } = await issued(['p1']);
    const recordedAtBind: (readonly string[])[] = [];
    keys.watch('bindKey', async () => {
      const entry = await onlyEntry(ledger);
      if (entry.grants.kind === 'API_KEY') recordedAtBind.push(entry.grants.usagePlanIds);
    });

    await service.update(keyId, { apis: apis(['p2']) });

    expect(recordedAtBind).toEqual([['p1', 'p2']]);
  });

  test('records exactly the listed plans once the bindings are changed', async () => {
    const { keys, ledger, service, keyId } = await issued(['p1', 'p2']);

    await service.update(keyId, { apis: apis(['p2', 'p3']) });

    await expect(onlyEntry(ledger)).resolves.toMatchObject({ grants: keyGrants('p2', 'p3') });
    expectSameItems(await keys.listUsagePlansOfKey(keyId), ['p2', 'p3']);
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

    expect(keys.callsOf('bindKey')).toEqual([]);
    await expect(keys.listUsagePlansOfKey(keyId)).resolves.toEqual(['p1']);
  });

  test('a failed update leaves the ledger listing the plans the key may be bound to', async () => {
    const { ledger, service, keyId } = await issued(['p1']);

    await rejectionOf(service.update(keyId, { apis: apis(['p2', 'gone1']) }));

    await expect(onlyEntry(ledger)).resolves.toMatchObject({ grants: keyGrants('p1', 'p2', 'gone1') });
  });

  test('reports a refused binding as 422 and re-binds the plan it had detached meanwhile', async () => {
    const { keys, service, keyId } = await issued(['p1', 'p2']);
    keys.fail('bindKey', {
      error: new BindingRefusedError('p3', 'conflict'),
      when: (planId) => planId === 'p3',
    });

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p2', 'p3']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_CONFLICT' });
    // p1 detached, then the undo: p3 detached in case its answer was lost, p1 bound again.
    expectSameItems(keys.callsOf('unbindKey'), [
      ['p1', keyId],
      ['p3', keyId],
    ]);
    expectSameItems(keys.callsOf('bindKey'), [
      ['p3', keyId],
      ['p1', keyId],
    ]);
    expectSameItems(await keys.listUsagePlansOfKey(keyId), ['p1', 'p2']);
  });

  test('reports a throttled detach as 429 and detaches the plan it had added meanwhile', async () => {
    const { keys, service, keyId } = await issued(['p1', 'p2']);
    const throttled = new ThrottledError(1);
    keys.fail('unbindKey', { error: throttled, when: (planId) => planId === 'p1' });

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p2', 'p3']) }));

    expect(error).toBe(throttled);
    // p3 bound, then the undo: p1 bound again in case its detach went through, p3 detached.
    expectSameItems(keys.callsOf('bindKey'), [
      ['p3', keyId],
      ['p1', keyId],
    ]);
    expectSameItems(keys.callsOf('unbindKey'), [
      ['p1', keyId],
      ['p3', keyId],
    ]);
    expectSameItems(await keys.listUsagePlansOfKey(keyId), ['p1', 'p2']);
  });

  test('undoes the binding changes when renaming the key fails', async () => {
    const { keys, service, keyId } = await issued(['p1']);
    const refused = new UpstreamError();
    keys.fail('describeKey', { error: refused });

    const error = await rejectionOf(
      service.update(keyId, { appName: 'renamed', developer: DEVELOPER, apis: apis(['p2']) }),
    );

    expect(error).toBe(refused);
    expectSameItems(keys.callsOf('unbindKey'), [
      ['p1', keyId],
      ['p2', keyId],
    ]);
    expectSameItems(keys.callsOf('bindKey'), [
      ['p2', keyId],
      ['p1', keyId],
    ]);
    await expect(keys.listUsagePlansOfKey(keyId)).resolves.toEqual(['p1']);
  });

  test('undoes the changes made and the one that failed, and leaves alone those that never started', async () => {
    const { keys, service, keyId } = await issued(['p1'], { maxParallelCalls: 1 });

    // One call at a time: bind p2 (done), bind gone1 (refused), detach p1 (never started).
    await rejectionOf(service.update(keyId, { apis: apis(['p2', 'gone1']) }));

    expect(keys.callsOf('bindKey')).toEqual([
      ['p2', keyId],
      ['gone1', keyId],
    ]);
    expectSameItems(keys.callsOf('unbindKey'), [
      ['p2', keyId],
      ['gone1', keyId],
    ]);
    await expect(keys.listUsagePlansOfKey(keyId)).resolves.toEqual(['p1']);
  });

  test('reports the original failure when the undo fails too', async () => {
    const { keys, service, keyId } = await issued(['p1']);
    keys.fail('unbindKey', { error: new UnavailableError() });

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p1', 'p2', 'gone1']) }));

    expect(error).toMatchObject({ status: 422, code: 'USAGE_PLAN_NOT_FOUND' });
    expectSameItems(keys.callsOf('unbindKey'), [
      ['p2', keyId],
      ['gone1', keyId],
    ]);
  });
});

describe('recover', () => {
  test('reads the key with its value, and returns it as the credential create returned', async () => {
    const { keys, service } = setup();
    const credential = await service.create(app());
    keys.forgetCalls();

    await expect(service.recover(credential.apiKeyId)).resolves.toEqual(credential);
    expect(keys.callsOf('findKey')).toEqual([[credential.apiKeyId, 'with-value']]);
  });

  test('returns undefined for a key that no longer exists', async () => {
    const { keys, service, keyId } = await issued();
    await keys.deleteKey(keyId);

    await expect(service.recover(keyId)).resolves.toBeUndefined();
  });

  test('returns undefined when API Gateway gives no value', async () => {
    const { keys, service, keyId } = await issued();
    jest
      .spyOn(keys, 'findKey')
      .mockResolvedValue({ id: keyId, name: NAME, description: DESCRIPTION, tags: MANAGED_TAGS });

    await expect(service.recover(keyId)).resolves.toBeUndefined();
  });

  test('returns undefined for a key the ledger shows revoked, even if it still exists', async () => {
    const { ledger, service } = setup();
    const credential = await service.create(app());
    await ledger.revoke(await onlyEntry(ledger), NOW);

    await expect(service.recover(credential.apiKeyId)).resolves.toBeUndefined();
  });

  test('returns undefined, reading nothing from AWS, for a managed key the ledger does not list', async () => {
    const { keys, service } = setup();
    const keyId = await unrecordedManagedKey(keys);

    await expect(service.recover(keyId)).resolves.toBeUndefined();
    expect(keys.calls).toEqual([]);
  });

  test('answers a failed read with the issuer’s error', async () => {
    const { keys, service, keyId } = await issued();
    const throttled = new ThrottledError(1);
    keys.fail('findKey', { error: throttled });

    await expect(service.recover(keyId)).rejects.toBe(throttled);
  });
});

describe('revoke', () => {
  test('records the revoke, then deletes the key in one call', async () => {
    const { keys, ledger, service, keyId } = await issued();
    const statesAtDelete: string[] = [];
    keys.watch('deleteKey', async () => {
      statesAtDelete.push((await onlyEntry(ledger)).state);
    });

    await service.revoke(keyId);

    expect(keys.calls).toEqual([{ method: 'deleteKey', args: [keyId] }]);
    expect(statesAtDelete).toEqual(['revoked']);
    await expect(keys.findKey(keyId)).resolves.toBeUndefined();
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'revoked', revokedAt: NOW });
  });

  test('deletes nothing when the revoke cannot be recorded', async () => {
    const { keys, ledger, service, keyId } = await issued();
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'revoke').mockRejectedValue(failure);

    const error = await rejectionOf(service.revoke(keyId));

    expect(error).toBe(failure);
    expect(keys.calls).toEqual([]);
    await expect(keys.findKey(keyId)).resolves.toBeDefined();
  });

  test('a second revoke of the same key succeeds', async () => {
    const { service, keyId } = await issued();
    await service.revoke(keyId);

    await expect(service.revoke(keyId)).resolves.toBeUndefined();
  });

  test('a second revoke keeps the time of the first', async () => {
    const { ledger, service, keyId } = await issued();
    await service.revoke(keyId);
    const revoke = jest.spyOn(ledger, 'revoke');

    await service.revoke(keyId);

    expect(revoke).not.toHaveBeenCalled();
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ revokedAt: NOW });
  });

  test('answers 404, calling no AWS, for a managed key the ledger does not list, and leaves it in place', async () => {
    const { keys, service } = setup();
    const keyId = await unrecordedManagedKey(keys);

    const error = await rejectionOf(service.revoke(keyId));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(keys.calls).toEqual([]);
    await expect(keys.findKey(keyId)).resolves.toBeDefined();
  });

  test('answers 502 when IAM refuses to delete a key the ledger lists (it lacks the managed-by tag): it is not gone', async () => {
    const { keys, ledger, service } = setup();
    const { id: keyId } = await keys.createKey({ name: NAME, description: DESCRIPTION, tags: {} });
    await seedIssued(ledger, keyId);

    const error = await rejectionOf(service.revoke(keyId));

    expect(error).toBeInstanceOf(UpstreamError);
    await expect(keys.findKey(keyId)).resolves.toBeDefined();
  });

  test('resolves when the key is already gone, recording the revoke', async () => {
    const { keys, ledger, service, keyId } = await issued();
    await keys.deleteKey(keyId);

    await expect(service.revoke(keyId)).resolves.toBeUndefined();
    await expect(ledger.find('API_KEY', keyId)).resolves.toMatchObject({ state: 'revoked' });
  });

  test('revokes an entry seeded in the ledger for a key that never existed here', async () => {
    const { ledger, service } = setup();
    await seedIssued(ledger, 'vanished1');

    await expect(service.revoke('vanished1')).resolves.toBeUndefined();
    await expect(ledger.find('API_KEY', 'vanished1')).resolves.toMatchObject({ state: 'revoked' });
  });

  test('answers a failed delete with the issuer’s error', async () => {
    const { keys, service, keyId } = await issued();
    const throttled = new ThrottledError(1);
    keys.fail('deleteKey', { error: throttled });

    await expect(service.revoke(keyId)).rejects.toBe(throttled);
  });
});

describe('a key that expires', () => {
  const DAY = 86_400;

  /** The service with a clock the test moves, and a key issued at NOW living one day. */
  async function expiring() {
    let clock = NOW;
    const context = setup({ now: () => clock });
    const credential = await context.service.create(app(), undefined, DAY);
    context.keys.forgetCalls();
    return {
      ...context,
      credential,
      keyId: credential.apiKeyId,
      advanceSeconds: (seconds: number) => {
        clock += seconds * 1000;
      },
    };
  }

  test('returns when it expires in customCredentials, and the ledger records it', async () => {
    const { ledger, credential } = await expiring();

    expect(credential.customCredentials).toEqual({
      apiKeyHeader: 'x-api-key',
      expiresAt: '2026-11-24T10:00:00Z',
    });
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'issued', expiresAt: NOW + DAY * 1000 });
  });

  test('without a lifetime, adds no expiry anywhere', async () => {
    const { ledger, service } = setup();

    const credential = await service.create(app());

    expect(credential.customCredentials).toEqual({ apiKeyHeader: 'x-api-key' });
    expect(await onlyEntry(ledger)).not.toHaveProperty('expiresAt');
  });

  test('read back for a repeated create, has the same expiry', async () => {
    const { service, keyId, credential, advanceSeconds } = await expiring();
    advanceSeconds(600);

    const recovered = await service.recover(keyId);

    expect(recovered?.customCredentials.expiresAt).toBe(credential.customCredentials.expiresAt);
  });

  test('is not read back once expired, so a repeated create issues a new one', async () => {
    const { service, keyId, advanceSeconds } = await expiring();
    advanceSeconds(DAY);

    await expect(service.recover(keyId)).resolves.toBeUndefined();
  });

  test('can be updated until its last second', async () => {
    const { keys, service, keyId, advanceSeconds } = await expiring();
    advanceSeconds(DAY - 1);

    await service.update(keyId, { apis: apis(['p1', 'p2']) });

    expect(keys.callsOf('bindKey')).toEqual([['p2', keyId]]);
  });

  test('answers 404 to an update from its expiry on, before the reconciler has run, modifying nothing', async () => {
    const { keys, service, keyId, advanceSeconds } = await expiring();
    advanceSeconds(DAY);

    const error = await rejectionOf(service.update(keyId, { apis: apis(['p2']) }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(modifications(keys)).toEqual([]);
  });

  test('answers 404 to an update once the ledger says expired', async () => {
    const { ledger, service, keyId, advanceSeconds } = await expiring();
    advanceSeconds(DAY);
    await ledger.expire(await onlyEntry(ledger), NOW + DAY * 1000);

    await expect(rejectionOf(service.update(keyId, { appName: 'renamed' }))).resolves.toMatchObject({
      status: 404,
    });
  });

  test('revoked after its expiry but before the reconciler, is recorded expired (not revoked) and deleted', async () => {
    const { keys, ledger, service, keyId, advanceSeconds } = await expiring();
    advanceSeconds(DAY + 5);
    const statesAtDelete: string[] = [];
    keys.watch('deleteKey', async () => {
      statesAtDelete.push((await onlyEntry(ledger)).state);
    });

    await expect(service.revoke(keyId)).resolves.toBeUndefined();

    expect(statesAtDelete).toEqual(['expired']);
    await expect(keys.findKey(keyId)).resolves.toBeUndefined();
    const entry = await onlyEntry(ledger);
    expect(entry).toMatchObject({ state: 'expired', expiredAt: NOW + (DAY + 5) * 1000 });
    expect(entry).not.toHaveProperty('revokedAt');
  });

  test('revoked after the reconciler expired it, succeeds and leaves the entry expired', async () => {
    const { ledger, service, keyId, advanceSeconds } = await expiring();
    advanceSeconds(DAY);
    await ledger.expire(await onlyEntry(ledger), NOW + DAY * 1000);
    const revoke = jest.spyOn(ledger, 'revoke');
    const expire = jest.spyOn(ledger, 'expire');

    await expect(service.revoke(keyId)).resolves.toBeUndefined();

    expect(revoke).not.toHaveBeenCalled();
    expect(expire).not.toHaveBeenCalled();
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'expired' });
  });

  test('revoked before its expiry, is recorded revoked', async () => {
    const { ledger, service, keyId, advanceSeconds } = await expiring();
    advanceSeconds(DAY - 1);

    await service.revoke(keyId);

    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'revoked' });
  });
});
