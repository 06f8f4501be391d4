/**
 * ClientCredentialsService over in-memory ports: the user pool as FakeClients (the local adapter,
 * with a call log and injected faults) and the ledger as InMemoryLedger. The tests assert what the
 * service asks of the issuer, what it answers, and what the ledger records: the intent before a
 * client exists, `issued` after, for every failure what the reconciler must remove, and that
 * ownership is the ledger's to say. The exact Cognito requests (among them the update that keeps
 * every other setting of a client), and how SDK failures become the issuer's errors, are in
 * test/unit/adapters/cognito-client-issuer.test.ts.
 */
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import type { ClientCredentialsConfig } from '../../../lambda/config';
import type { AppDescription } from '../../../lambda/credentials/app';
import {
  ClientCredentialsService,
  MAX_SCOPES_PER_CLIENT,
} from '../../../lambda/credentials/client-credentials-service';
import { markerInClientName } from '../../../lambda/credentials/marker';
import { ClientRefusedError, type LedgerEntry, OutcomeUnknownError } from '../../../lambda/credentials/ports';
import {
  NotFoundError,
  ThrottledError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
} from '../../../lambda/errors';
import { FakeClients } from '../../support/fakes';
import { claimRequest, clientGrants, INSTANCE } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';

/**
 * APIs without an entry get the default scopes (orders/read); billing1 and reports1 have their own,
 * reports1 sharing orders/read with the default.
 */
function config(overrides: Partial<ClientCredentialsConfig> = {}): ClientCredentialsConfig {
  return {
    userPoolId: 'us-east-1_AbC123',
    tokenUrl: TOKEN_URL,
    defaultScopes: ['orders/read'],
    scopesByApi: new Map([
      ['billing1', ['billing/write', 'billing/read']],
      ['reports1', ['reports/read', 'orders/read']],
    ]),
    accessTokenValidityMinutes: 90,
    ...overrides,
  };
}

function setup(overrides: Partial<ClientCredentialsConfig> = {}) {
  const clients = new FakeClients(() => NOW);
  const ledger = new InMemoryLedger(INSTANCE);
  const onLeftover = jest.fn();
  const service = new ClientCredentialsService(clients, ledger, config(overrides), {
    now: () => NOW,
    onLeftover,
  });
  return { clients, ledger, onLeftover, service };
}

/** A client created through the service (so issued in the ledger), with the call log emptied. */
async function issued(overrides: Partial<ClientCredentialsConfig> = {}) {
  const context = setup(overrides);
  const credential = await context.service.create(app());
  context.clients.forgetCalls();
  return { ...context, clientId: credential.clientId };
}

const apis = (...ids: string[]): AppDescription['apis'] => ids.map((id) => ({ id }));

function app(overrides: Partial<AppDescription> = {}): AppDescription {
  return { appName: 'my app', appSlug: 'slug1', developer: DEVELOPER, apis: apis('orders1'), ...overrides };
}

/** `count` distinct scopes of one API, for the per-client limit. */
const manyScopes = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `orders/scope${String(index).padStart(2, '0')}`);

/** A name the service gives a client: `start`, then the marker of an entry of this deployment. */
const newName = (start: string) => new RegExp(`^${start} cw=${INSTANCE}\\.[a-z0-9]{16}$`);

async function onlyEntry(ledger: InMemoryLedger): Promise<LedgerEntry> {
  const entries = await ledger.list();
  expect(entries).toHaveLength(1);
  return entries[0] as LedgerEntry;
}

/** The one client the service asked the pool to create. */
function createdClient(clients: FakeClients) {
  const [[client] = []] = clients.callsOf('createClient');
  return client;
}

/** A client in the pool whose name carries no marker: made by someone else. */
async function foreignClient(clients: FakeClients): Promise<string> {
  const { clientId } = await clients.createClient({
    name: 'hand-made client',
    marker: '',
    scopes: ['orders/read'],
    accessTokenValidityMinutes: 60,
  });
  clients.forgetCalls();
  return clientId;
}

describe('create', () => {
  test('asks for a client named after the app and developer, ending with the marker of its entry, with the configured scopes and token validity', async () => {
    const { clients, ledger, service } = setup();

    await service.create(app());

    const entry = await onlyEntry(ledger);
    expect(clients.callsOf('createClient')).toEqual([
      [
        {
          name: `my app - ${DEVELOPER} cw=${INSTANCE}.${entry.ledgerId}`,
          marker: `${INSTANCE}.${entry.ledgerId}`,
          scopes: ['orders/read'],
          accessTokenValidityMinutes: 90,
        },
      ],
    ]);
  });

  test('returns the client id and secret, and customCredentials that tell how to get a token', async () => {
    const { clients, service } = setup();

    const credential = await service.create(app());

    const found = await clients.findClient(credential.clientId);
    expect(credential).toStrictEqual({
      credentialType: 'CLIENT_CREDENTIALS',
      clientId: found?.clientId,
      clientSecret: found?.clientSecret,
      customCredentials: {
        tokenUrl: TOKEN_URL,
        grantType: 'client_credentials',
        scopes: ['orders/read'],
        accessTokenValiditySeconds: 5400,
      },
    });
  });

  test('returns no API-key fields', async () => {
    const { service } = setup();

    const credential = await service.create(app());

    expect(Object.keys(credential)).not.toContain('apiKey');
    expect(Object.keys(credential)).not.toContain('apiKeyId');
  });

  test("grants an API's own scopes instead of the default scopes", async () => {
    const { clients, service } = setup();

    await service.create(app({ apis: apis('billing1') }));

    expect(createdClient(clients)?.scopes).toEqual(['billing/read', 'billing/write']);
  });

  test("grants the union of the listed APIs' scopes, sorted and deduplicated", async () => {
    const { clients, service } = setup();

    await service.create(app({ apis: apis('reports1', 'billing1', 'orders1', 'unlisted1') }));

    expect(createdClient(clients)?.scopes).toEqual([
      'billing/read',
      'billing/write',
      'orders/read',
      'reports/read',
    ]);
  });

  test('lists the granted scopes in customCredentials exactly as asked of the pool', async () => {
    const { clients, service } = setup();

    const credential = await service.create(app({ apis: apis('reports1', 'billing1') }));

    expect(credential.customCredentials.scopes).toEqual(createdClient(clients)?.scopes);
  });

  test('replaces characters Cognito refuses in the client name', async () => {
    const { clients, service } = setup();

    await service.create(app({ appName: 'Shop: Orders/API!', developer: 'dev+1@example.com' }));

    expect(createdClient(clients)?.name).toMatch(newName('Shop- Orders-API- - dev\\+1@example\\.com'));
  });

  test('shortens a long app name so the client name fits in 128 characters, keeping the developer and the marker', async () => {
    const { clients, service } = setup();

    await service.create(app({ appName: 'a'.repeat(300) }));

    const name = createdClient(clients)?.name;
    expect(name).toMatch(newName(`${'a'.repeat(81)} - ${DEVELOPER}`));
    expect(name).toHaveLength(128);
  });

  test.each([
    ['no configured scopes at all', { defaultScopes: [] }],
    ['an empty API_SCOPES entry', { scopesByApi: new Map([['orders1', []]]) }],
  ])(
    'refuses an API with %s with 422 NO_SCOPES_CONFIGURED, recording and creating nothing',
    async (_case, overrides) => {
      const { clients, ledger, service } = setup(overrides);

      const error = await rejectionOf(service.create(app({ apis: apis('orders1') })));

      expect(error).toBeInstanceOf(UnprocessableError);
      expect(error).toMatchObject({ status: 422, code: 'NO_SCOPES_CONFIGURED' });
      expect(clients.calls).toEqual([]);
      await expect(ledger.list()).resolves.toEqual([]);
    },
  );

  test('names every API that has no scopes configured', async () => {
    const { service } = setup({ defaultScopes: [] });

    const error = await rejectionOf(service.create(app({ apis: apis('billing1', 'orders1', 'misc1') })));

    expect(error).toMatchObject({ message: expect.stringContaining('orders1, misc1') });
    expect(error).toMatchObject({ message: expect.not.stringContaining('billing1') });
  });

  test(`refuses more than ${MAX_SCOPES_PER_CLIENT} scopes with 422 TOO_MANY_SCOPES, creating nothing`, async () => {
    const { clients, service } = setup({
      scopesByApi: new Map([['big1', manyScopes(MAX_SCOPES_PER_CLIENT + 1)]]),
    });

    const error = await rejectionOf(service.create(app({ apis: apis('big1') })));

    expect(error).toMatchObject({ status: 422, code: 'TOO_MANY_SCOPES' });
    expect(clients.calls).toEqual([]);
  });

  test(`accepts exactly ${MAX_SCOPES_PER_CLIENT} scopes`, async () => {
    const { clients, service } = setup({
      scopesByApi: new Map([['big1', manyScopes(MAX_SCOPES_PER_CLIENT)]]),
    });

    await service.create(app({ apis: apis('big1') }));

    expect(createdClient(clients)?.scopes).toHaveLength(MAX_SCOPES_PER_CLIENT);
  });

  test('counts a scope shared by two APIs once towards the limit', async () => {
    const shared = manyScopes(MAX_SCOPES_PER_CLIENT);
    const { clients, service } = setup({
      scopesByApi: new Map([
        ['big1', shared],
        ['big2', [...shared].reverse()],
      ]),
    });

    await service.create(app({ apis: apis('big1', 'big2') }));

    expect(createdClient(clients)?.scopes).toEqual(shared);
  });

  test('records a pending intent with the app and its scopes before the client is created', async () => {
    const { clients, ledger, service } = setup();
    const atCreate: LedgerEntry[][] = [];
    clients.watch('createClient', async () => {
      atCreate.push(await ledger.list());
    });

    await service.create(app({ apis: apis('orders1', 'billing1') }));

    expect(atCreate).toEqual([
      [
        expect.objectContaining({
          state: 'pending',
          app: { appName: 'my app', appSlug: 'slug1', developer: DEVELOPER },
          grants: clientGrants('billing/read', 'billing/write', 'orders/read'),
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
    expect(clients.calls).toEqual([]);
  });

  test('records the client as issued with its id, and no key hash or secret', async () => {
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

  test.each([
    { reason: 'scope-not-found', code: 'SCOPE_NOT_FOUND' },
    { reason: 'client-limit-reached', code: 'CLIENT_LIMIT_REACHED' },
  ] as const)(
    'a client the pool refuses ($reason) answers 422 $code, abandons the intent and reports no leftover',
    async ({ reason, code }) => {
      const { clients, ledger, onLeftover, service } = setup();
      clients.fail('createClient', { error: new ClientRefusedError(reason) });

      const error = await rejectionOf(service.create(app()));

      expect(error).toBeInstanceOf(UnprocessableError);
      expect(error).toMatchObject({ status: 422, code });
      await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned', updatedAt: NOW });
      expect(onLeftover).not.toHaveBeenCalled();
    },
  );

  test.each([
    ['throttled (429)', new ThrottledError(1)],
    ['without an answer it could use (502)', new UpstreamError()],
  ])('a create %s answers with the issuer’s error and abandons the intent', async (_case, failure) => {
    const { clients, ledger, onLeftover, service } = setup();
    clients.fail('createClient', { error: failure });

    const error = await rejectionOf(service.create(app()));

    expect(error).toBe(failure);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'abandoned' });
    expect(onLeftover).not.toHaveBeenCalled();
  });

  test('a create whose outcome is unknown marks the intent abandoned and reports that a client may exist', async () => {
    const { clients, ledger, onLeftover, service } = setup();
    const lost = new OutcomeUnknownError(new UnavailableError());
    clients.fail('createClient', { error: lost });

    await rejectionOf(service.create(app()));

    const entry = await onlyEntry(ledger);
    expect(entry.state).toBe('abandoned');
    expect(onLeftover).toHaveBeenCalledWith(
      { kind: 'CLIENT_CREDENTIALS', ledgerId: entry.ledgerId, status: 'may-exist' },
      lost,
    );
  });

  test('a create whose outcome is unknown answers with the 503 behind it', async () => {
    const { clients, service } = setup();
    const cause = new UnavailableError();
    clients.fail('createClient', { error: new OutcomeUnknownError(cause) });

    await expect(service.create(app())).rejects.toBe(cause);
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
    clients.fail('deleteClient', { error: refusal });

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
  test('asks for the new name and scopes in one call', async () => {
    const { clients, ledger, service, clientId } = await issued();

    await service.update(clientId, {
      appName: 'renamed app',
      developer: DEVELOPER,
      apis: apis('billing1', 'reports1'),
    });

    const entry = await onlyEntry(ledger);
    expect(clients.calls).toEqual([
      {
        method: 'updateClient',
        args: [
          clientId,
          {
            name: `renamed app - ${DEVELOPER} cw=${INSTANCE}.${entry.ledgerId}`,
            scopes: ['billing/read', 'billing/write', 'orders/read', 'reports/read'],
          },
        ],
      },
    ]);
  });

  test('a rename keeps the marker of the client’s entry at the end of its name', async () => {
    const { clients, ledger, service, clientId } = await issued();

    await service.update(clientId, { appName: 'renamed', developer: 'new@example.com' });

    const entry = await onlyEntry(ledger);
    expect(clients.names.get(clientId)).toBe(`renamed - new@example.com cw=${INSTANCE}.${entry.ledgerId}`);
    expect(markerInClientName(clients.names.get(clientId))).toEqual({
      instance: INSTANCE,
      ledgerId: entry.ledgerId,
    });
  });

  test('keeps the scopes when the request lists no apis', async () => {
    const { clients, service, clientId } = await issued();

    await service.update(clientId, { appName: 'renamed app', developer: DEVELOPER });

    expect(clients.callsOf('updateClient')).toEqual([
      [clientId, expect.objectContaining({ scopes: undefined })],
    ]);
    await expect(clients.findClient(clientId)).resolves.toMatchObject({ scopes: ['orders/read'] });
  });

  test('keeps the name when the request changes only the apis', async () => {
    const { clients, service, clientId } = await issued();
    const name = clients.names.get(clientId);

    await service.update(clientId, { apis: apis('billing1') });

    expect(clients.callsOf('updateClient')).toEqual([
      [clientId, { name: undefined, scopes: ['billing/read', 'billing/write'] }],
    ]);
    expect(clients.names.get(clientId)).toBe(name);
  });

  test('keeps the name when the app name comes without the developer', async () => {
    const { clients, service, clientId } = await issued();

    await service.update(clientId, { appName: 'renamed app', apis: apis('billing1') });

    expect(clients.callsOf('updateClient')).toEqual([
      [clientId, expect.objectContaining({ name: undefined })],
    ]);
  });

  test('asks for no change when the request changes nothing', async () => {
    const { clients, service, clientId } = await issued();

    await service.update(clientId, {});

    expect(clients.callsOf('updateClient')).toEqual([[clientId, { name: undefined, scopes: undefined }]]);
  });

  test('records the new app details and scopes', async () => {
    const { ledger, service, clientId } = await issued();

    await service.update(clientId, { appName: 'renamed', developer: DEVELOPER, apis: apis('billing1') });

    await expect(onlyEntry(ledger)).resolves.toMatchObject({
      app: { appName: 'renamed', appSlug: 'slug1', developer: DEVELOPER },
      grants: clientGrants('billing/read', 'billing/write'),
      updatedAt: NOW,
    });
  });

  test('keeps the recorded scopes when the request lists no apis', async () => {
    const { ledger, service, clientId } = await issued();

    await service.update(clientId, { appSlug: 'slug2' });

    await expect(onlyEntry(ledger)).resolves.toMatchObject({
      app: { appSlug: 'slug2' },
      grants: clientGrants('orders/read'),
    });
  });

  test('answers 404 CREDENTIAL_NOT_FOUND for a client the ledger lists that the pool no longer has', async () => {
    const { clients, service, clientId } = await issued();
    await clients.deleteClient(clientId);

    const error = await rejectionOf(service.update(clientId, { apis: apis('billing1') }));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('answers 404, calling no Cognito, for a client in the pool that the ledger does not list', async () => {
    const { clients, service } = setup();
    const clientId = await foreignClient(clients);

    const error = await rejectionOf(
      service.update(clientId, { appName: 'renamed', developer: DEVELOPER, apis: apis('billing1') }),
    );

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(clients.calls).toEqual([]);
    await expect(clients.findClient(clientId)).resolves.toMatchObject({ scopes: ['orders/read'] });
    expect(clients.names.get(clientId)).toBe('hand-made client');
  });

  test('refuses an API without scopes with 422 NO_SCOPES_CONFIGURED, calling no Cognito', async () => {
    // No default scopes: only orders1 (which the client was issued for) has any.
    const { clients, ledger, service, clientId } = await issued({
      defaultScopes: [],
      scopesByApi: new Map([['orders1', ['orders/read']]]),
    });
    const before = await onlyEntry(ledger);

    const error = await rejectionOf(service.update(clientId, { apis: apis('misc1') }));

    expect(error).toMatchObject({ status: 422, code: 'NO_SCOPES_CONFIGURED' });
    expect(clients.calls).toEqual([]);
    await expect(onlyEntry(ledger)).resolves.toEqual(before);
  });

  test('answers a scope the pool does not define with 422 SCOPE_NOT_FOUND, recording nothing', async () => {
    const { clients, ledger, service, clientId } = await issued();
    const before = await onlyEntry(ledger);
    clients.fail('updateClient', { error: new ClientRefusedError('scope-not-found') });

    const error = await rejectionOf(service.update(clientId, { apis: apis('billing1') }));

    expect(error).toMatchObject({ status: 422, code: 'SCOPE_NOT_FOUND' });
    await expect(onlyEntry(ledger)).resolves.toEqual(before);
  });

  test.each([
    ['throttled (429)', new ThrottledError(1)],
    ['unavailable (503)', new UnavailableError()],
  ])('answers an update %s with the issuer’s error', async (_case, failure) => {
    const { clients, service, clientId } = await issued();
    clients.fail('updateClient', { error: failure });

    await expect(service.update(clientId, { apis: apis('billing1') })).rejects.toBe(failure);
  });
});

describe('revoke', () => {
  test('records the revoke, then deletes the client in one call', async () => {
    const { clients, ledger, service, clientId } = await issued();
    const statesAtDelete: string[] = [];
    clients.watch('deleteClient', async () => {
      statesAtDelete.push((await onlyEntry(ledger)).state);
    });

    await service.revoke(clientId);

    expect(clients.calls).toEqual([{ method: 'deleteClient', args: [clientId] }]);
    expect(statesAtDelete).toEqual(['revoked']);
    await expect(clients.findClient(clientId)).resolves.toBeUndefined();
  });

  test('deletes nothing when the revoke cannot be recorded', async () => {
    const { clients, ledger, service, clientId } = await issued();
    jest.spyOn(ledger, 'revoke').mockRejectedValue(new UnavailableError());

    await rejectionOf(service.revoke(clientId));

    expect(clients.calls).toEqual([]);
    await expect(clients.findClient(clientId)).resolves.toBeDefined();
  });

  test('resolves when the client is already gone, recording the revoke', async () => {
    const { clients, ledger, service, clientId } = await issued();
    await clients.deleteClient(clientId);

    await expect(service.revoke(clientId)).resolves.toBeUndefined();
    await expect(ledger.find('CLIENT_CREDENTIALS', clientId)).resolves.toMatchObject({ state: 'revoked' });
  });

  test('a second revoke of the same client succeeds', async () => {
    const { service, clientId } = await issued();
    await service.revoke(clientId);

    await expect(service.revoke(clientId)).resolves.toBeUndefined();
  });

  test('answers 404, calling no Cognito, for a client the ledger does not list, and leaves it in the pool', async () => {
    const { clients, service } = setup();
    const clientId = await foreignClient(clients);

    const error = await rejectionOf(service.revoke(clientId));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(clients.calls).toEqual([]);
    await expect(clients.findClient(clientId)).resolves.toBeDefined();
  });

  test.each([
    ['throttled (429)', new ThrottledError(1)],
    ['unavailable (503)', new UnavailableError()],
  ])('answers a delete %s with the issuer’s error', async (_case, failure) => {
    const { clients, service, clientId } = await issued();
    clients.fail('deleteClient', { error: failure });

    await expect(service.revoke(clientId)).rejects.toBe(failure);
  });
});

describe('recover', () => {
  test('returns the credential of a client the ledger shows issued', async () => {
    const { service } = setup();
    const credential = await service.create(app());

    await expect(service.recover(credential.clientId)).resolves.toEqual(credential);
  });

  test('returns the client’s current scopes', async () => {
    const { clients, service, clientId } = await issued();
    await clients.updateClient(clientId, { scopes: ['orders/read', 'orders/write'] });

    await expect(service.recover(clientId)).resolves.toMatchObject({
      clientId,
      customCredentials: { scopes: ['orders/read', 'orders/write'], accessTokenValiditySeconds: 5400 },
    });
  });

  test('returns undefined for a client that is gone', async () => {
    const { clients, service, clientId } = await issued();
    await clients.deleteClient(clientId);

    await expect(service.recover(clientId)).resolves.toBeUndefined();
  });

  test('returns undefined for a client the ledger shows revoked, even if it is still in the pool', async () => {
    const { ledger, service, clientId } = await issued();
    await ledger.revoke(await onlyEntry(ledger), NOW);

    await expect(service.recover(clientId)).resolves.toBeUndefined();
  });

  test('returns undefined, reading nothing from Cognito, for a client in the pool that the ledger does not list', async () => {
    const { clients, service } = setup();
    const clientId = await foreignClient(clients);

    await expect(service.recover(clientId)).resolves.toBeUndefined();
    expect(clients.calls).toEqual([]);
  });
});

describe('a client that expires', () => {
  const HOUR = 3600;

  /** The service with a clock the test moves (configured tokens: 90 minutes). */
  function expiringSetup() {
    let clock = NOW;
    const clients = new FakeClients(() => clock);
    const ledger = new InMemoryLedger(INSTANCE);
    const service = new ClientCredentialsService(clients, ledger, config(), { now: () => clock });
    return {
      clients,
      ledger,
      service,
      advanceSeconds: (seconds: number) => {
        clock += seconds * 1000;
      },
    };
  }

  async function expiring(lifetimeSeconds: number) {
    const context = expiringSetup();
    const credential = await context.service.create(app(), undefined, lifetimeSeconds);
    context.clients.forgetCalls();
    return { ...context, credential, clientId: credential.clientId };
  }

  test('returns when it expires, and the ledger records it', async () => {
    const { ledger, credential } = await expiring(30 * 86_400);

    expect(credential.customCredentials.expiresAt).toBe('2026-12-23T10:00:00Z');
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ expiresAt: NOW + 30 * 86_400_000 });
  });

  test('keeps the configured token lifetime when the client outlives it', async () => {
    const { clients, service } = expiringSetup();

    const credential = await service.create(app(), undefined, 2 * HOUR);

    expect(createdClient(clients)?.accessTokenValidityMinutes).toBe(90);
    expect(credential.customCredentials.accessTokenValiditySeconds).toBe(5400);
  });

  test('caps its access tokens by its own lifetime, so a token got at create never outlives it', async () => {
    const { clients, service } = expiringSetup();

    const credential = await service.create(app(), undefined, HOUR);

    expect(createdClient(clients)?.accessTokenValidityMinutes).toBe(60);
    expect(credential.customCredentials.accessTokenValiditySeconds).toBe(3600);
  });

  test('caps to whole minutes, rounding down', async () => {
    const { clients, service } = expiringSetup();

    await service.create(app(), undefined, 359);

    expect(createdClient(clients)?.accessTokenValidityMinutes).toBe(5);
  });

  test('without a lifetime, has the configured token lifetime and no expiry', async () => {
    const { ledger, service } = expiringSetup();

    const credential = await service.create(app());

    expect(credential.customCredentials).not.toHaveProperty('expiresAt');
    expect(credential.customCredentials.accessTokenValiditySeconds).toBe(5400);
    expect(await onlyEntry(ledger)).not.toHaveProperty('expiresAt');
  });

  test('read back for a repeated create, has the same expiry and token lifetime', async () => {
    const { service, clientId, credential, advanceSeconds } = await expiring(HOUR);
    advanceSeconds(1800);

    const recovered = await service.recover(clientId);

    expect(recovered?.customCredentials).toEqual(credential.customCredentials);
  });

  test('is not read back once expired', async () => {
    const { service, clientId, advanceSeconds } = await expiring(HOUR);
    advanceSeconds(HOUR);

    await expect(service.recover(clientId)).resolves.toBeUndefined();
  });

  test('answers 404 to an update from its expiry on, before the reconciler has run', async () => {
    const { clients, service, clientId, advanceSeconds } = await expiring(HOUR);
    advanceSeconds(HOUR);

    const error = await rejectionOf(service.update(clientId, { apis: apis('billing1') }));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(clients.callsOf('updateClient')).toEqual([]);
  });

  test('revoked after its expiry, is recorded expired and deleted', async () => {
    const { clients, ledger, service, clientId, advanceSeconds } = await expiring(HOUR);
    advanceSeconds(HOUR + 1);

    await expect(service.revoke(clientId)).resolves.toBeUndefined();

    expect(clients.callsOf('deleteClient')).toEqual([[clientId]]);
    await expect(onlyEntry(ledger)).resolves.toMatchObject({ state: 'expired' });
  });
});
