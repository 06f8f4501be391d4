/**
 * SecretsManagerCredentials over a mocked SecretsManagerClient: the secret's JSON shape, the cache,
 * and how failures surface (without the secret's value).
 */

import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  MalformedSecretError,
  SecretsManagerCredentials,
} from '../../../../lambda/adapters/aws/secrets-manager-credentials';
import { ThrottledError, UpstreamError } from '../../../../lambda/errors';
import { secretsManagerErrors } from '../../../support/aws-errors';
import { rejectionOf } from '../../../support/promises';

const secretsManager = mockClient(SecretsManagerClient);

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-basic-AbCdEf';
const TTL_SECONDS = 300;
const PASSWORD = 'hunter2-current';
const PREVIOUS_PASSWORD = 'hunter1-previous';

function credentials(ttlSeconds = TTL_SECONDS): SecretsManagerCredentials {
  return new SecretsManagerCredentials(
    new SecretsManagerClient({ region: 'us-east-1' }),
    SECRET_ID,
    ttlSeconds,
  );
}

function secretHolds(secretString: string): void {
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretString });
}

beforeEach(() => {
  secretsManager.reset();
});

afterEach(() => {
  jest.useRealTimers();
});

describe('reading the secret', () => {
  test('asks Secrets Manager for the configured secret', async () => {
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD }));

    await credentials().get();

    expect(secretsManager).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_ID });
  });

  test('returns the username and the password', async () => {
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD }));

    await expect(credentials().get()).resolves.toEqual({ username: 'portal', passwords: [PASSWORD] });
  });

  test('returns the current and the previous password during a rotation', async () => {
    secretHolds(
      JSON.stringify({ username: 'portal', password: PASSWORD, previousPassword: PREVIOUS_PASSWORD }),
    );

    await expect(credentials().get()).resolves.toEqual({
      username: 'portal',
      passwords: [PASSWORD, PREVIOUS_PASSWORD],
    });
  });

  test('ignores an empty previous password', async () => {
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD, previousPassword: '' }));

    await expect(credentials().get()).resolves.toEqual({ username: 'portal', passwords: [PASSWORD] });
  });

  test('reads a secret stored as binary JSON', async () => {
    const json = JSON.stringify({ username: 'portal', password: PASSWORD });
    secretsManager.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode(json) });

    await expect(credentials().get()).resolves.toEqual({ username: 'portal', passwords: [PASSWORD] });
  });
});

describe('caching', () => {
  test('asks Secrets Manager once for two reads within the TTL', async () => {
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD }));
    const source = credentials();

    await source.get();
    await source.get();

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  test('asks again when a refresh is requested', async () => {
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD }));
    const source = credentials();

    await source.get();
    await source.get({ refresh: true });

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  test('returns the refreshed value after a rotation', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: JSON.stringify({ username: 'portal', password: PREVIOUS_PASSWORD }) })
      .resolvesOnce({
        SecretString: JSON.stringify({
          username: 'portal',
          password: PASSWORD,
          previousPassword: PREVIOUS_PASSWORD,
        }),
      });
    const source = credentials();
    await source.get();

    const refreshed = await source.get({ refresh: true });

    expect(refreshed.passwords).toEqual([PASSWORD, PREVIOUS_PASSWORD]);
  });

  test('still serves the cached value just before the TTL ends', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD }));
    const source = credentials();
    await source.get();

    jest.setSystemTime(new Date('2026-11-23T10:04:59Z'));
    await source.get();

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  test('asks again once the TTL has passed', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') });
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD }));
    const source = credentials();
    await source.get();

    jest.setSystemTime(new Date('2026-11-23T10:05:01Z'));
    await source.get();

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  test('does not cache with a TTL of 0', async () => {
    secretHolds(JSON.stringify({ username: 'portal', password: PASSWORD }));
    const source = credentials(0);

    await source.get();
    await source.get();

    expect(secretsManager).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });
});

describe('a malformed secret', () => {
  test.each([
    ['is not JSON', `password=${PASSWORD}`],
    ['is truncated JSON', `{"username":"portal","password":"${PASSWORD}`],
    ['has no username', JSON.stringify({ password: PASSWORD })],
    ['has no password', JSON.stringify({ username: 'portal', pass: PASSWORD })],
    ['has an empty username', JSON.stringify({ username: '', password: PASSWORD })],
    ['has an empty password', JSON.stringify({ username: 'portal', password: '' })],
    ['has a password that is not a string', JSON.stringify({ username: 'portal', password: 1234 })],
    ['is a JSON string', JSON.stringify(PASSWORD)],
  ])('fails with MalformedSecretError when the secret %s', async (_case, secretString) => {
    secretHolds(secretString);

    await expect(credentials().get()).rejects.toBeInstanceOf(MalformedSecretError);
  });

  test('fails with MalformedSecretError when the secret has no value', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({});

    await expect(credentials().get()).rejects.toBeInstanceOf(MalformedSecretError);
  });

  test.each([
    ['is not JSON', `{"username":"portal","password":${PASSWORD}}`],
    ['lacks a field', JSON.stringify({ user: 'portal', password: PASSWORD })],
  ])('names the secret but never shows its value when it %s', async (_case, secretString) => {
    secretHolds(secretString);

    const error = await rejectionOf(credentials().get());

    expect(error).toBeInstanceOf(MalformedSecretError);
    expect(error).toHaveProperty('message', expect.stringContaining(SECRET_ID));
    expect(error).toHaveProperty('message', expect.not.stringContaining(PASSWORD));
  });
});

describe('failures of Secrets Manager', () => {
  test('maps a missing secret to 502 and keeps the SDK error as the cause', async () => {
    const missing = secretsManagerErrors.notFound();
    secretsManager.on(GetSecretValueCommand).rejects(missing);

    const error = await rejectionOf(credentials().get());

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).cause).toBe(missing);
  });

  test('maps throttling to 429', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(secretsManagerErrors.throttled());

    const error = await rejectionOf(credentials().get());

    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ status: 429 });
  });
});
