/**
 * ClientCredentialsService and the ledger, over the in-process adapters (InMemoryClients,
 * InMemoryLedger): the intent is recorded before a client exists and `issued` after, every failure
 * leaves the ledger saying what the reconciler must remove, and ownership is the ledger's to say.
 * Failures are injected by replacing one method of an adapter. The Cognito commands themselves are
 * asserted in client-credentials-service.test.ts.
 */
import { InMemoryClients } from '../../../lambda/adapters/local/in-memory-clients';
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import type { ClientCredentialsConfig } from '../../../lambda/config';
import type { AppDescription } from '../../../lambda/credentials/app';
import { ClientCredentialsService } from '../../../lambda/credentials/client-credentials-service';
import { markerInClientName } from '../../../lambda/credentials/marker';
import {
  ClientRefusedError,
  type LedgerEntry,
  type NewClient,
  OutcomeUnknownError,
} from '../../../lambda/credentials/ports';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../lambda/errors';
import { claimRequest, clientGrants, INSTANCE } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const DEVELOPER = 'dev@example.com';

const CONFIG: ClientCredentialsConfig = {
  userPoolId: 'us-east-1_AbC123',
  tokenUrl: 'https://auth.example.com/oauth2/token',
  defaultScopes: ['orders/read'],
  scopesByApi: new Map([['billing1', ['billing/read']]]),
  accessTokenValidityMinutes: 60,
};

/** A Cognito pool that records the clients it was asked to create (names included). */
class RecordingClients extends InMemoryClients {
  readonly created: NewClient[] = [];
  /** Every client's name, by id. */
  readonly names = new Map<string, string>();

  override async createClient(client: NewClient) {
    this.created.push(client);
    const issued = await super.createClient(client);
    this.names.set(issued.clientId, client.name);
    return issued;
  }

  override async updateClient(
    clientId: string,
    changes: { readonly name?: string | undefined; readonly scopes?: readonly string[] | undefined },
  ) {
    const updated = await super.updateClient(clientId, changes);
    if (updated && changes.name !== undefined) this.names.set(clientId, changes.name);
    return updated;
  }
}

function setup() {
  const clients = new RecordingClients(() => NOW);
  const ledger = new InMemoryLedger(INSTANCE);
  const onLeftover = jest.fn();
  const service = new ClientCredentialsService(clients, ledger, CONFIG, { now: () => NOW, onLeftover });
  return { clients, ledger, onLeftover, service };
}

function app(overrides: Partial<AppDescription> = {}): AppDescription {
  return {
    appName: 'my app',
    appSlug: 'slug1',
    developer: DEVELOPER,
    apis: [{ id: 'orders1' }],
    ...overrides,
  };
}

async function onlyEntry(ledger: InMemoryLedger): Promise<LedgerEntry> {
  const entries = await ledger.list();
  expect(entries).toHaveLength(1);
  return entries[0] as LedgerEntry;
}

/** A client in the pool whose name carries no marker: made by someone else. */
async function foreignClient(clients: InMemoryClients): Promise<string> {
  const { clientId } = await clients.createClient({
    name: 'hand-made client',
    marker: '',
    scopes: ['orders/read'],
    accessTokenValidityMinutes: 60,
  });
  return clientId;
}

describe('create', () => {
  test('records a pending intent with the app and its scopes before the client is created', async () => {
    const { clients, ledger, service } = setup();
    const create = clients.createClient.bind(clients);
    const atCreate: LedgerEntry[][] = [];
    jest.spyOn(clients, 'createClient').mockImplementation(async (client) => {
      atCreate.push(await ledger.list());
      return create(client);
    });

    await service.create(app({ apis: [{ id: 'orders1' }, { id: 'billing1' }] }));

    expect(atCreate).toEqual([
      [
        expect.objectContaining({
          state: 'pending',
          app: { appName: 'my app', appSlug: 'slug1', developer: DEVELOPER },
          grants: clientGrants('billing/read', 'orders/read'),
          createdAt: NOW,
        }),
      ],
    ]);
  });

  test('creates nothing when the intent cannot be recorded', async () => {
    const { clients, ledger, service } = setup();
    const failure = new ThrottledError(1);
    jest.spyOn(ledger, 'begin').mockRejectedValue(failure);

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(failure);
    expect(clients.created).toEqual([]);
  });

  test('names the client after the app and developer, ending with the marker of its entry', async () => {
    const { clients, ledger, service } = setup();

    await service.create(app());

    const entry = await onlyEntry(ledger);
    expect(clients.created).toEqual([
      expect.objectContaining({
        name: `my app - ${DEVELOPER} cw=${INSTANCE}.${entry.ledgerId}`,
        marker: `${INSTANCE}.${entry.ledgerId}`,
      }),
    ]);
  });

  test('records the client as issued with its id, and no key hash', async () => {
    const { ledger, service } = setup();

    const credential = await service.create(app());

    const entry = await onlyEntry(ledger);
    expect(entry).toMatchObject({ state: 'issued', credentialId: credential.clientId, issuedAt: NOW });
    expect(entry.apiKeyHash).toBeUndefined();
    expect(JSON.stringify(entry)).not.toContain(credential.clientSecret);
  });

  test('the pool lists the client as marked by its entry', async () => {
    const { clients, ledger, service } = setup();

    const credential = await service.create(app());

    const entry = await onlyEntry(ledger);
    await expect(clients.markedClients(INSTANCE)).resolves.toEqual([
      { id: credential.clientId, ledgerId: entry.ledgerId },
    ]);
  });

  test('completes the app’s claim in the same write that records the client as issued', async () => {
    const { ledger, service } = setup();
    const claim = claimRequest();
    await ledger.claim(claim);

    const credential = await service.create(app(), claim);

    await expect(ledger.claim(claimRequest({ claimId: 'a later attempt' }))).resolves.toMatchObject({
      status: 'completed',
      credential: { credentialType: 'CLIENT_CREDENTIALS', credentialId: credential.clientId },
    });
  });

  test('a create whose outcome is unknown marks the intent abandoned and reports that a client may exist', async () => {
    const { clients, ledger, onLeftover, service } = setup();
    const lost = new OutcomeUnknownError(new UnavailableError());
    jest.spyOn(clients, 'createClient').mockRejectedValue(lost);

    await rejectionOf(service.create(app()));

    const entry = await onlyEntry(ledger);
    expect(entry.state).toBe('abandoned');
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'CLIENT_CREDENTIALS', ledgerId: entry.ledgerId, status: 'may-exist' },
      lost,
    );
  });

  test('a create whose outcome is unknown answers with the upstream error behind it', async () => {
    const { clients, service } = setup();
    const cause = new UnavailableError();
    jest.spyOn(clients, 'createClient').mockRejectedValue(new OutcomeUnknownError(cause));

    await expect(service.create(app())).rejects.toBe(cause);
  });

  test('a client Cognito refuses answers 422, abandons the intent and reports no leftover', async () => {
    const { clients, ledger, onLeftover, service } = setup();
    jest.spyOn(clients, 'createClient').mockRejectedValue(new ClientRefusedError('client-limit-reached'));

    const error = await rejectionOf(service.create(app()));

    expect(error).toMatchObject({ status: 422, code: 'CLIENT_LIMIT_REACHED' });
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned', updatedAt: NOW });
    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a failed issue record deletes the client, abandons the intent and answers with its error', async () => {
    const { clients, ledger, service } = setup();
    const failure = new UnavailableError();
    jest.spyOn(ledger, 'issue').mockRejectedValue(failure);

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(failure);
    await expect(clients.markedClients(INSTANCE)).resolves.toEqual([]);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned' });
  });

  test('a client that cannot be deleted after a failed issue record is reported as still there', async () => {
    const { clients, ledger, onLeftover, service } = setup();
    jest.spyOn(ledger, 'issue').mockRejectedValue(new UpstreamError());
    const refusal = new UpstreamError();
    jest.spyOn(clients, 'deleteClient').mockRejectedValue(refusal);

    await rejectionOf(service.create(app()));

    const [client] = await clients.markedClients(INSTANCE);
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'CLIENT_CREDENTIALS', ledgerId: client?.ledgerId, credentialId: client?.id, status: 'exists' },
      refusal,
    );
  });

  test('an issue record whose answer was lost but which the ledger shows issued keeps the client', async () => {
    const { clients, ledger, service } = setup();
    const issue = ledger.issue.bind(ledger);
    jest.spyOn(ledger, 'issue').mockImplementation(async (entry, facts) => {
      await issue(entry, facts);
      throw new UnavailableError();
    });

    const credential = await service.create(app());

    await expect(clients.findClient(credential.clientId)).resolves.toBeDefined();
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'issued' });
  });
});

describe('update', () => {
  test('answers 404 for a client in the pool that the ledger does not list, changing nothing', async () => {
    const { clients, service } = setup();
    const clientId = await foreignClient(clients);

    const error = await rejectionOf(
      service.update(clientId, { appName: 'renamed', developer: DEVELOPER, apis: [{ id: 'billing1' }] }),
    );

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    await expect(clients.findClient(clientId)).resolves.toMatchObject({ scopes: ['orders/read'] });
    expect(clients.names.get(clientId)).toBe('hand-made client');
  });

  test('answers 404 for a client the ledger lists that the pool no longer has', async () => {
    const { clients, service } = setup();
    const { clientId } = await service.create(app());
    await clients.deleteClient(clientId);

    const error = await rejectionOf(service.update(clientId, { apis: [{ id: 'billing1' }] }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('a rename keeps the marker of the client’s entry at the end of its name', async () => {
    const { clients, ledger, service } = setup();
    const { clientId } = await service.create(app());

    await service.update(clientId, { appName: 'renamed', developer: 'new@example.com' });

    const entry = await onlyEntry(ledger);
    expect(clients.names.get(clientId)).toBe(`renamed - new@example.com cw=${INSTANCE}.${entry.ledgerId}`);
    expect(markerInClientName(clients.names.get(clientId))).toEqual({
      instance: INSTANCE,
      ledgerId: entry.ledgerId,
    });
  });

  test('records the new app details and scopes', async () => {
    const { ledger, service } = setup();
    const { clientId } = await service.create(app());

    await service.update(clientId, { appName: 'renamed', developer: DEVELOPER, apis: [{ id: 'billing1' }] });

    await expect(onlyEntry(ledger)).resolves.toMatchObject({
      app: { appName: 'renamed', appSlug: 'slug1', developer: DEVELOPER },
      grants: clientGrants('billing/read'),
      updatedAt: NOW,
    });
  });

  test('keeps the recorded scopes when the request lists no apis', async () => {
    const { ledger, service } = setup();
    const { clientId } = await service.create(app());

    await service.update(clientId, { appSlug: 'slug2' });

    await expect(onlyEntry(ledger)).resolves.toMatchObject({
      app: { appSlug: 'slug2' },
      grants: clientGrants('orders/read'),
    });
  });
});

describe('revoke', () => {
  test('records the revoke before deleting the client', async () => {
    const { clients, ledger, service } = setup();
    const { clientId } = await service.create(app());
    const remove = clients.deleteClient.bind(clients);
    const statesAtDelete: string[] = [];
    jest.spyOn(clients, 'deleteClient').mockImplementation(async (id) => {
      statesAtDelete.push((await onlyEntry(ledger)).state);
      return remove(id);
    });

    await service.revoke(clientId);

    expect(statesAtDelete).toEqual(['revoked']);
    await expect(clients.findClient(clientId)).resolves.toBeUndefined();
  });

  test('deletes nothing when the revoke cannot be recorded', async () => {
    const { clients, ledger, service } = setup();
    const { clientId } = await service.create(app());
    jest.spyOn(ledger, 'revoke').mockRejectedValue(new UnavailableError());

    await rejectionOf(service.revoke(clientId));

    await expect(clients.findClient(clientId)).resolves.toBeDefined();
  });

  test('a second revoke of the same client succeeds', async () => {
    const { service } = setup();
    const { clientId } = await service.create(app());
    await service.revoke(clientId);

    await expect(service.revoke(clientId)).resolves.toBeUndefined();
  });

  test('answers 404 for a client the ledger does not list, and leaves it in the pool', async () => {
    const { clients, service } = setup();
    const clientId = await foreignClient(clients);

    const error = await rejectionOf(service.revoke(clientId));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    await expect(clients.findClient(clientId)).resolves.toBeDefined();
  });
});

describe('recover', () => {
  test('returns the credential of a client the ledger shows issued', async () => {
    const { service } = setup();
    const credential = await service.create(app());

    await expect(service.recover(credential.clientId)).resolves.toEqual(credential);
  });

  test('returns undefined for a client the ledger shows revoked, even if it is still in the pool', async () => {
    const { ledger, service } = setup();
    const { clientId } = await service.create(app());
    await ledger.revoke(await onlyEntry(ledger), NOW);

    await expect(service.recover(clientId)).resolves.toBeUndefined();
  });

  test('returns undefined for a client in the pool that the ledger does not list', async () => {
    const { clients, service } = setup();
    const clientId = await foreignClient(clients);

    await expect(service.recover(clientId)).resolves.toBeUndefined();
  });
});
