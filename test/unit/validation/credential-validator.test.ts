/**
 * LedgerCredentialValidator through the in-memory ledger and the local token keys: every verdict,
 * the cache of ledger answers (on an injected clock), and dependency failures that must surface as
 * errors, never as "invalid".
 */
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import { LocalTokenKeys } from '../../../lambda/adapters/local/local-token-keys';
import type { LedgerEntry, NewLedgerEntry, TokenVerifier } from '../../../lambda/credentials/ports';
import { apiKeyHash } from '../../../lambda/credentials/recording';
import { UnavailableError } from '../../../lambda/errors';
import {
  type CredentialValidatorDependencies,
  LedgerCredentialValidator,
} from '../../../lambda/validation/credential-validator';
import { APP, CREATED_AT, clientGrants, INSTANCE, keyGrants } from '../../support/ledger';

/** Issued at CREATED_AT + 1 s; the validator's clock starts a minute later. */
const ISSUED_AT = CREATED_AT + 1_000;
const START = CREATED_AT + 60_000;
const KEY_VALUE = 'Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7jKl0n';
const KEY_ID = 'k3y1d';
const CLIENT_ID = 'client1';

const tokens = LocalTokenKeys.generate('http://127.0.0.1:8787');

let ledger: InMemoryLedger;
let clock: number;
let sequence = 0;

beforeEach(() => {
  ledger = new InMemoryLedger(INSTANCE);
  clock = START;
});

function validator(overrides: Partial<CredentialValidatorDependencies> = {}): LedgerCredentialValidator {
  return new LedgerCredentialValidator({ ledger, tokens: tokens.verifier(), now: () => clock, ...overrides });
}

/** Records `credentialId` issued (with the hash of `value` for a key) and returns its entry. */
async function issued(
  credentialId: string,
  options: { value?: string; intent?: Partial<NewLedgerEntry> } = {},
): Promise<LedgerEntry> {
  sequence += 1;
  const intent: NewLedgerEntry = {
    ledgerId: `ledgerentry${String(sequence).padStart(5, '0')}`,
    app: APP,
    grants: options.value === undefined ? clientGrants('orders/read') : keyGrants('p1'),
    createdAt: CREATED_AT,
    ...options.intent,
  };
  await ledger.begin(intent);
  await ledger.issue(intent, {
    credentialId,
    ...(options.value !== undefined && { apiKeyHash: apiKeyHash(options.value) }),
    at: ISSUED_AT,
  });
  const entry = await ledger.find(intent.grants.kind, credentialId);
  if (entry === undefined) throw new Error(`arrange: ${credentialId} was not issued`);
  return entry;
}

const issuedKey = (options: { value?: string; intent?: Partial<NewLedgerEntry> } = {}) =>
  issued(KEY_ID, { value: KEY_VALUE, ...options });

/** An access token of `clientId`, valid for an hour by the real clock (the library checks `exp`). */
const tokenOf = (clientId = CLIENT_ID, scopes: readonly string[] = ['orders/read']) =>
  tokens.sign({ clientId, scopes, expiresInSeconds: 3600 });

describe('an API key', () => {
  test('issued and current is valid, with its id, app and no expiry', async () => {
    await issuedKey();

    await expect(validator().validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: true,
      credentialType: 'API_KEY',
      apiKeyId: KEY_ID,
      appSlug: 'slug1',
      expiresAt: undefined,
    });
  });

  test('that expires later is valid, with its expiry', async () => {
    await issuedKey({ intent: { expiresAt: START + 1 } });

    await expect(validator().validate({ apiKey: KEY_VALUE })).resolves.toMatchObject({
      valid: true,
      expiresAt: START + 1,
    });
  });

  test('of an app without a slug is valid without one', async () => {
    await issuedKey({ intent: { app: { appName: 'my app', developer: 'dev@example.com' } } });

    await expect(validator().validate({ apiKey: KEY_VALUE })).resolves.toMatchObject({
      valid: true,
      appSlug: undefined,
    });
  });

  test('that the ledger does not know is UNKNOWN', async () => {
    await issuedKey();

    await expect(validator().validate({ apiKey: `${KEY_VALUE.slice(1)}X` })).resolves.toEqual({
      valid: false,
      reason: 'UNKNOWN',
    });
  });

  test('revoked is REVOKED', async () => {
    await ledger.revoke(await issuedKey(), START - 1);

    await expect(validator().validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: false,
      reason: 'REVOKED',
    });
  });

  test('recorded expired is EXPIRED', async () => {
    const entry = await issuedKey({ intent: { expiresAt: START - 10 } });
    await ledger.expire(entry, START - 5);

    await expect(validator().validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: false,
      reason: 'EXPIRED',
    });
  });

  test('past its expiry but not recorded so yet is EXPIRED, from the very millisecond', async () => {
    await issuedKey({ intent: { expiresAt: START } });

    await expect(validator().validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: false,
      reason: 'EXPIRED',
    });
  });

  test.each([
    ['empty', ''],
    ['19 characters', 'a'.repeat(19)],
    ['129 characters', 'a'.repeat(129)],
    ['with a space', `${'a'.repeat(20)} ${'b'.repeat(19)}`],
    ['with a control character', `${'a'.repeat(39)}\n`],
    ['with a character beyond ASCII', `${'a'.repeat(39)}é`],
  ])('%s is MALFORMED, without asking the ledger', async (_what, apiKey) => {
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');

    await expect(validator().validate({ apiKey })).resolves.toEqual({ valid: false, reason: 'MALFORMED' });
    expect(lookup).not.toHaveBeenCalled();
  });

  test.each([
    ['20 characters', 'a'.repeat(20)],
    ['128 characters', 'a'.repeat(128)],
    ['punctuation', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
  ])('of %s may be an API Gateway key: the ledger is asked', async (_what, apiKey) => {
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');

    await expect(validator().validate({ apiKey })).resolves.toEqual({ valid: false, reason: 'UNKNOWN' });
    expect(lookup).toHaveBeenCalledWith(apiKeyHash(apiKey));
  });

  test.each(['pending', 'abandoned'] as const)('whose entry is %s is UNKNOWN', async (state) => {
    const entry: LedgerEntry = {
      ledgerId: 'ledgerentry00000',
      state,
      app: APP,
      grants: keyGrants('p1'),
      credentialId: KEY_ID,
      apiKeyHash: apiKeyHash(KEY_VALUE),
      createdAt: CREATED_AT,
      updatedAt: CREATED_AT,
    };
    const subject = validator({
      ledger: { find: async () => undefined, findByApiKeyHash: async () => entry },
    });

    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: false,
      reason: 'UNKNOWN',
    });
  });

  test('is looked up by the hash of its value, never by the value', async () => {
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');

    await validator().validate({ apiKey: KEY_VALUE });

    expect(lookup.mock.calls).toEqual([[apiKeyHash(KEY_VALUE)]]);
    expect(JSON.stringify(lookup.mock.calls)).not.toContain(KEY_VALUE);
  });
});

describe('an access token', () => {
  test('of an issued client is valid, with the token’s scopes and the client’s expiry', async () => {
    await issued(CLIENT_ID, { intent: { expiresAt: START + 86_400_000 } });

    await expect(
      validator().validate({ accessToken: tokenOf(CLIENT_ID, ['orders/read', 'orders/write']) }),
    ).resolves.toEqual({
      valid: true,
      credentialType: 'CLIENT_CREDENTIALS',
      clientId: CLIENT_ID,
      appSlug: 'slug1',
      scopes: ['orders/read', 'orders/write'],
      expiresAt: START + 86_400_000,
    });
  });

  test('when the deployment issues no client credentials is UNKNOWN', async () => {
    await issued(CLIENT_ID);
    const find = jest.spyOn(ledger, 'find');

    await expect(validator({ tokens: undefined }).validate({ accessToken: tokenOf() })).resolves.toEqual({
      valid: false,
      reason: 'UNKNOWN',
    });
    expect(find).not.toHaveBeenCalled();
  });

  test('of a client the ledger does not list is UNKNOWN', async () => {
    await issued(CLIENT_ID);

    await expect(validator().validate({ accessToken: tokenOf('another-client') })).resolves.toEqual({
      valid: false,
      reason: 'UNKNOWN',
    });
  });

  test('of a revoked client is REVOKED', async () => {
    await ledger.revoke(await issued(CLIENT_ID), START - 1);

    await expect(validator().validate({ accessToken: tokenOf() })).resolves.toEqual({
      valid: false,
      reason: 'REVOKED',
    });
  });

  test('of a client recorded expired is EXPIRED', async () => {
    await ledger.expire(await issued(CLIENT_ID, { intent: { expiresAt: START - 10 } }), START - 5);

    await expect(validator().validate({ accessToken: tokenOf() })).resolves.toEqual({
      valid: false,
      reason: 'EXPIRED',
    });
  });

  test('of a client past its expiry is EXPIRED, though the token itself has not expired', async () => {
    await issued(CLIENT_ID, { intent: { expiresAt: START - 1 } });

    await expect(validator().validate({ accessToken: tokenOf() })).resolves.toEqual({
      valid: false,
      reason: 'EXPIRED',
    });
  });

  test.each([
    [
      'expired',
      () =>
        tokens.sign({ clientId: CLIENT_ID, scopes: [], expiresInSeconds: 60, now: Date.now() - 7_200_000 }),
      'EXPIRED',
    ],
    [
      'signed by another key',
      () =>
        LocalTokenKeys.generate(tokens.issuer).sign({
          clientId: CLIENT_ID,
          scopes: [],
          expiresInSeconds: 60,
        }),
      'FORGED',
    ],
    ['not a JWT', () => 'not-a-jwt', 'MALFORMED'],
  ])('%s is refused before the ledger is asked', async (_what, token, reason) => {
    await issued(CLIENT_ID);
    const find = jest.spyOn(ledger, 'find');

    await expect(validator().validate({ accessToken: token() })).resolves.toEqual({ valid: false, reason });
    expect(find).not.toHaveBeenCalled();
  });
});

describe('a failing dependency is an error, never a verdict', () => {
  const unavailable = () => new UnavailableError();

  test('the ledger failing to look up a key', async () => {
    const failure = unavailable();
    jest.spyOn(ledger, 'findByApiKeyHash').mockRejectedValue(failure);

    await expect(validator().validate({ apiKey: KEY_VALUE })).rejects.toBe(failure);
  });

  test('the ledger failing to look up a client', async () => {
    await issued(CLIENT_ID);
    const failure = unavailable();
    jest.spyOn(ledger, 'find').mockRejectedValue(failure);

    await expect(validator().validate({ accessToken: tokenOf() })).rejects.toBe(failure);
  });

  test('the token issuer’s keys unavailable', async () => {
    const failure = unavailable();
    const failing: TokenVerifier = { verify: () => Promise.reject(failure) };

    await expect(validator({ tokens: failing }).validate({ accessToken: tokenOf() })).rejects.toBe(failure);
  });

  test('a failed lookup is not remembered: the next call asks again', async () => {
    await issuedKey();
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash').mockRejectedValueOnce(unavailable());
    const subject = validator();
    await expect(subject.validate({ apiKey: KEY_VALUE })).rejects.toBeInstanceOf(UnavailableError);

    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toMatchObject({ valid: true });
    expect(lookup).toHaveBeenCalledTimes(2);
  });
});

describe('the cache of ledger answers', () => {
  test('a key validated again within the cache time costs no second lookup', async () => {
    await issuedKey();
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');
    const subject = validator();
    await subject.validate({ apiKey: KEY_VALUE });
    clock += 29_999;

    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toMatchObject({ valid: true });
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  test('a client validated again within the cache time costs no second lookup', async () => {
    await issued(CLIENT_ID);
    const find = jest.spyOn(ledger, 'find');
    const subject = validator();
    await subject.validate({ accessToken: tokenOf() });

    await expect(subject.validate({ accessToken: tokenOf() })).resolves.toMatchObject({ valid: true });
    expect(find).toHaveBeenCalledTimes(1);
  });

  test('an answer expires after the cache time: the ledger is asked again', async () => {
    await issuedKey();
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');
    const subject = validator();
    await subject.validate({ apiKey: KEY_VALUE });
    clock += 30_000;

    await subject.validate({ apiKey: KEY_VALUE });
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  test('a revoke shows once the cached answer has expired, not before (the trade-off)', async () => {
    const entry = await issuedKey();
    const subject = validator({ cacheSeconds: 10 });
    await subject.validate({ apiKey: KEY_VALUE });
    await ledger.revoke(entry, clock);

    clock += 9_999;
    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toMatchObject({ valid: true });
    clock += 1;
    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: false,
      reason: 'REVOKED',
    });
  });

  test('a cached credential that reaches its expiry is EXPIRED at once', async () => {
    await issuedKey({ intent: { expiresAt: START + 5_000 } });
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');
    const subject = validator();
    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toMatchObject({ valid: true });
    clock = START + 5_000;

    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: false,
      reason: 'EXPIRED',
    });
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  test('cacheSeconds 0 asks the ledger every time', async () => {
    await issuedKey();
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');
    const subject = validator({ cacheSeconds: 0 });

    await subject.validate({ apiKey: KEY_VALUE });
    await subject.validate({ apiKey: KEY_VALUE });

    expect(lookup).toHaveBeenCalledTimes(2);
  });

  test('a key not found is not remembered: a key issued a moment ago is valid once the ledger has it', async () => {
    const subject = validator();
    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toEqual({
      valid: false,
      reason: 'UNKNOWN',
    });
    await issuedKey();

    await expect(subject.validate({ apiKey: KEY_VALUE })).resolves.toMatchObject({ valid: true });
  });

  test('a client not found is remembered', async () => {
    const find = jest.spyOn(ledger, 'find');
    const subject = validator();

    await subject.validate({ accessToken: tokenOf('another-client') });
    await subject.validate({ accessToken: tokenOf('another-client') });

    expect(find).toHaveBeenCalledTimes(1);
  });

  test('holds at most cacheEntries answers, dropping the oldest', async () => {
    const values = ['1', '2', '3'].map((digit) => `${KEY_VALUE.slice(1)}${digit}`);
    for (const [index, value] of values.entries()) await issued(`key${index}`, { value });
    const lookup = jest.spyOn(ledger, 'findByApiKeyHash');
    const subject = validator({ cacheEntries: 2 });
    for (const value of values) await subject.validate({ apiKey: value });
    lookup.mockClear();

    await subject.validate({ apiKey: values[2] ?? '' });
    await subject.validate({ apiKey: values[1] ?? '' });
    expect(lookup).not.toHaveBeenCalled();
    await subject.validate({ apiKey: values[0] ?? '' });
    expect(lookup).toHaveBeenCalledTimes(1);
  });
});
