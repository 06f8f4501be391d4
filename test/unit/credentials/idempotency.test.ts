/**
 * IdempotentCredentials over the in-memory store, a fake credential service that keeps what it
 * issued (and, as the ledger does, completes the app's claim when it issues), and a clock the
 * tests move: which creates reach the service, what a repeat returns, when a claim or a record
 * stops holding, and how a claim is released.
 */
import { InMemoryIdempotencyStore } from '../../../lambda/adapters/local/in-memory-idempotency-store';
import {
  AppSlugConflictError,
  type IdempotencyOptions,
  IdempotentCredentials,
  idempotencyKey,
  requestFingerprint,
} from '../../../lambda/credentials/idempotency';
import type {
  ClaimRequest,
  IdempotencyStore,
  IssuedCredentialRef,
  RecoverableCredentials,
} from '../../../lambda/credentials/ports';
import { withDeadline } from '../../../lambda/deadline';
import { ConflictError, ThrottledError, UnavailableError, UpstreamError } from '../../../lambda/errors';
import type {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  CredentialType,
  RevokeCredentialsRequest,
  UpdateCredentialsRequest,
} from '../../../lambda/schemas';

const WINDOW_SECONDS = 3600;
const LEASE_SECONDS = 60;
const START_MS = Date.UTC(2026, 0, 1, 12, 0, 0);

/**
 * A credential service that remembers what it issued: create completes the app's claim with the
 * credential (the ledger's issue write does that in the real service), recover reads it back,
 * revoke forgets it, update stamps the new app name into customCredentials so that a read after
 * it shows the change.
 */
class FakeCredentials implements RecoverableCredentials {
  /** The kind the next create issues. */
  kind: CredentialType = 'API_KEY';
  private readonly issued = new Map<string, CreateCredentialsResponse>();
  private count = 0;

  constructor(private readonly store: IdempotencyStore) {}

  readonly create = jest.fn(
    async (request: CreateCredentialsRequest, claim?: ClaimRequest): Promise<CreateCredentialsResponse> => {
      const credential = this.issue(request);
      if (claim !== undefined) await this.store.complete(claim, refOf(credential));
      return credential;
    },
  );

  private issue(request: CreateCredentialsRequest): CreateCredentialsResponse {
    this.count += 1;
    const id = `cred${this.count}`;
    const credential: CreateCredentialsResponse =
      this.kind === 'API_KEY'
        ? {
            credentialType: 'API_KEY',
            apiKeyId: id,
            apiKey: `key-value-${id}`,
            customCredentials: { appName: request.appName },
          }
        : {
            credentialType: 'CLIENT_CREDENTIALS',
            clientId: id,
            clientSecret: `secret-${id}`,
            customCredentials: { appName: request.appName },
          };
    this.issued.set(id, credential);
    return credential;
  }

  readonly update = jest.fn(async (request: UpdateCredentialsRequest): Promise<void> => {
    const id = request.apiKeyId ?? request.clientId ?? '';
    const current = this.issued.get(id);
    if (current !== undefined) {
      this.issued.set(id, { ...current, customCredentials: { appName: request.appName } });
    }
  });

  readonly revoke = jest.fn(async (request: RevokeCredentialsRequest): Promise<void> => {
    this.issued.delete(request.apiKeyId ?? request.clientId ?? '');
  });

  readonly recover = jest.fn(
    async (credential: IssuedCredentialRef): Promise<CreateCredentialsResponse | undefined> =>
      this.issued.get(credential.credentialId),
  );
}

function refOf(credential: CreateCredentialsResponse): IssuedCredentialRef {
  return credential.credentialType === 'API_KEY'
    ? { credentialType: 'API_KEY', credentialId: credential.apiKeyId }
    : { credentialType: 'CLIENT_CREDENTIALS', credentialId: credential.clientId };
}

/** A promise settled from outside, to hold a create in flight. */
function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

function setup(store: IdempotencyStore = new InMemoryIdempotencyStore()) {
  const inner = new FakeCredentials(store);
  let nowMs = START_MS;
  const onRecordFailure = jest.fn();
  const onReleaseFailure = jest.fn();
  const options: IdempotencyOptions = {
    windowSeconds: WINDOW_SECONDS,
    leaseSeconds: LEASE_SECONDS,
    now: () => nowMs,
    onRecordFailure,
    onReleaseFailure,
  };
  return {
    inner,
    store,
    onRecordFailure,
    onReleaseFailure,
    credentials: new IdempotentCredentials(inner, store, options),
    advanceSeconds: (seconds: number) => {
      nowMs += seconds * 1000;
    },
  };
}

function request(overrides: Partial<CreateCredentialsRequest> = {}): CreateCredentialsRequest {
  return {
    appName: 'my app',
    appSlug: 'slug1',
    developer: 'dev@example.com',
    apis: [
      { id: 'api1', usagePlans: [{ id: 'planA' }, { id: 'planB' }] },
      { id: 'api2', usagePlans: [{ id: 'planC' }] },
    ],
    ...overrides,
  };
}

/** The same APIs and plans as request(), listed in another order. */
const reorderedApis: CreateCredentialsRequest['apis'] = [
  { id: 'api2', usagePlans: [{ id: 'planC' }] },
  { id: 'api1', usagePlans: [{ id: 'planB' }, { id: 'planA' }] },
];

function withoutSlug(overrides: Partial<CreateCredentialsRequest> = {}): CreateCredentialsRequest {
  const { appSlug: _slug, ...rest } = request(overrides);
  return rest;
}

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

afterEach(() => {
  jest.useRealTimers();
});

describe('idempotencyKey and requestFingerprint', () => {
  test('the same appSlug with APIs and plans in another order gives the same key and fingerprint', () => {
    const reordered = request({ apis: reorderedApis });

    expect(idempotencyKey(reordered)).toBe(idempotencyKey(request()));
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(request()));
  });

  test('the same appSlug with another app name gives the same key but another fingerprint', () => {
    const renamed = request({ appName: 'renamed app' });

    expect(idempotencyKey(renamed)).toBe(idempotencyKey(request()));
    expect(requestFingerprint(renamed)).not.toBe(requestFingerprint(request()));
  });

  test('another appSlug gives another key', () => {
    expect(idempotencyKey(request({ appSlug: 'slug2' }))).not.toBe(idempotencyKey(request()));
  });

  test('without appSlug, the same name, developer and APIs in another order give the same key', () => {
    expect(idempotencyKey(withoutSlug({ apis: reorderedApis }))).toBe(idempotencyKey(withoutSlug()));
  });

  test.each([
    ['app name', { appName: 'other app' }],
    ['developer', { developer: 'other@example.com' }],
    ['set of APIs', { apis: [{ id: 'api1', usagePlans: [{ id: 'planA' }] }] }],
  ])('without appSlug, another %s gives another key', (_field, overrides) => {
    expect(idempotencyKey(withoutSlug(overrides))).not.toBe(idempotencyKey(withoutSlug()));
  });
});

describe('IdempotentCredentials.create', () => {
  test('a first create issues a credential through the inner service and returns it', async () => {
    const { inner, credentials } = setup();

    const credential = await credentials.create(request());

    expect(inner.create).toHaveBeenCalledTimes(1);
    expect(inner.create).toHaveBeenCalledWith(
      request(),
      expect.objectContaining({ key: idempotencyKey(request()) }),
    );
    expect(credential).toMatchObject({
      credentialType: 'API_KEY',
      apiKeyId: 'cred1',
      apiKey: 'key-value-cred1',
    });
  });

  test('hands the inner create the very claim it made, for the create to complete', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = jest.spyOn(store, 'claim');
    const { inner, credentials } = setup(store);

    await credentials.create(request());

    expect(inner.create).toHaveBeenCalledWith(request(), claim.mock.calls[0]?.[0]);
  });

  test('records the outcome of a first create once, in the inner create’s write', async () => {
    const store = new InMemoryIdempotencyStore();
    const complete = jest.spyOn(store, 'complete');
    const { credentials } = setup(store);

    await credentials.create(request());

    expect(complete).toHaveBeenCalledTimes(1);
  });

  test('a first create records the credential type and id, and nothing else, for the request', async () => {
    const { store, credentials } = setup();

    await credentials.create(request());

    const now = START_MS / 1000;
    const found = await store.claim({
      key: idempotencyKey(request()),
      claimId: 'a probe of its own',
      fingerprint: 'any',
      now,
      leaseUntil: now + LEASE_SECONDS,
      expiresAt: now + WINDOW_SECONDS,
    });
    expect(found).toEqual({
      status: 'completed',
      fingerprint: requestFingerprint(request()),
      credential: { credentialType: 'API_KEY', credentialId: 'cred1' },
    });
  });

  test('claims with the clock in epoch seconds, the lease and the window counted from it', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = jest.spyOn(store, 'claim');
    const { credentials } = setup(store);

    await credentials.create(request());

    const now = START_MS / 1000;
    expect(claim).toHaveBeenCalledWith({
      key: idempotencyKey(request()),
      claimId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      fingerprint: requestFingerprint(request()),
      now,
      leaseUntil: now + LEASE_SECONDS,
      expiresAt: now + WINDOW_SECONDS,
    });
  });

  test('a repeat returns the credential read back from the inner service, without creating another', async () => {
    const { inner, credentials } = setup();
    const first = await credentials.create(request());

    const repeat = await credentials.create(request());

    expect(repeat).toEqual(first);
    expect(inner.create).toHaveBeenCalledTimes(1);
    expect(inner.recover).toHaveBeenCalledWith({ credentialType: 'API_KEY', credentialId: 'cred1' });
  });

  test('a repeat of a client-credentials create returns the same client id and secret', async () => {
    const { inner, credentials } = setup();
    inner.kind = 'CLIENT_CREDENTIALS';
    const first = await credentials.create(request());

    const repeat = await credentials.create(request());

    expect(repeat).toEqual(first);
    expect(inner.recover).toHaveBeenCalledWith({
      credentialType: 'CLIENT_CREDENTIALS',
      credentialId: 'cred1',
    });
  });

  test('a repeat with the same appSlug and the APIs and plans reordered neither creates nor updates', async () => {
    const { inner, credentials } = setup();
    const first = await credentials.create(request());

    const repeat = await credentials.create(request({ apis: reorderedApis }));

    expect(repeat).toEqual(first);
    expect(inner.create).toHaveBeenCalledTimes(1);
    expect(inner.update).not.toHaveBeenCalled();
  });

  test('without appSlug, a repeat with the same name, developer and APIs returns the same credential', async () => {
    const { inner, credentials } = setup();
    const first = await credentials.create(withoutSlug());

    const repeat = await credentials.create(withoutSlug({ apis: reorderedApis }));

    expect(repeat).toEqual(first);
    expect(inner.create).toHaveBeenCalledTimes(1);
  });

  test('without appSlug, a create for another developer issues its own credential', async () => {
    const { inner, credentials } = setup();
    const first = await credentials.create(withoutSlug());

    const other = await credentials.create(withoutSlug({ developer: 'other@example.com' }));

    expect(other).not.toEqual(first);
    expect(inner.create).toHaveBeenCalledTimes(2);
  });

  test('a repeat after the credential was revoked issues a new credential', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());
    await credentials.revoke({ credentialType: 'API_KEY', apiKeyId: 'cred1' });

    const repeat = await credentials.create(request());

    expect(inner.create).toHaveBeenCalledTimes(2);
    expect(repeat).toMatchObject({ apiKeyId: 'cred2', apiKey: 'key-value-cred2' });
  });

  test('after a revoked credential was replaced, a repeat returns the replacement', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());
    await credentials.revoke({ credentialType: 'API_KEY', apiKeyId: 'cred1' });
    const replacement = await credentials.create(request());

    const repeat = await credentials.create(request());

    expect(repeat).toEqual(replacement);
    expect(inner.create).toHaveBeenCalledTimes(2);
  });

  test('a record that keeps pointing at a vanished credential ends in 409, not a loop', async () => {
    const stuck: IdempotencyStore = {
      claim: jest.fn(async () => ({
        status: 'completed' as const,
        fingerprint: requestFingerprint(request()),
        credential: { credentialType: 'API_KEY' as const, credentialId: 'gone' },
      })),
      complete: jest.fn(async () => undefined),
      release: jest.fn(async () => undefined),
      forget: jest.fn(async () => undefined),
    };
    const { inner, credentials } = setup(stuck);

    const error = await failure(credentials.create(request()));

    expect(error).toBeInstanceOf(ConflictError);
    expect(stuck.claim).toHaveBeenCalledTimes(2);
    expect(inner.create).not.toHaveBeenCalled();
  });

  test('a repeat with other details updates the existing API key to match, by its id', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());
    const edited = request({ appName: 'renamed app', apis: [{ id: 'api1', usagePlans: [{ id: 'planA' }] }] });

    await credentials.create(edited);

    expect(inner.update).toHaveBeenCalledTimes(1);
    expect(inner.update).toHaveBeenCalledWith({ ...edited, credentialType: 'API_KEY', apiKeyId: 'cred1' });
    expect(inner.create).toHaveBeenCalledTimes(1);
  });

  test('a repeat with other details returns the credential as read back after the update', async () => {
    const { credentials } = setup();
    await credentials.create(request());

    const repeat = await credentials.create(request({ appName: 'renamed app' }));

    expect(repeat).toEqual({
      credentialType: 'API_KEY',
      apiKeyId: 'cred1',
      apiKey: 'key-value-cred1',
      customCredentials: { appName: 'renamed app' },
    });
  });

  test('a repeat with other details updates an app client by its client id', async () => {
    const { inner, credentials } = setup();
    inner.kind = 'CLIENT_CREDENTIALS';
    await credentials.create(request());
    const edited = request({ appName: 'renamed app' });

    await credentials.create(edited);

    expect(inner.update).toHaveBeenCalledWith({
      ...edited,
      credentialType: 'CLIENT_CREDENTIALS',
      clientId: 'cred1',
    });
  });

  test('after a repeat with other details, repeating those details updates nothing more', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());
    await credentials.create(request({ appName: 'renamed app' }));

    await credentials.create(request({ appName: 'renamed app' }));

    expect(inner.update).toHaveBeenCalledTimes(1);
  });

  test('a repeat with other details whose credential vanishes during the update gets 409', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());
    inner.update.mockImplementationOnce(async () => {
      await inner.revoke({ apiKeyId: 'cred1' });
    });

    const error = await failure(credentials.create(request({ appName: 'renamed app' })));

    expect(error).toBeInstanceOf(ConflictError);
  });

  test('a failed create rethrows the very error of the inner service', async () => {
    const { inner, credentials } = setup();
    const cause = new Error('API Gateway failed');
    inner.create.mockRejectedValueOnce(cause);

    const error = await failure(credentials.create(request()));

    expect(error).toBe(cause);
  });

  test('a failed create releases its claim, so a retry proceeds at once', async () => {
    const { inner, credentials } = setup();
    inner.create.mockRejectedValueOnce(new Error('API Gateway failed'));
    await failure(credentials.create(request()));

    const retry = await credentials.create(request());

    expect(inner.create).toHaveBeenCalledTimes(2);
    expect(retry).toMatchObject({ apiKeyId: 'cred1' });
  });

  test('a failed create whose claim cannot be released still rethrows the create’s error', async () => {
    const store = new InMemoryIdempotencyStore();
    jest.spyOn(store, 'release').mockRejectedValue(new Error('DynamoDB failed'));
    const { inner, credentials } = setup(store);
    const cause = new Error('API Gateway failed');
    inner.create.mockRejectedValueOnce(cause);

    const error = await failure(credentials.create(request()));

    expect(error).toBe(cause);
  });

  test('of concurrent identical creates exactly one reaches the inner service', async () => {
    const { inner, credentials } = setup();
    const held = deferred<CreateCredentialsResponse>();
    inner.create.mockReturnValueOnce(held.promise);

    const outcomes = Promise.allSettled(Array.from({ length: 5 }, () => credentials.create(request())));
    held.resolve({ credentialType: 'API_KEY', apiKeyId: 'held1', apiKey: 'held-value' });
    const settled = await outcomes;

    expect(inner.create).toHaveBeenCalledTimes(1);
    expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: { credentialType: 'API_KEY', apiKeyId: 'held1', apiKey: 'held-value' } },
    ]);
  });

  test('the others of concurrent identical creates get 409 REQUEST_IN_PROGRESS with Retry-After', async () => {
    const { inner, credentials } = setup();
    const held = deferred<CreateCredentialsResponse>();
    inner.create.mockReturnValueOnce(held.promise);
    const first = credentials.create(request());

    const others = await Promise.all(Array.from({ length: 4 }, () => failure(credentials.create(request()))));

    for (const error of others) {
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({
        status: 409,
        code: 'REQUEST_IN_PROGRESS',
        headers: { 'Retry-After': '2' },
      });
    }
    held.resolve({ credentialType: 'API_KEY', apiKeyId: 'held1', apiKey: 'held-value' });
    await first;
  });

  test('a claim still within its lease keeps refusing repeats', async () => {
    const { inner, credentials, advanceSeconds } = setup();
    inner.create.mockReturnValueOnce(new Promise<never>(() => undefined));
    void credentials.create(request());
    advanceSeconds(LEASE_SECONDS - 1);

    const error = await failure(credentials.create(request()));

    expect(error).toBeInstanceOf(ConflictError);
  });

  test('a claim past its lease (a create that died) is free again', async () => {
    const { inner, credentials, advanceSeconds } = setup();
    inner.create.mockReturnValueOnce(new Promise<never>(() => undefined));
    void credentials.create(request());
    advanceSeconds(LEASE_SECONDS + 1);

    const retry = await credentials.create(request());

    expect(inner.create).toHaveBeenCalledTimes(2);
    expect(retry).toMatchObject({ apiKeyId: 'cred1' });
  });

  test('a repeat late in the window still returns the same credential', async () => {
    const { inner, credentials, advanceSeconds } = setup();
    const first = await credentials.create(request());
    advanceSeconds(WINDOW_SECONDS - 1);

    const repeat = await credentials.create(request());

    expect(repeat).toEqual(first);
    expect(inner.create).toHaveBeenCalledTimes(1);
  });

  test('a repeat after the window issues a new credential', async () => {
    const { inner, credentials, advanceSeconds } = setup();
    await credentials.create(request());
    advanceSeconds(WINDOW_SECONDS + 1);

    const later = await credentials.create(request());

    expect(inner.create).toHaveBeenCalledTimes(2);
    expect(later).toMatchObject({ apiKeyId: 'cred2' });
  });

  test('a repeat with other details whose outcome cannot be recorded still returns the credential', async () => {
    const store = new InMemoryIdempotencyStore();
    const { credentials } = setup(store);
    await credentials.create(request());
    jest.spyOn(store, 'complete').mockRejectedValue(new Error('DynamoDB failed'));

    const repeat = await credentials.create(request({ appName: 'renamed app' }));

    expect(repeat).toMatchObject({ apiKeyId: 'cred1', customCredentials: { appName: 'renamed app' } });
  });

  test('a repeat with other details whose outcome cannot be recorded reports the store’s error', async () => {
    const store = new InMemoryIdempotencyStore();
    const { credentials, onRecordFailure } = setup(store);
    await credentials.create(request());
    const cause = new Error('DynamoDB failed');
    jest.spyOn(store, 'complete').mockRejectedValue(cause);

    await credentials.create(request({ appName: 'renamed app' }));

    expect(onRecordFailure).toHaveBeenCalledWith(cause);
  });

  test('a repeat with other details records the new fingerprint with the same credential', async () => {
    const { store, credentials } = setup();
    await credentials.create(request());
    const edited = request({ appName: 'renamed app' });

    await credentials.create(edited);

    const now = START_MS / 1000;
    await expect(
      store.claim({
        key: idempotencyKey(edited),
        claimId: 'a probe of its own',
        fingerprint: 'any',
        now,
        leaseUntil: now + LEASE_SECONDS,
        expiresAt: now + WINDOW_SECONDS,
      }),
    ).resolves.toEqual({
      status: 'completed',
      fingerprint: requestFingerprint(edited),
      credential: { credentialType: 'API_KEY', credentialId: 'cred1' },
    });
  });
});

describe('IdempotentCredentials: the same appSlug from another developer', () => {
  const otherDeveloper = (overrides: Partial<CreateCredentialsRequest> = {}) =>
    request({ developer: 'intruder@example.org', ...overrides });

  test('the same appSlug with another developer gives the same key and another owner in the fingerprint', () => {
    const [details, owner] = requestFingerprint(request()).split('.');
    const [otherDetails, otherOwner] = requestFingerprint(otherDeveloper()).split('.');

    expect(idempotencyKey(otherDeveloper())).toBe(idempotencyKey(request()));
    expect({ details: otherDetails === details, owner: otherOwner === owner }).toEqual({
      details: false,
      owner: false,
    });
    expect(requestFingerprint(request({ appName: 'renamed' })).split('.')[1]).toBe(owner);
  });

  test('is refused with 409 APP_SLUG_CONFLICT and no Retry-After', async () => {
    const { credentials } = setup();
    await credentials.create(request());

    const error = await failure(credentials.create(otherDeveloper()));

    expect(error).toBeInstanceOf(AppSlugConflictError);
    expect(error).toMatchObject({ status: 409, code: 'APP_SLUG_CONFLICT', headers: {} });
  });

  test('names neither the first developer nor the credential in the refusal', async () => {
    const { credentials } = setup();
    await credentials.create(request());

    const error = await failure(credentials.create(otherDeveloper()));

    expect(String((error as Error).message)).not.toMatch(/dev@example\.com|cred1|key-value/);
  });

  test('neither updates nor creates a credential, even with the same details otherwise', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());

    await failure(credentials.create(otherDeveloper()));
    await failure(credentials.create(otherDeveloper({ appName: 'taken over', apis: [{ id: 'api9' }] })));

    expect(inner.update).not.toHaveBeenCalled();
    expect(inner.create).toHaveBeenCalledTimes(1);
  });

  test('leaves the first developer’s credential as it was: their repeat still gets it unchanged', async () => {
    const { credentials } = setup();
    const first = await credentials.create(request());
    await failure(credentials.create(otherDeveloper({ appName: 'taken over' })));

    await expect(credentials.create(request())).resolves.toEqual(first);
  });

  test('the first developer may still edit the app through a repeat after the refusal', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());
    await failure(credentials.create(otherDeveloper()));

    await credentials.create(request({ appName: 'renamed app' }));

    expect(inner.update).toHaveBeenCalledTimes(1);
  });

  test('after the first credential was revoked, the other developer gets a new credential of their own', async () => {
    const { inner, credentials } = setup();
    await credentials.create(request());
    await inner.revoke({ apiKeyId: 'cred1' });

    const second = await credentials.create(otherDeveloper());

    expect(second).toMatchObject({ apiKeyId: 'cred2' });
  });

  test('after the window, the appSlug is free for another developer', async () => {
    const { credentials, advanceSeconds } = setup();
    await credentials.create(request());
    advanceSeconds(WINDOW_SECONDS + 1);

    await expect(credentials.create(otherDeveloper())).resolves.toMatchObject({ apiKeyId: 'cred2' });
  });

  test('without appSlug, another developer is another app, never a conflict', async () => {
    const { credentials } = setup();
    await credentials.create(withoutSlug());

    await expect(credentials.create(withoutSlug({ developer: 'other@example.com' }))).resolves.toMatchObject({
      apiKeyId: 'cred2',
    });
  });

  describe('a record written before fingerprints named the owner', () => {
    /** Rewrites the app's record as an older webhook wrote it: the details hash alone. */
    async function legacyRecord(store: IdempotencyStore, app: CreateCredentialsRequest) {
      const now = START_MS / 1000;
      await store.complete(
        {
          key: idempotencyKey(app),
          claimId: 'an older claim',
          fingerprint: requestFingerprint(app).split('.')[0] ?? '',
          now,
          leaseUntil: now + LEASE_SECONDS,
          expiresAt: now + WINDOW_SECONDS,
        },
        { credentialType: 'API_KEY', credentialId: 'cred1' },
      );
    }

    test('an identical repeat returns the credential without updating it', async () => {
      const { inner, store, credentials } = setup();
      const first = await credentials.create(request());
      await legacyRecord(store, request());

      await expect(credentials.create(request())).resolves.toEqual(first);
      expect(inner.update).not.toHaveBeenCalled();
    });

    test('a repeat with other details is refused, since its owner cannot be checked', async () => {
      const { inner, store, credentials } = setup();
      await credentials.create(request());
      await legacyRecord(store, request());

      const error = await failure(credentials.create(otherDeveloper()));

      expect(error).toBeInstanceOf(AppSlugConflictError);
      expect(inner.update).not.toHaveBeenCalled();
    });
  });
});

describe('IdempotentCredentials releasing a claim', () => {
  test('a failed create releases exactly the claim it made', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = jest.spyOn(store, 'claim');
    const release = jest.spyOn(store, 'release');
    const { inner, credentials } = setup(store);
    inner.create.mockRejectedValueOnce(new UpstreamError());

    await failure(credentials.create(request()));

    expect(release).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledWith(claim.mock.calls[0]?.[0]);
  });

  test('the released claim leaves a tombstone: that claim’s write, landing late, does not take hold', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = jest.spyOn(store, 'claim');
    const { inner, credentials } = setup(store);
    inner.create.mockRejectedValueOnce(new UpstreamError());
    await failure(credentials.create(request()));
    const released = claim.mock.calls[0]?.[0] as ClaimRequest;

    await expect(store.claim(released)).resolves.toEqual({ status: 'in-progress' });
  });

  test('a claim whose answer was lost (a transient failure) is released, so a retry proceeds at once', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = store.claim.bind(store);
    jest.spyOn(store, 'claim').mockImplementationOnce(async (request) => {
      await claim(request);
      throw new UnavailableError();
    });
    const { inner, credentials } = setup(store);
    const lost = await failure(credentials.create(request()));

    const retry = await credentials.create(request());

    expect(lost).toBeInstanceOf(UnavailableError);
    expect(retry).toMatchObject({ apiKeyId: 'cred1' });
    expect(inner.create).toHaveBeenCalledTimes(1);
  });

  test('a claim whose answer was lost is released with that very claim', async () => {
    const store = new InMemoryIdempotencyStore();
    jest.spyOn(store, 'claim').mockRejectedValueOnce(new ThrottledError(1));
    const release = jest.spyOn(store, 'release');
    const { credentials } = setup(store);

    await failure(credentials.create(request()));

    expect(release).toHaveBeenCalledWith(
      expect.objectContaining({ key: idempotencyKey(request()), claimId: expect.any(String) }),
    );
  });

  test('a claim refused outright (not transient) wrote nothing and is not released', async () => {
    const store = new InMemoryIdempotencyStore();
    const refusal = new UpstreamError();
    jest.spyOn(store, 'claim').mockRejectedValueOnce(refusal);
    const release = jest.spyOn(store, 'release');
    const { inner, credentials } = setup(store);

    const error = await failure(credentials.create(request()));

    expect(error).toBe(refusal);
    expect(release).not.toHaveBeenCalled();
    expect(inner.create).not.toHaveBeenCalled();
  });

  test('a release that fails is reported through onReleaseFailure', async () => {
    const store = new InMemoryIdempotencyStore();
    const releaseError = new UpstreamError();
    jest.spyOn(store, 'release').mockRejectedValue(releaseError);
    const { inner, credentials, onReleaseFailure } = setup(store);
    inner.create.mockRejectedValueOnce(new Error('API Gateway failed'));

    await failure(credentials.create(request()));

    expect(onReleaseFailure).toHaveBeenCalledTimes(1);
    expect(onReleaseFailure).toHaveBeenCalledWith(releaseError);
  });

  test('a release that fails transiently is retried before it is given up', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const store = new InMemoryIdempotencyStore();
    const release = jest.spyOn(store, 'release').mockRejectedValue(new ThrottledError(1));
    const { inner, credentials, onReleaseFailure } = setup(store);
    inner.create.mockRejectedValueOnce(new Error('API Gateway failed'));

    const outcome = failure(credentials.create(request()));
    await jest.runAllTimersAsync();
    await outcome;

    expect(release).toHaveBeenCalledTimes(4);
    expect(onReleaseFailure).toHaveBeenCalledWith(expect.any(ThrottledError));
  });

  test('a release that succeeds on a retry reports nothing', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const store = new InMemoryIdempotencyStore();
    jest.spyOn(store, 'release').mockRejectedValueOnce(new UnavailableError());
    const { inner, credentials, onReleaseFailure } = setup(store);
    inner.create.mockRejectedValueOnce(new Error('API Gateway failed'));

    const outcome = failure(credentials.create(request()));
    await jest.runAllTimersAsync();
    await outcome;

    expect(onReleaseFailure).not.toHaveBeenCalled();
  });
});

describe('IdempotentCredentials claim lease inside a request', () => {
  test('holds until the request stops acting (deadline and cleanup reserve), a second more', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = jest.spyOn(store, 'claim');
    const { credentials } = setup(store);

    await withDeadline(
      18_000,
      () => credentials.create(request()),
      () => START_MS,
    );

    // Acts until START + 18 s + 3 s of cleanup; the lease ends a second after that.
    expect(claim).toHaveBeenCalledWith(expect.objectContaining({ leaseUntil: START_MS / 1000 + 22 }));
  });

  test('rounds the end of the request up to a whole second', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = jest.spyOn(store, 'claim');
    const { credentials } = setup(store);

    await withDeadline(
      18_250,
      () => credentials.create(request()),
      () => START_MS,
    );

    expect(claim).toHaveBeenCalledWith(expect.objectContaining({ leaseUntil: START_MS / 1000 + 23 }));
  });

  test('holds only as long as a short request acts, while the record still expires after the window', async () => {
    const store = new InMemoryIdempotencyStore();
    const claim = jest.spyOn(store, 'claim');
    const { credentials } = setup(store);

    await withDeadline(
      1_000,
      () => credentials.create(request()),
      () => START_MS,
    );

    expect(claim).toHaveBeenCalledWith(
      expect.objectContaining({
        leaseUntil: START_MS / 1000 + 5,
        expiresAt: START_MS / 1000 + WINDOW_SECONDS,
      }),
    );
  });

  test('a repeat after the request stopped acting finds the claim free', async () => {
    const { inner, credentials, advanceSeconds } = setup();
    inner.create.mockReturnValueOnce(new Promise<never>(() => undefined));
    void withDeadline(
      18_000,
      () => credentials.create(request()),
      () => START_MS,
    );
    await new Promise((resolve) => setImmediate(resolve));
    advanceSeconds(23);

    const retry = await credentials.create(request());

    expect(retry).toMatchObject({ apiKeyId: 'cred1' });
  });
});

describe('IdempotentCredentials.update and revoke', () => {
  test('update goes to the inner service unchanged', async () => {
    const { inner, credentials } = setup();
    const update: UpdateCredentialsRequest = {
      credentialType: 'API_KEY',
      apiKeyId: 'k1',
      appName: 'renamed',
    };

    await credentials.update(update);

    expect(inner.update).toHaveBeenCalledWith(update);
  });

  test('revoke goes to the inner service unchanged', async () => {
    const { inner, credentials } = setup();
    const revoke: RevokeCredentialsRequest = { credentialType: 'CLIENT_CREDENTIALS', clientId: 'c1' };

    await credentials.revoke(revoke);

    expect(inner.revoke).toHaveBeenCalledWith(revoke);
  });

  test('update rejects with the inner service’s error', async () => {
    const { inner, credentials } = setup();
    const cause = new Error('not found');
    inner.update.mockRejectedValueOnce(cause);

    await expect(credentials.update({ apiKeyId: 'k1' })).rejects.toBe(cause);
  });
});
