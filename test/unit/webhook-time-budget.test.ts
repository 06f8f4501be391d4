/**
 * The AWS time budget of a request follows the function's own timeout (Lambda's remaining time),
 * so a short timeout never kills a create mid-flight: the deadline, the cleanup after it and the
 * answer all fit before the runtime stops the invocation, and a claim outlives the invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { InMemoryIdempotencyStore } from '../../lambda/adapters/local/in-memory-idempotency-store';
import { StaticCredentials } from '../../lambda/adapters/static-credentials';
import { IdempotentCredentials } from '../../lambda/credentials/idempotency';
import type { RecoverableCredentials } from '../../lambda/credentials/ports';
import {
  ATTEMPT_TIMEOUT_MS,
  actsUntil,
  budgetFor,
  CLEANUP_RESERVE_MS,
  remainingMs,
} from '../../lambda/deadline';
import { UnavailableError } from '../../lambda/errors';
import { BasicAuthenticator } from '../../lambda/http/auth';
import { createWebhook, DEFAULT_AWS_BUDGET_MS } from '../../lambda/webhook';
import { createRequest, event, PASSWORD, USERNAME } from '../support/events';

const START = Date.UTC(2026, 10, 30, 12, 0, 0);

/** What the create saw of its time: the AWS budget left, and until when the request may act. */
interface Seen {
  remaining: number;
  actsUntil: number | undefined;
}

function setup(options: { awsBudgetMs?: number } = {}) {
  const seen: Seen[] = [];
  const store = new InMemoryIdempotencyStore();
  const claim = jest.spyOn(store, 'claim');
  const inner: RecoverableCredentials = {
    create: async () => {
      seen.push({ remaining: remainingMs(), actsUntil: actsUntil() });
      throw new UnavailableError();
    },
    update: async () => undefined,
    revoke: async () => undefined,
    recover: async () => undefined,
  };
  const webhook = createWebhook({
    authenticator: new BasicAuthenticator(new StaticCredentials(USERNAME, PASSWORD)),
    credentials: new IdempotentCredentials(inner, store, { windowSeconds: 3600, leaseSeconds: 30 }),
    logger: new Logger({ logLevel: 'SILENT' }),
    ...options,
  });
  return { webhook, seen, claim };
}

beforeEach(() => {
  jest.useFakeTimers({ now: START, doNotFake: ['setImmediate', 'nextTick'] });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('the AWS budget of a request', () => {
  test('with a 10 s function timeout, leaves room after the deadline for an attempt, cleanup and the answer', async () => {
    const { webhook, seen } = setup();

    const response = await webhook(event({ json: createRequest() }), { remainingMs: 10_000 });

    expect(response.statusCode).toBe(503);
    expect(seen[0]?.remaining).toBe(3_500);
    // Cleanup starts attempts until the deadline plus its reserve; the last one may run a full attempt.
    const lastAttemptEnds = START + (seen[0]?.remaining ?? 0) + CLEANUP_RESERVE_MS + ATTEMPT_TIMEOUT_MS;
    expect(lastAttemptEnds).toBeLessThan(START + 10_000);
  });

  test('with the default 25 s timeout is 18.5 s', async () => {
    const { webhook, seen } = setup();

    await webhook(event({ json: createRequest() }), { remainingMs: 25_000 });

    expect(seen[0]?.remaining).toBe(18_500);
  });

  test('is capped by the webhook’s own maximum', async () => {
    const { webhook, seen } = setup({ awsBudgetMs: 5_000 });

    await webhook(event({ json: createRequest() }), { remainingMs: 25_000 });

    expect(seen[0]?.remaining).toBe(5_000);
  });

  test('is the default where the runtime does not say (npm start)', async () => {
    const { webhook, seen } = setup();

    await webhook(event({ json: createRequest() }));

    expect(seen[0]?.remaining).toBe(DEFAULT_AWS_BUDGET_MS);
  });

  test('is none when the invocation has no time left for it', () => {
    expect(budgetFor(6_000)).toBe(0);
  });
});

describe('a create claim inside an invocation', () => {
  test('holds until after the runtime would stop the invocation, whatever its timeout', async () => {
    const { webhook, claim, seen } = setup();

    await webhook(event({ json: createRequest() }), { remainingMs: 10_000 });

    expect(seen[0]?.actsUntil).toBe(START + 10_000);
    expect(claim).toHaveBeenCalledWith(expect.objectContaining({ leaseUntil: START / 1000 + 11 }));
  });
});
