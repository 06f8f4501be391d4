/**
 * Hardening of the webhook's Basic authentication: password rotation (current and previous both
 * accepted, then only the current), comparison work that does not depend on where or whether the
 * password differs, and logs of failed attempts that name the source IP but never what was presented.
 */

import { timingSafeEqual } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerCredentials } from '../../../lambda/adapters/aws/secrets-manager-credentials';
import type { BasicCredentials, BasicCredentialsSource } from '../../../lambda/credentials/ports';
import { BasicAuthenticator } from '../../../lambda/http/auth';
import type { WebhookEvent } from '../../../lambda/webhook';
import { basic, event } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { localWebhook } from '../../support/webhook';

// The real timingSafeEqual, wrapped so that the test sees every comparison auth.ts makes. A spy on
// the imported namespace would not do: its bindings are read-only getters after transpilation.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

const comparisons = jest.mocked(timingSafeEqual);

const USERNAME = 'portal';
const CURRENT = 'rotated-Pa55word-2026';
const PREVIOUS = 'original-Pa55word-2025';
const SOURCE_IP = '203.0.113.7';

/** A secret store the test rotates: it always answers what the secret holds now. */
class RotatingSecret implements BasicCredentialsSource {
  private passwords: readonly string[];

  constructor(...passwords: string[]) {
    this.passwords = passwords;
  }

  holds(...passwords: string[]): void {
    this.passwords = passwords;
  }

  async get(): Promise<BasicCredentials> {
    return { username: USERNAME, passwords: this.passwords };
  }
}

/** The in-process webhook, expecting the Basic credentials `source` holds. */
function webhookFor(source: BasicCredentialsSource, logger = new Logger({ logLevel: 'SILENT' })) {
  return localWebhook({ basicCredentials: source, logger }).webhook;
}

const health = (authorization: string | undefined, sourceIp = SOURCE_IP): WebhookEvent =>
  event({
    httpMethod: 'GET',
    path: '/v1/health',
    headers: authorization === undefined ? {} : { Authorization: authorization },
    requestContext: { requestId: 'req-1', identity: { sourceIp } },
  });

afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

describe('password rotation', () => {
  /** Health-check statuses for the current and the previous password, in that order. */
  async function statuses(webhook: ReturnType<typeof webhookFor>) {
    const current = await webhook(health(basic(USERNAME, CURRENT)));
    const previous = await webhook(health(basic(USERNAME, PREVIOUS)));
    return { current: current.statusCode, previous: previous.statusCode };
  }

  test('accepts the current and the previous password while the secret lists both', async () => {
    const webhook = webhookFor(new RotatingSecret(CURRENT, PREVIOUS));

    expect(await statuses(webhook)).toEqual({ current: 204, previous: 204 });
  });

  test('accepts only the current password once the rotation ends, on the same webhook', async () => {
    const secret = new RotatingSecret(CURRENT, PREVIOUS);
    const webhook = webhookFor(secret);
    await statuses(webhook);

    secret.holds(CURRENT);

    expect(await statuses(webhook)).toEqual({ current: 204, previous: 401 });
  });

  test('refuses a password the secret never listed, during and after the rotation', async () => {
    const secret = new RotatingSecret(CURRENT, PREVIOUS);
    const webhook = webhookFor(secret);
    const during = await webhook(health(basic(USERNAME, 'never-listed')));

    secret.holds(CURRENT);
    const after = await webhook(health(basic(USERNAME, 'never-listed')));

    expect([during.statusCode, after.statusCode]).toEqual([401, 401]);
  });

  describe('through Secrets Manager and its cache', () => {
    const secretsManager = mockClient(SecretsManagerClient);
    const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-basic-AbCdEf';
    const CACHE_SECONDS = 300;
    const START = new Date('2026-11-23T10:00:00Z').getTime();

    const secretHolds = (secret: Record<string, string>): void => {
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(secret) });
    };

    /** A webhook reading the secret through the real adapter, at a test-controlled clock. */
    function rotatingWebhook() {
      jest.useFakeTimers({ now: START });
      const source = new SecretsManagerCredentials(
        new SecretsManagerClient({ region: 'us-east-1' }),
        SECRET_ID,
        CACHE_SECONDS,
      );
      return webhookFor(source);
    }

    beforeEach(() => {
      secretsManager.reset();
    });

    test('accepts the new password as soon as the rotation starts, although the old secret is cached', async () => {
      secretHolds({ username: USERNAME, password: PREVIOUS });
      const webhook = rotatingWebhook();
      await webhook(health(basic(USERNAME, PREVIOUS)));

      secretHolds({ username: USERNAME, password: CURRENT, previousPassword: PREVIOUS });
      jest.setSystemTime(START + 1_000);

      expect(await statuses(webhook)).toEqual({ current: 204, previous: 204 });
    });

    test('refuses the previous password once it is withdrawn and the cached secret has expired', async () => {
      secretHolds({ username: USERNAME, password: CURRENT, previousPassword: PREVIOUS });
      const webhook = rotatingWebhook();
      await statuses(webhook);

      secretHolds({ username: USERNAME, password: CURRENT });
      jest.setSystemTime(START + (CACHE_SECONDS + 1) * 1000);

      expect(await statuses(webhook)).toEqual({ current: 204, previous: 401 });
    });
  });
});

describe('comparison work', () => {
  const PASSWORD = 'k9$Lm2#pQ7!vX4&wR8@z';
  const REFRESH_MS = 30_000;
  const NOW = 1_700_000_000_000;

  /**
   * An authenticator whose one re-read of the secret after a mismatch is already spent, so that
   * each verify below is one round of comparisons (the re-read round is tested on its own).
   */
  async function primedAuthenticator(...passwords: string[]): Promise<BasicAuthenticator> {
    const authenticator = new BasicAuthenticator(new RotatingSecret(...passwords), REFRESH_MS, () => NOW);
    await authenticator.verify(basic(USERNAME, 'priming-mismatch')).catch(() => undefined);
    return authenticator;
  }

  /** The byte lengths of both sides of every timingSafeEqual call one verify makes. */
  async function comparedLengths(authenticator: BasicAuthenticator, authorization: string) {
    comparisons.mockClear();
    await authenticator.verify(authorization).catch(() => undefined);
    return comparisons.mock.calls.map(([presented, expected]) => [presented.byteLength, expected.byteLength]);
  }

  const WRONG_PASSWORDS: Array<[string, string]> = [
    ['differs at the first character', `X${PASSWORD.slice(1)}`],
    ['differs at the last character', `${PASSWORD.slice(0, -1)}X`],
    ['is one character shorter', PASSWORD.slice(0, -1)],
    ['is one character longer', `${PASSWORD}X`],
    ['is 1,000 characters long', 'p'.repeat(1000)],
    ['is empty', ''],
  ];

  test.each(WRONG_PASSWORDS)(
    'a password that %s makes the same comparisons as the correct one',
    async (_case, wrong) => {
      const authenticator = await primedAuthenticator(PASSWORD);
      const correct = await comparedLengths(authenticator, basic(USERNAME, PASSWORD));

      const refused = await comparedLengths(authenticator, basic(USERNAME, wrong));

      expect(refused).toEqual(correct);
    },
  );

  test('a wrong username makes the same comparisons as the correct one', async () => {
    const authenticator = await primedAuthenticator(PASSWORD);
    const correct = await comparedLengths(authenticator, basic(USERNAME, PASSWORD));

    const refused = await comparedLengths(authenticator, basic('p0rtal', PASSWORD));

    expect(refused).toEqual(correct);
  });

  test.each([['the correct password', PASSWORD], ...WRONG_PASSWORDS])(
    '%s is compared as two 32-byte digests, never as text',
    async (_case, presented) => {
      const authenticator = await primedAuthenticator(PASSWORD);

      const lengths = await comparedLengths(authenticator, basic(USERNAME, presented));

      expect(lengths.length).toBeGreaterThanOrEqual(2);
      expect(lengths).toEqual(lengths.map(() => [32, 32]));
    },
  );

  test('a 32-character password is compared as its digest, not as its bytes', async () => {
    const presented = 'a'.repeat(32);
    const authenticator = await primedAuthenticator(PASSWORD);
    comparisons.mockClear();

    await authenticator.verify(basic(USERNAME, presented)).catch(() => undefined);

    const compared = comparisons.mock.calls
      .flat()
      .map((side) => Buffer.from(side.buffer, side.byteOffset, side.byteLength));
    expect(compared.filter((side) => side.equals(Buffer.from(presented)))).toEqual([]);
  });

  test.each([
    ['the current password', 'current'],
    ['the previous password', 'previous'],
    ['a wrong password', 'wrong'],
  ])('during a rotation, %s makes the same comparisons as the others', async (_case, which) => {
    const presented: Record<string, string> = { current: CURRENT, previous: PREVIOUS, wrong: 'wrong' };
    const authenticator = await primedAuthenticator(CURRENT, PREVIOUS);
    const reference = await comparedLengths(authenticator, basic(USERNAME, CURRENT));

    const lengths = await comparedLengths(authenticator, basic(USERNAME, presented[which] ?? ''));

    expect(lengths).toEqual(reference);
  });

  test.each(WRONG_PASSWORDS)(
    'with the secret re-read after the mismatch, a password that %s makes the same comparisons as any other wrong one',
    async (_case, wrong) => {
      const fresh = () => new BasicAuthenticator(new RotatingSecret(PASSWORD), REFRESH_MS, () => NOW);
      const reference = await comparedLengths(fresh(), basic(USERNAME, 'reference-mismatch'));

      const lengths = await comparedLengths(fresh(), basic(USERNAME, wrong));

      expect(lengths).toEqual(reference);
    },
  );
});

describe('logs of failed attempts', () => {
  const PASSWORD = 'the-webhook-password-7Qz';
  /** Several failures in a row, each from its own address, each presenting something secret. */
  const ATTEMPTS = [
    { sourceIp: '198.51.100.1', username: USERNAME, password: 'Guess#1-Tr0ub4dor&3' },
    { sourceIp: '198.51.100.2', username: USERNAME, password: `${PASSWORD.slice(0, -1)}X` },
    { sourceIp: '2001:db8::17', username: USERNAME, password: 'ünïcødé-pässwörd-🔑' },
    // The operator typed the password in the username field.
    { sourceIp: '198.51.100.4', username: 'Pasted-In-Username-9xK', password: '' },
    { sourceIp: '198.51.100.5', username: USERNAME, password: 'colon:in:the:password' },
  ];

  /** Runs every attempt against one webhook that logs at DEBUG, the most it ever says. */
  async function failInARow(): Promise<void> {
    const webhook = webhookFor(new RotatingSecret(PASSWORD), new Logger({ logLevel: 'DEBUG' }));
    for (const attempt of ATTEMPTS) {
      await webhook(health(basic(attempt.username, attempt.password), attempt.sourceIp));
    }
  }

  test('logs each failure of several in a row at WARN with its source IP', async () => {
    const logs = captureLogs();

    await failInARow();

    const failures = logs.records().filter((record) => record.message === 'authentication failed');
    expect(failures.map((record) => [record.level, record.sourceIp])).toEqual(
      ATTEMPTS.map((attempt) => ['WARN', attempt.sourceIp]),
    );
  });

  test.each(ATTEMPTS.map((attempt, index) => [index + 1, attempt] as const))(
    'logs attempt %i by its source IP, never by its password, the base64 form or the Authorization header',
    async (_number, attempt) => {
      const logs = captureLogs();
      const header = basic(attempt.username, attempt.password);
      const secret = attempt.password === '' ? attempt.username : attempt.password;

      await failInARow();

      const text = logs.text();
      expect(text).toContain(attempt.sourceIp);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(Buffer.from(secret, 'utf8').toString('base64'));
      expect(text).not.toContain(header.slice('Basic '.length));
      expect(text).not.toContain(header);
    },
  );
});
