/**
 * Recording: the ledger steps every credential kind takes around its AWS calls, over the in-memory
 * ledger with one method replaced where a failure is needed, and a hand-written Removal.
 */
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import { LedgerConflictError, type LedgerEntry } from '../../../lambda/credentials/ports';
import {
  apiKeyHash,
  changedApp,
  Recording,
  type Removal,
  recordedApp,
} from '../../../lambda/credentials/recording';
import { UnavailableError, UpstreamError } from '../../../lambda/errors';
import { APP, claimRequest, INSTANCE, keyGrants, seedIssued } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const NOW = Date.UTC(2026, 10, 23, 11, 0, 0);
const KEY_ID = 'k3y1d';

function setup() {
  const ledger = new InMemoryLedger(INSTANCE);
  const onLeftover = jest.fn();
  const recording = new Recording(ledger, 'API_KEY', { now: () => NOW, onLeftover });
  return { ledger, onLeftover, recording };
}

/** A resource that is there until removed; `remove` and `exists` can be made to fail. */
function resource() {
  let present = true;
  const removal = {
    remove: jest.fn(async () => {
      present = false;
    }),
    exists: jest.fn(async () => present),
  } satisfies Removal;
  return { removal, isPresent: () => present };
}

/** A pending intent in the ledger, as `begin` leaves it. */
async function begun(recording: Recording) {
  return recording.begin(APP, keyGrants('p1'));
}

async function stateOf(ledger: InMemoryLedger, ledgerId: string): Promise<LedgerEntry['state'] | undefined> {
  return (await ledger.list()).find((entry) => entry.ledgerId === ledgerId)?.state;
}

describe('recordedApp and changedApp', () => {
  test('record the app’s name, developer and slug, and nothing else', () => {
    expect(recordedApp({ appName: 'a', appSlug: 's', developer: 'd' })).toEqual({
      appName: 'a',
      appSlug: 's',
      developer: 'd',
    });
  });

  test('leave the slug out of an app without one', () => {
    expect(recordedApp({ appName: 'a', developer: 'd' })).toEqual({ appName: 'a', developer: 'd' });
  });

  test('take the fields an update gives and keep the others', () => {
    expect(changedApp(APP, { appName: 'renamed' })).toEqual({ ...APP, appName: 'renamed' });
  });

  test('keep everything for an update that gives nothing', () => {
    expect(changedApp(APP, {})).toEqual(APP);
  });
});

describe('apiKeyHash', () => {
  test('is the SHA-256 of the value in base64url', () => {
    // printf key-value | openssl dgst -sha256 -binary | base64 (url alphabet, no padding)
    expect(apiKeyHash('key-value')).toBe('JkuDJ8JpX9DPo2e_A75vA6h-u8NlBwJUK29u8qehaG8');
  });

  test('never contains the value', () => {
    expect(apiKeyHash('key-value')).not.toContain('key-value');
  });
});

describe('begin', () => {
  test('records a pending entry with a new ledger id, the app, its grants and the time', async () => {
    const { ledger, recording } = setup();

    const { entry } = await recording.begin(APP, keyGrants('p1'));

    expect(entry).toEqual({
      ledgerId: expect.stringMatching(/^[a-z0-9]{16}$/),
      app: APP,
      grants: keyGrants('p1'),
      createdAt: NOW,
    });
    await expect(stateOf(ledger, entry.ledgerId)).resolves.toBe('pending');
  });

  test('gives the marker the resource must carry: this deployment’s instance and the entry’s id', async () => {
    const { recording } = setup();

    const { entry, marker } = await recording.begin(APP, keyGrants('p1'));

    expect(marker).toEqual({ instance: INSTANCE, ledgerId: entry.ledgerId });
  });

  test('gives each credential an entry of its own', async () => {
    const { recording } = setup();

    const first = await begun(recording);
    const second = await begun(recording);

    expect(first.entry.ledgerId).not.toBe(second.entry.ledgerId);
  });

  test('rejects with the ledger’s error when the intent cannot be recorded', async () => {
    const { ledger, recording } = setup();
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'begin').mockRejectedValue(failure);

    await expect(recording.begin(APP, keyGrants('p1'))).rejects.toBe(failure);
  });
});

describe('owned and find', () => {
  test('owned returns the entry of an issued credential', async () => {
    const { ledger, recording } = setup();
    const entry = await seedIssued(ledger, KEY_ID);

    await expect(recording.owned(KEY_ID)).resolves.toEqual(entry);
  });

  test('owned returns undefined for a revoked credential, find returns its entry', async () => {
    const { ledger, recording } = setup();
    await ledger.revoke(await seedIssued(ledger, KEY_ID), NOW);

    await expect(recording.owned(KEY_ID)).resolves.toBeUndefined();
    await expect(recording.find(KEY_ID)).resolves.toMatchObject({ state: 'revoked' });
  });

  test('owned looks only at its own kind', async () => {
    const { ledger } = setup();
    await seedIssued(ledger, KEY_ID);
    const clients = new Recording(ledger, 'CLIENT_CREDENTIALS');

    await expect(clients.owned(KEY_ID)).resolves.toBeUndefined();
  });
});

describe('issue', () => {
  test('records the credential as issued at the recording’s time, completing the claim', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    const claim = claimRequest();
    await ledger.claim(claim);

    await recording.issue(entry, { credentialId: KEY_ID, apiKeyHash: 'h', claim }, resource().removal);

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({
      state: 'issued',
      apiKeyHash: 'h',
      issuedAt: NOW,
    });
    await expect(ledger.claim(claimRequest({ claimId: 'later' }))).resolves.toMatchObject({
      status: 'completed',
    });
  });

  test('removes the resource, abandons the intent and rejects when the record fails', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'issue').mockRejectedValue(failure);
    const { removal, isPresent } = resource();

    const error = await rejectionOf(recording.issue(entry, { credentialId: KEY_ID }, removal));

    expect(error).toBe(failure);
    expect(isPresent()).toBe(false);
    await expect(stateOf(ledger, entry.ledgerId)).resolves.toBe('abandoned');
  });

  test('keeps the resource when the ledger shows it issued after all (the record’s answer was lost)', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    const issue = ledger.issue.bind(ledger);
    jest.spyOn(ledger, 'issue').mockImplementation(async (intent, facts) => {
      await issue(intent, facts);
      throw new UnavailableError();
    });
    const { removal } = resource();

    await recording.issue(entry, { credentialId: KEY_ID }, removal);

    expect(removal.remove).not.toHaveBeenCalled();
  });

  test('keeps the resource and succeeds when the issue write lands late, after the read-back', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    const issue = ledger.issue.bind(ledger);
    const abandon = ledger.abandon.bind(ledger);
    let late: (() => Promise<void>) | undefined;
    // The write times out at the caller but is still on its way; it lands just before the abandon.
    jest.spyOn(ledger, 'issue').mockImplementation(async (intent, facts) => {
      late = () => issue(intent, facts);
      throw new UnavailableError();
    });
    jest.spyOn(ledger, 'abandon').mockImplementation(async (ledgerId, at) => {
      await late?.();
      return abandon(ledgerId, at);
    });
    const { removal, isPresent } = resource();

    await recording.issue(entry, { credentialId: KEY_ID }, removal);

    expect(isPresent()).toBe(true);
    expect(removal.remove).not.toHaveBeenCalled();
    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({ state: 'issued' });
  });

  test('leaves the resource to the reconciler, reported, when the intent cannot be abandoned either', async () => {
    const { ledger, recording, onLeftover } = setup();
    const { entry } = await begun(recording);
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'issue').mockRejectedValue(failure);
    jest.spyOn(ledger, 'abandon').mockRejectedValue(new UnavailableError());
    const { removal, isPresent } = resource();

    const error = await rejectionOf(recording.issue(entry, { credentialId: KEY_ID }, removal));

    expect(error).toBe(failure);
    // An issue write still in flight could yet make it issued: removing it could orphan the entry.
    expect(isPresent()).toBe(true);
    expect(onLeftover.mock.calls).toEqual([
      [{ kind: 'API_KEY', ledgerId: entry.ledgerId, credentialId: KEY_ID, status: 'unknown' }, failure],
    ]);
  });

  test('removes the resource when the ledger shows it issued to another entry', async () => {
    const { ledger, recording } = setup();
    await seedIssued(ledger, KEY_ID, { ledgerId: 'someoneelse00000' });
    const { entry } = await begun(recording);
    const { removal, isPresent } = resource();

    const error = await rejectionOf(recording.issue(entry, { credentialId: KEY_ID }, removal));

    expect(error).toBeInstanceOf(LedgerConflictError);
    expect(isPresent()).toBe(false);
  });

  test('removes the resource when the ledger cannot be read back either', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    jest.spyOn(ledger, 'issue').mockRejectedValue(new UnavailableError());
    jest.spyOn(ledger, 'find').mockRejectedValue(new UpstreamError());
    const { removal, isPresent } = resource();

    await rejectionOf(recording.issue(entry, { credentialId: KEY_ID }, removal));

    expect(isPresent()).toBe(false);
  });
});

describe('abandon', () => {
  test('marks the intent abandoned at the recording’s time', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);

    await recording.abandon(entry, new UpstreamError(), false);

    await expect(ledger.list()).resolves.toEqual([
      expect.objectContaining({ state: 'abandoned', updatedAt: NOW }),
    ]);
  });

  test('reports a resource that may exist when the create’s outcome is unknown', async () => {
    const { onLeftover, recording } = setup();
    const { entry } = await begun(recording);
    const lost = new UnavailableError();

    await recording.abandon(entry, lost, true);

    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'API_KEY', ledgerId: entry.ledgerId, status: 'may-exist' },
      lost,
    );
  });

  test('reports nothing when the create made nothing', async () => {
    const { onLeftover, recording } = setup();
    const { entry } = await begun(recording);

    await recording.abandon(entry, new UpstreamError(), false);

    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('does not fail when the intent cannot be marked (the reconciler abandons it later)', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    jest.spyOn(ledger, 'abandon').mockRejectedValue(new UpstreamError());

    await expect(recording.abandon(entry, new UpstreamError(), false)).resolves.toBeUndefined();
  });
});

describe('failed', () => {
  test('removes the resource and marks the intent abandoned', async () => {
    const { ledger, onLeftover, recording } = setup();
    const { entry } = await begun(recording);
    const { removal, isPresent } = resource();

    await recording.failed(entry, KEY_ID, removal, new UpstreamError());

    expect(isPresent()).toBe(false);
    await expect(stateOf(ledger, entry.ledgerId)).resolves.toBe('abandoned');
    expect(onLeftover).not.toHaveBeenCalled();
    expect(removal.exists).not.toHaveBeenCalled();
  });

  test('removes the resource even when the intent cannot be marked', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    jest.spyOn(ledger, 'abandon').mockRejectedValue(new UpstreamError());
    const { removal, isPresent } = resource();

    await recording.failed(entry, KEY_ID, removal, new UpstreamError());

    expect(isPresent()).toBe(false);
  });

  test('reports a resource it could not remove and that is still there, with the removal’s error', async () => {
    const { onLeftover, recording } = setup();
    const { entry } = await begun(recording);
    const { removal } = resource();
    const refusal = new UpstreamError('refused');
    removal.remove.mockRejectedValue(refusal);

    await recording.failed(entry, KEY_ID, removal, new UpstreamError('the original'));

    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'API_KEY', ledgerId: entry.ledgerId, credentialId: KEY_ID, status: 'exists' },
      refusal,
    );
  });

  test('reports nothing when the removal failed but the resource is gone', async () => {
    const { onLeftover, recording } = setup();
    const { entry } = await begun(recording);
    const { removal } = resource();
    removal.remove.mockRejectedValue(new UpstreamError());
    removal.exists.mockResolvedValue(false);

    await recording.failed(entry, KEY_ID, removal, new UpstreamError());

    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('reports the resource as unknown when the check fails too', async () => {
    const { onLeftover, recording } = setup();
    const { entry } = await begun(recording);
    const { removal } = resource();
    removal.remove.mockRejectedValue(new UpstreamError());
    removal.exists.mockRejectedValue(new UpstreamError());

    await recording.failed(entry, KEY_ID, removal, new UpstreamError());

    expect(onLeftover).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'unknown', credentialId: KEY_ID }),
      expect.anything(),
    );
  });

  test('resolves whatever fails: the caller answers with its own error', async () => {
    const { ledger, recording } = setup();
    const { entry } = await begun(recording);
    jest.spyOn(ledger, 'abandon').mockRejectedValue(new UpstreamError());
    const { removal } = resource();
    removal.remove.mockRejectedValue(new UpstreamError());
    removal.exists.mockRejectedValue(new UpstreamError());

    await expect(recording.failed(entry, KEY_ID, removal, new UpstreamError())).resolves.toBeUndefined();
  });
});

describe('amend and revoke', () => {
  test('amend records the app and grants at the recording’s time', async () => {
    const { ledger, recording } = setup();
    const entry = await seedIssued(ledger, KEY_ID);

    await recording.amend(entry, { ...APP, appName: 'renamed' }, keyGrants('p2'));

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({
      app: { appName: 'renamed' },
      grants: keyGrants('p2'),
      updatedAt: NOW,
    });
  });

  test('revoke records an issued entry revoked at the recording’s time', async () => {
    const { ledger, recording } = setup();
    const entry = await seedIssued(ledger, KEY_ID);

    await recording.revoke(entry);

    await expect(ledger.find('API_KEY', KEY_ID)).resolves.toMatchObject({ state: 'revoked', revokedAt: NOW });
  });

  test('revoke writes nothing for an entry already revoked', async () => {
    const { ledger, recording } = setup();
    const entry = await seedIssued(ledger, KEY_ID);
    await ledger.revoke(entry, NOW - 1000);
    const revoke = jest.spyOn(ledger, 'revoke');

    await recording.revoke({ ...entry, state: 'revoked' });

    expect(revoke).not.toHaveBeenCalled();
  });
});
