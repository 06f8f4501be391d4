/**
 * Reconciler over the in-process adapters (InMemoryLedger, InMemoryApiKeys, InMemoryClients) and
 * a clock the tests move: what a pass does to each kind of drift between AWS and the ledger, what
 * it leaves alone, and what it reports.
 */
import { InMemoryApiKeys } from '../../../lambda/adapters/local/in-memory-api-keys';
import { InMemoryClients } from '../../../lambda/adapters/local/in-memory-clients';
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import { MARKER_TAG } from '../../../lambda/credentials/marker';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../../lambda/credentials/naming';
import type { Grants } from '../../../lambda/credentials/ports';
import { UnavailableError } from '../../../lambda/errors';
import { type Finding, Reconciler, type ReconcilerOptions } from '../../../lambda/reconciler/reconciler';
import { APP, clientGrants, INSTANCE, keyGrants, newEntry, revokeIssued } from '../../support/ledger';

const OTHER_INSTANCE = 'ffff0000';
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const GRACE_SECONDS = 300;
/** Plans the deployment manages; 'admin' exists too but is not on the allow-list. */
const ALLOWED = ['p1', 'p2'];

function world() {
  let clock = T0;
  const now = () => clock;
  const keys = new InMemoryApiKeys(new Set([...ALLOWED, 'admin']), now);
  const clients = new InMemoryClients(now);
  const ledger = new InMemoryLedger(INSTANCE);
  const onAction = jest.fn();
  const reconciler = (options: Partial<ReconcilerOptions> = {}) =>
    new Reconciler(ledger, keys, clients, {
      graceSeconds: GRACE_SECONDS,
      allowedUsagePlanIds: new Set(ALLOWED),
      now,
      onAction,
      ...options,
    });
  return {
    keys,
    clients,
    ledger,
    onAction,
    reconciler,
    run: (options: Partial<ReconcilerOptions> = {}) => reconciler(options).run(),
    advanceSeconds: (seconds: number) => {
      clock += seconds * 1000;
    },
    now,
  };
}

type World = ReturnType<typeof world>;

/** A key carrying the marker of `ledgerId` (of `instance`), bound to `plans`. */
async function markedKey(w: World, ledgerId: string, plans: readonly string[] = [], instance = INSTANCE) {
  const { id } = await w.keys.createKey({
    name: `app ${ledgerId}`,
    description: 'test key',
    tags: { [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [MARKER_TAG]: `${instance}.${ledgerId}` },
  });
  for (const plan of plans) await w.keys.bindKey(plan, id);
  return id;
}

/** A client whose name ends with the marker of `ledgerId` (of `instance`). */
async function markedClient(w: World, ledgerId: string, instance = INSTANCE) {
  const { clientId } = await w.clients.createClient({
    name: `app - dev@example.com cw=${instance}.${ledgerId}`,
    marker: `${instance}.${ledgerId}`,
    scopes: ['orders/read'],
    accessTokenValidityMinutes: 60,
  });
  return clientId;
}

/** A pending intent made now. */
async function intent(w: World, ledgerId: string, grants: Grants = keyGrants('p1')) {
  const entry = newEntry({ ledgerId, grants, createdAt: w.now() });
  await w.ledger.begin(entry);
  return entry;
}

/** A key made through the ledger as the webhook makes one: intent, key, bindings, issued. */
async function issuedKey(w: World, ledgerId: string, plans: readonly string[] = ['p1']) {
  const entry = await intent(w, ledgerId, keyGrants(...plans));
  const id = await markedKey(w, ledgerId, plans);
  await w.ledger.issue(entry, { credentialId: id, at: w.now() });
  return id;
}

async function issuedClient(w: World, ledgerId: string) {
  const entry = await intent(w, ledgerId, clientGrants('orders/read'));
  const id = await markedClient(w, ledgerId);
  await w.ledger.issue(entry, { credentialId: id, at: w.now() });
  return id;
}

const stateOf = async (w: World, ledgerId: string) =>
  (await w.ledger.list()).find((entry) => entry.ledgerId === ledgerId)?.state;

const findingOf = (findings: readonly Finding[], ledgerId: string, action?: Finding['action']) =>
  findings.find(
    (finding) => finding.ledgerId === ledgerId && (action === undefined || finding.action === action),
  );

describe('marked keys', () => {
  test('keeps a key the ledger shows issued as that key', async () => {
    const w = world();
    const id = await issuedKey(w, 'issuedkey0000000');

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    expect(findingOf(report.findings, 'issuedkey0000000')).toMatchObject({
      kind: 'API_KEY',
      credentialId: id,
      state: 'issued',
      action: 'keep',
      outcome: 'n/a',
    });
  });

  test('deletes at once a key whose entry is revoked', async () => {
    const w = world();
    const id = await issuedKey(w, 'revokedkey000000');
    await revokeIssued(w.ledger, 'API_KEY', id, w.now());

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeUndefined();
    expect(findingOf(report.findings, 'revokedkey000000', 'delete')).toMatchObject({
      credentialId: id,
      state: 'revoked',
      reason: 'ledger says revoked',
      outcome: 'done',
    });
  });

  test('shows a revoked entry whose key is still there once, as the key to delete', async () => {
    const w = world();
    const id = await issuedKey(w, 'revokedonce00000');
    await revokeIssued(w.ledger, 'API_KEY', id, w.now());

    const report = await w.run();

    expect(report.findings.filter((finding) => finding.ledgerId === 'revokedonce00000')).toEqual([
      expect.objectContaining({ action: 'delete', credentialId: id }),
    ]);
  });

  test('deletes at once a key whose entry is abandoned (its create failed)', async () => {
    const w = world();
    await intent(w, 'abandonedkey0000');
    const id = await markedKey(w, 'abandonedkey0000');
    await w.ledger.abandon('abandonedkey0000', w.now());

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeUndefined();
    expect(findingOf(report.findings, 'abandonedkey0000', 'delete')).toMatchObject({
      credentialId: id,
      state: 'abandoned',
      reason: 'ledger says abandoned',
      outcome: 'done',
    });
  });

  test('waits for a key whose create may still be in flight (pending, younger than the grace period)', async () => {
    const w = world();
    await intent(w, 'pendingkey000000');
    const id = await markedKey(w, 'pendingkey000000');
    w.advanceSeconds(GRACE_SECONDS - 1);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    await expect(stateOf(w, 'pendingkey000000')).resolves.toBe('pending');
    expect(findingOf(report.findings, 'pendingkey000000')).toMatchObject({
      action: 'wait',
      ageSeconds: GRACE_SECONDS - 1,
    });
  });

  test('deletes a key whose create never completed once past the grace period, abandoning its entry', async () => {
    const w = world();
    await intent(w, 'pendingkey000000');
    const id = await markedKey(w, 'pendingkey000000');
    w.advanceSeconds(GRACE_SECONDS);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeUndefined();
    await expect(stateOf(w, 'pendingkey000000')).resolves.toBe('abandoned');
    expect(findingOf(report.findings, 'pendingkey000000')).toMatchObject({
      state: 'pending',
      action: 'delete',
      reason: 'create never completed',
      outcome: 'done',
    });
  });

  test('waits for a marked key the ledger does not list while it is younger than the grace period', async () => {
    const w = world();
    const id = await markedKey(w, 'unrecordedkey000');
    w.advanceSeconds(GRACE_SECONDS - 1);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    expect(findingOf(report.findings, 'unrecordedkey000')).toMatchObject({
      state: 'unrecorded',
      action: 'wait',
    });
  });

  test('deletes a marked key the ledger does not list once older than the grace period, by its creation time', async () => {
    const w = world();
    const id = await markedKey(w, 'unrecordedkey000');
    w.advanceSeconds(GRACE_SECONDS + 10);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeUndefined();
    expect(findingOf(report.findings, 'unrecordedkey000')).toMatchObject({
      state: 'unrecorded',
      action: 'delete',
      reason: 'marked, not in the ledger',
      ageSeconds: GRACE_SECONDS + 10,
      outcome: 'done',
    });
  });

  test('deletes at once a second key of an entry issued as another key', async () => {
    const w = world();
    const issued = await issuedKey(w, 'twicemarked00000');
    const stray = await markedKey(w, 'twicemarked00000');

    const report = await w.run();

    await expect(w.keys.findKey(stray)).resolves.toBeUndefined();
    await expect(w.keys.findKey(issued)).resolves.toBeDefined();
    expect(report.findings.find((finding) => finding.credentialId === stray)).toMatchObject({
      action: 'delete',
      reason: `ledger issued ${issued} instead`,
    });
  });

  test('never touches a key marked by another deployment, nor lists it', async () => {
    const w = world();
    const id = await markedKey(w, 'otherdeployment0', ['p1'], OTHER_INSTANCE);
    w.advanceSeconds(GRACE_SECONDS * 10);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    await expect(w.keys.listUsagePlansOfKey(id)).resolves.toEqual(['p1']);
    expect(report.findings).toEqual([]);
  });

  test('never touches a key without a marker', async () => {
    const w = world();
    const { id } = await w.keys.createKey({ name: 'hand-made', description: '', tags: {} });
    w.advanceSeconds(GRACE_SECONDS * 10);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    expect(report.findings).toEqual([]);
  });
});

describe('ledger entries', () => {
  test('reports an issued key missing in AWS', async () => {
    const w = world();
    const id = await issuedKey(w, 'vanishedkey00000');
    await w.keys.deleteKey(id);

    const report = await w.run();

    expect(findingOf(report.findings, 'vanishedkey00000')).toMatchObject({
      credentialId: id,
      state: 'issued',
      action: 'report',
      reason: 'issued, missing in AWS',
    });
    expect(report.counts).toMatchObject({ missing: 1, drift: 1 });
  });

  test('abandons an intent that produced nothing once past the grace period', async () => {
    const w = world();
    await intent(w, 'emptyintent00000');
    w.advanceSeconds(GRACE_SECONDS);

    const report = await w.run();

    await expect(stateOf(w, 'emptyintent00000')).resolves.toBe('abandoned');
    expect(findingOf(report.findings, 'emptyintent00000')).toMatchObject({
      action: 'abandon',
      outcome: 'done',
    });
    expect(report.counts.abandoned).toBe(1);
  });

  test('waits for an intent that produced nothing yet while it is young', async () => {
    const w = world();
    await intent(w, 'emptyintent00000');

    const report = await w.run();

    await expect(stateOf(w, 'emptyintent00000')).resolves.toBe('pending');
    expect(findingOf(report.findings, 'emptyintent00000')).toMatchObject({ action: 'wait' });
  });

  test('lists revoked and abandoned entries without a resource, and does nothing with them', async () => {
    const w = world();
    await intent(w, 'abandoned0000000');
    await w.ledger.abandon('abandoned0000000', w.now());

    const report = await w.run();

    expect(findingOf(report.findings, 'abandoned0000000')).toMatchObject({
      state: 'abandoned',
      action: 'none',
      outcome: 'n/a',
    });
  });
});

describe('usage plan bindings', () => {
  test('unbinds an issued key from an allow-listed plan the ledger does not list', async () => {
    const w = world();
    const id = await issuedKey(w, 'boundkey00000000', ['p1']);
    await w.keys.bindKey('p2', id);

    const report = await w.run();

    await expect(w.keys.listUsagePlansOfKey(id)).resolves.toEqual(['p1']);
    expect(findingOf(report.findings, 'boundkey00000000', 'unbind')).toMatchObject({
      credentialId: id,
      grants: ['p1'],
      reason: 'bound to p2, which the ledger does not list',
      outcome: 'done',
    });
    expect(report.counts).toMatchObject({ unbound: 1, drift: 1 });
  });

  test('never unbinds a key from a plan outside the allow-list', async () => {
    const w = world();
    const id = await issuedKey(w, 'boundkey00000000', ['p1']);
    await w.keys.bindKey('admin', id);

    const report = await w.run();

    await expect(w.keys.listUsagePlansOfKey(id)).resolves.toEqual(expect.arrayContaining(['p1', 'admin']));
    expect(findingOf(report.findings, 'boundkey00000000', 'unbind')).toBeUndefined();
  });

  test('checks every plan of the account when any plan is allowed', async () => {
    const w = world();
    const id = await issuedKey(w, 'boundkey00000000', ['p1']);
    await w.keys.bindKey('admin', id);
    const bindings = jest.spyOn(w.keys, 'bindings');

    await w.run({ allowedUsagePlanIds: 'any' });

    expect(bindings).toHaveBeenCalledWith('all');
    await expect(w.keys.listUsagePlansOfKey(id)).resolves.toEqual(['p1']);
  });

  test('leaves the bindings of keys it does not keep alone (they are deleted or waited for)', async () => {
    const w = world();
    const id = await markedKey(w, 'unrecordedkey000', ['p1']);
    const bindings = jest.spyOn(w.keys, 'bindings');

    await w.run();

    expect(bindings).not.toHaveBeenCalled();
    await expect(w.keys.listUsagePlansOfKey(id)).resolves.toEqual(['p1']);
  });

  test('leaves a key of another deployment bound where it is', async () => {
    const w = world();
    await issuedKey(w, 'boundkey00000000', ['p1']);
    const foreign = await markedKey(w, 'otherdeployment0', ['p2'], OTHER_INSTANCE);

    await w.run();

    await expect(w.keys.listUsagePlansOfKey(foreign)).resolves.toEqual(['p2']);
  });
});

describe('app clients', () => {
  test('keeps a client the ledger shows issued', async () => {
    const w = world();
    const id = await issuedClient(w, 'issuedclient0000');

    const report = await w.run();

    await expect(w.clients.findClient(id)).resolves.toBeDefined();
    expect(findingOf(report.findings, 'issuedclient0000')).toMatchObject({
      kind: 'CLIENT_CREDENTIALS',
      action: 'keep',
      grants: ['orders/read'],
    });
  });

  test('deletes at once a client whose entry is revoked', async () => {
    const w = world();
    const id = await issuedClient(w, 'revokedclient000');
    await revokeIssued(w.ledger, 'CLIENT_CREDENTIALS', id, w.now());

    await w.run();

    await expect(w.clients.findClient(id)).resolves.toBeUndefined();
  });

  test('waits for an unrecorded client younger than the grace period, asking the pool for its age', async () => {
    const w = world();
    const id = await markedClient(w, 'unrecordedclient');
    w.advanceSeconds(GRACE_SECONDS - 1);
    const createdAt = jest.spyOn(w.clients, 'createdAt');

    const report = await w.run();

    expect(createdAt).toHaveBeenCalledWith(id);
    await expect(w.clients.findClient(id)).resolves.toBeDefined();
    expect(findingOf(report.findings, 'unrecordedclient')).toMatchObject({ action: 'wait' });
  });

  test('deletes an unrecorded client once older than the grace period', async () => {
    const w = world();
    const id = await markedClient(w, 'unrecordedclient');
    w.advanceSeconds(GRACE_SECONDS + 1);

    const report = await w.run();

    await expect(w.clients.findClient(id)).resolves.toBeUndefined();
    expect(findingOf(report.findings, 'unrecordedclient')).toMatchObject({
      kind: 'CLIENT_CREDENTIALS',
      action: 'delete',
      ageSeconds: GRACE_SECONDS + 1,
    });
  });

  test('never touches a client marked by another deployment', async () => {
    const w = world();
    const id = await markedClient(w, 'otherdeployment0', OTHER_INSTANCE);
    w.advanceSeconds(GRACE_SECONDS * 10);

    await w.run();

    await expect(w.clients.findClient(id)).resolves.toBeDefined();
  });

  test('keeps matching keys and clients apart: a key entry does not keep a client of the same marker', async () => {
    const w = world();
    await issuedKey(w, 'sharedmarker0000');
    const client = await markedClient(w, 'sharedmarker0000');
    w.advanceSeconds(GRACE_SECONDS + 1);

    await w.run();

    await expect(w.clients.findClient(client)).resolves.toBeUndefined();
  });
});

describe('a deployment without one of the kinds', () => {
  test('without API keys, lists no keys', async () => {
    const w = world();
    await markedKey(w, 'unrecordedkey000');
    w.advanceSeconds(GRACE_SECONDS + 1);
    const markedKeys = jest.spyOn(w.keys, 'markedKeys');

    const report = await new Reconciler(w.ledger, undefined, w.clients, {
      graceSeconds: GRACE_SECONDS,
      allowedUsagePlanIds: undefined,
      now: w.now,
    }).run();

    expect(markedKeys).not.toHaveBeenCalled();
    expect(report.findings).toEqual([]);
  });

  test('without clients, lists no clients', async () => {
    const w = world();
    const markedClients = jest.spyOn(w.clients, 'markedClients');

    await new Reconciler(w.ledger, w.keys, undefined, {
      graceSeconds: GRACE_SECONDS,
      allowedUsagePlanIds: new Set(ALLOWED),
      now: w.now,
    }).run();

    expect(markedClients).not.toHaveBeenCalled();
  });
});

describe('a dry run', () => {
  /** A world with one of each action to take. */
  async function drifted() {
    const w = world();
    const unrecorded = await markedKey(w, 'unrecordedkey000');
    const bound = await issuedKey(w, 'boundkey00000000', ['p1']);
    await w.keys.bindKey('p2', bound);
    w.advanceSeconds(GRACE_SECONDS + 1);
    await intent(w, 'emptyintent00000');
    w.advanceSeconds(GRACE_SECONDS + 1);
    return { w, unrecorded, bound };
  }

  test('changes nothing', async () => {
    const { w, unrecorded, bound } = await drifted();
    const entriesBefore = await w.ledger.list();

    await w.run({ dryRun: true });

    await expect(w.keys.findKey(unrecorded)).resolves.toBeDefined();
    await expect(w.keys.listUsagePlansOfKey(bound)).resolves.toEqual(expect.arrayContaining(['p1', 'p2']));
    await expect(w.ledger.list()).resolves.toEqual(entriesBefore);
  });

  test('marks every action it would take as planned, and tells onAction of none', async () => {
    const { w } = await drifted();

    const report = await w.run({ dryRun: true });

    const acted = report.findings.filter((finding) =>
      ['delete', 'unbind', 'abandon'].includes(finding.action),
    );
    expect(acted.map((finding) => finding.action).sort()).toEqual(['abandon', 'delete', 'unbind']);
    expect(acted.every((finding) => finding.outcome === 'planned')).toBe(true);
    expect(report.dryRun).toBe(true);
    expect(w.onAction).not.toHaveBeenCalled();
  });

  test('counts what it would do as a pass would', async () => {
    const { w } = await drifted();

    const report = await w.run({ dryRun: true });

    expect(report.counts).toMatchObject({ deleted: 1, unbound: 1, abandoned: 1, failed: 0 });
  });
});

describe('failing actions', () => {
  test('count as failed with the error’s code, and the pass goes on with the others', async () => {
    const w = world();
    const stuck = await markedKey(w, 'stuckkey00000000');
    const removable = await markedKey(w, 'removablekey0000');
    w.advanceSeconds(GRACE_SECONDS + 1);
    const remove = w.keys.deleteKey.bind(w.keys);
    jest
      .spyOn(w.keys, 'deleteKey')
      .mockImplementation(async (id) => (id === stuck ? Promise.reject(new UnavailableError()) : remove(id)));

    const report = await w.run();

    await expect(w.keys.findKey(removable)).resolves.toBeUndefined();
    expect(findingOf(report.findings, 'stuckkey00000000')).toMatchObject({
      action: 'delete',
      outcome: 'failed',
      error: 'UPSTREAM_UNAVAILABLE',
    });
    expect(report.counts).toMatchObject({ deleted: 1, failed: 1, drift: 2 });
  });

  test('name an unexpected error INTERNAL_ERROR, never its message', async () => {
    const w = world();
    await markedKey(w, 'stuckkey00000000');
    w.advanceSeconds(GRACE_SECONDS + 1);
    jest.spyOn(w.keys, 'deleteKey').mockRejectedValue(new Error('arn:aws:iam::123456789012 said no'));

    const report = await w.run();

    expect(findingOf(report.findings, 'stuckkey00000000')).toMatchObject({
      outcome: 'failed',
      error: 'INTERNAL_ERROR',
    });
  });

  test('are told to onAction like every action taken', async () => {
    const w = world();
    const stuck = await markedKey(w, 'stuckkey00000000');
    await markedKey(w, 'removablekey0000');
    w.advanceSeconds(GRACE_SECONDS + 1);
    const remove = w.keys.deleteKey.bind(w.keys);
    jest
      .spyOn(w.keys, 'deleteKey')
      .mockImplementation(async (id) => (id === stuck ? Promise.reject(new UnavailableError()) : remove(id)));

    await w.run();

    expect(w.onAction).toHaveBeenCalledTimes(2);
    expect(w.onAction).toHaveBeenCalledWith(
      expect.objectContaining({ ledgerId: 'stuckkey00000000', outcome: 'failed' }),
    );
    expect(w.onAction).toHaveBeenCalledWith(
      expect.objectContaining({ ledgerId: 'removablekey0000', outcome: 'done' }),
    );
  });
});

describe('the report', () => {
  test('counts credentials, waiting findings and drift', async () => {
    const w = world();
    await issuedKey(w, 'issuedkey0000000');
    const vanished = await issuedKey(w, 'vanishedkey00000');
    await w.keys.deleteKey(vanished);
    await markedKey(w, 'youngkey00000000');

    const report = await w.run();

    expect(report.counts).toEqual({
      credentials: 2,
      deleted: 0,
      unbound: 0,
      abandoned: 0,
      expired: 0,
      missing: 1,
      waiting: 1,
      failed: 0,
      drift: 1,
    });
  });

  test('says how it ran', async () => {
    const report = await world().run({ graceSeconds: 60 });

    expect(report).toMatchObject({ dryRun: false, graceSeconds: 60, findings: [] });
  });

  test('sorts the findings by app name, then ledger id', async () => {
    const w = world();
    for (const [ledgerId, appName] of [
      ['bbbbbbbbbbbbbbbb', 'beta'],
      ['cccccccccccccccc', 'alpha'],
      ['aaaaaaaaaaaaaaaa', 'beta'],
    ] as const) {
      await w.ledger.begin(newEntry({ ledgerId, app: { ...APP, appName }, createdAt: w.now() }));
    }

    const report = await w.run();

    expect(report.findings.map((finding) => finding.ledgerId)).toEqual([
      'cccccccccccccccc',
      'aaaaaaaaaaaaaaaa',
      'bbbbbbbbbbbbbbbb',
    ]);
  });
});

describe('credentials that expire', () => {
  const HOUR = 3600;

  /** A key issued now, through the ledger, living `lifetimeSeconds`. */
  async function expiringKey(w: World, ledgerId: string, lifetimeSeconds: number, plans = ['p1']) {
    const entry = newEntry({
      ledgerId,
      grants: keyGrants(...plans),
      createdAt: w.now(),
      expiresAt: w.now() + lifetimeSeconds * 1000,
    });
    await w.ledger.begin(entry);
    const id = await markedKey(w, ledgerId, plans);
    await w.ledger.issue(entry, { credentialId: id, at: w.now() });
    return id;
  }

  async function expiringClient(w: World, ledgerId: string, lifetimeSeconds: number) {
    const entry = newEntry({
      ledgerId,
      grants: clientGrants('orders/read'),
      createdAt: w.now(),
      expiresAt: w.now() + lifetimeSeconds * 1000,
    });
    await w.ledger.begin(entry);
    const id = await markedClient(w, ledgerId);
    await w.ledger.issue(entry, { credentialId: id, at: w.now() });
    return id;
  }

  test('keeps a key before its expiry, showing when it expires', async () => {
    const w = world();
    const id = await expiringKey(w, 'expiringkey00000', HOUR);
    w.advanceSeconds(HOUR - 1);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    expect(findingOf(report.findings, 'expiringkey00000')).toMatchObject({
      action: 'keep',
      expiresAt: '2026-11-23T11:00:00Z',
    });
    expect(report.counts).toMatchObject({ credentials: 1, expired: 0 });
  });

  test('from its expiry on, records the key expired, then deletes it', async () => {
    const w = world();
    const id = await expiringKey(w, 'expiringkey00000', HOUR);
    w.advanceSeconds(HOUR);
    const statesAtDelete: (string | undefined)[] = [];
    const deleteKey = w.keys.deleteKey.bind(w.keys);
    jest.spyOn(w.keys, 'deleteKey').mockImplementation(async (keyId) => {
      statesAtDelete.push(await stateOf(w, 'expiringkey00000'));
      return deleteKey(keyId);
    });

    const report = await w.run();

    expect(statesAtDelete).toEqual(['expired']);
    await expect(w.keys.findKey(id)).resolves.toBeUndefined();
    expect(findingOf(report.findings, 'expiringkey00000')).toMatchObject({
      credentialId: id,
      action: 'expire',
      reason: 'lifetime ended',
      outcome: 'done',
      expiresAt: '2026-11-23T11:00:00Z',
    });
    expect(report.counts).toMatchObject({ credentials: 0, expired: 1, deleted: 0, drift: 0 });
    expect(w.onAction).toHaveBeenCalledWith(expect.objectContaining({ action: 'expire' }));
  });

  test('records and deletes an expired client as it does a key', async () => {
    const w = world();
    const id = await expiringClient(w, 'expiringclient00', HOUR);
    w.advanceSeconds(HOUR + 60);

    const report = await w.run();

    await expect(w.clients.findClient(id)).resolves.toBeUndefined();
    await expect(stateOf(w, 'expiringclient00')).resolves.toBe('expired');
    expect(report.counts).toMatchObject({ expired: 1 });
  });

  test('records a credential expired even when it is gone from AWS already, reporting nothing missing', async () => {
    const w = world();
    const id = await expiringKey(w, 'expiringkey00000', HOUR);
    await w.keys.deleteKey(id);
    w.advanceSeconds(HOUR);

    const report = await w.run();

    await expect(stateOf(w, 'expiringkey00000')).resolves.toBe('expired');
    expect(report.counts).toMatchObject({ expired: 1, missing: 0 });
  });

  test('a second pass shows the expired entry and does nothing with it', async () => {
    const w = world();
    await expiringKey(w, 'expiringkey00000', HOUR);
    w.advanceSeconds(HOUR);
    await w.run();

    const report = await w.run();

    expect(findingOf(report.findings, 'expiringkey00000')).toMatchObject({
      state: 'expired',
      action: 'none',
    });
    expect(report.counts).toMatchObject({ expired: 0, deleted: 0 });
  });

  test('deletes a key the ledger says expired whose delete failed on an earlier pass', async () => {
    const w = world();
    const id = await expiringKey(w, 'expiringkey00000', HOUR);
    w.advanceSeconds(HOUR);
    jest.spyOn(w.keys, 'deleteKey').mockRejectedValueOnce(new UnavailableError());
    const first = await w.run();

    const second = await w.run();

    expect(findingOf(first.findings, 'expiringkey00000')).toMatchObject({
      action: 'expire',
      outcome: 'failed',
      error: 'UPSTREAM_UNAVAILABLE',
    });
    await expect(stateOf(w, 'expiringkey00000')).resolves.toBe('expired');
    expect(findingOf(second.findings, 'expiringkey00000')).toMatchObject({
      action: 'delete',
      reason: 'ledger says expired',
      outcome: 'done',
    });
    await expect(w.keys.findKey(id)).resolves.toBeUndefined();
  });

  test('deletes nothing when the expiry cannot be recorded', async () => {
    const w = world();
    const id = await expiringKey(w, 'expiringkey00000', HOUR);
    w.advanceSeconds(HOUR);
    jest.spyOn(w.ledger, 'expire').mockRejectedValueOnce(new UnavailableError());

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    expect(report.counts).toMatchObject({ failed: 1, expired: 0 });
  });

  test('leaves the bindings of an expired key alone: it is deleted instead', async () => {
    const w = world();
    const id = await expiringKey(w, 'expiringkey00000', HOUR, ['p1']);
    await w.keys.bindKey('p2', id);
    w.advanceSeconds(HOUR);
    const unbind = jest.spyOn(w.keys, 'unbindKey');

    const report = await w.run();

    expect(unbind).not.toHaveBeenCalled();
    expect(findingOf(report.findings, 'expiringkey00000', 'unbind')).toBeUndefined();
  });

  test('a dry run plans the expiry and changes nothing', async () => {
    const w = world();
    const id = await expiringKey(w, 'expiringkey00000', HOUR);
    w.advanceSeconds(HOUR);

    const report = await w.run({ dryRun: true });

    expect(findingOf(report.findings, 'expiringkey00000')).toMatchObject({
      action: 'expire',
      outcome: 'planned',
    });
    expect(report.counts).toMatchObject({ expired: 1 });
    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    await expect(stateOf(w, 'expiringkey00000')).resolves.toBe('issued');
  });

  test('never expires a credential without an expiry, however old', async () => {
    const w = world();
    const id = await issuedKey(w, 'foreverkey000000');
    w.advanceSeconds(10 * 365 * 86_400);

    const report = await w.run();

    await expect(w.keys.findKey(id)).resolves.toBeDefined();
    expect(findingOf(report.findings, 'foreverkey000000')).toMatchObject({ action: 'keep' });
    expect(findingOf(report.findings, 'foreverkey000000')).not.toHaveProperty('expiresAt');
  });
});
