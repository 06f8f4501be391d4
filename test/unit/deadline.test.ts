/**
 * The per-request deadline: what the code running inside withDeadline sees of it, and how
 * inCleanupTime extends it. Every clock is injected, so nothing depends on how fast the test runs.
 */
import {
  actsUntil,
  CLEANUP_RESERVE_MS,
  DeadlineExceededError,
  inCleanupTime,
  remainingMs,
  withDeadline,
} from '../../lambda/deadline';

const START = Date.UTC(2026, 10, 23, 10, 0, 0);
const clock = () => START;

describe('outside a request', () => {
  test('no time limit applies', () => {
    expect(remainingMs(clock)).toBe(Number.POSITIVE_INFINITY);
  });

  test('nothing says until when the request acts', () => {
    expect(actsUntil()).toBeUndefined();
  });

  test('cleanup runs the task as it is', async () => {
    await expect(inCleanupTime(async () => remainingMs(clock))).resolves.toBe(Number.POSITIVE_INFINITY);
  });
});

describe('withDeadline', () => {
  test('gives the task its budget', async () => {
    await expect(withDeadline(18_000, async () => remainingMs(clock), clock)).resolves.toBe(18_000);
  });

  test('counts the time spent against the budget', async () => {
    const later = () => START + 5_000;

    await expect(withDeadline(18_000, async () => remainingMs(later), clock)).resolves.toBe(13_000);
  });

  test('says the request acts until its deadline plus the cleanup reserve of 3 s', async () => {
    expect(CLEANUP_RESERVE_MS).toBe(3_000);
    await expect(withDeadline(18_000, async () => actsUntil(), clock)).resolves.toBe(START + 21_000);
  });

  test('takes another cleanup reserve when given one', async () => {
    await expect(withDeadline(18_000, async () => actsUntil(), clock, 500)).resolves.toBe(START + 18_500);
  });

  test('keeps the deadline across awaits in the task', async () => {
    const seen = await withDeadline(
      1_000,
      async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return remainingMs(clock);
      },
      clock,
    );

    expect(seen).toBe(1_000);
  });

  test('is gone once the task is done', async () => {
    await withDeadline(1_000, async () => undefined, clock);

    expect(remainingMs(clock)).toBe(Number.POSITIVE_INFINITY);
  });

  test('keeps two requests’ deadlines apart', async () => {
    const [a, b] = await Promise.all([
      withDeadline(1_000, async () => remainingMs(clock), clock),
      withDeadline(2_000, async () => remainingMs(clock), clock),
    ]);

    expect([a, b]).toEqual([1_000, 2_000]);
  });
});

describe('inCleanupTime', () => {
  test('extends the deadline by the cleanup reserve', async () => {
    const inCleanup = await withDeadline(18_000, () => inCleanupTime(async () => remainingMs(clock)), clock);

    expect(inCleanup).toBe(21_000);
  });

  test('gives time to cleanup after the request’s own deadline passed', async () => {
    const pastDeadline = () => START + 19_000;

    const inCleanup = await withDeadline(
      18_000,
      () => inCleanupTime(async () => remainingMs(pastDeadline)),
      clock,
    );

    expect(inCleanup).toBe(2_000);
  });

  test('does not extend it twice when nested', async () => {
    const nested = await withDeadline(
      18_000,
      () => inCleanupTime(() => inCleanupTime(async () => remainingMs(clock))),
      clock,
    );

    expect(nested).toBe(21_000);
  });

  test('leaves when the request acts unchanged', async () => {
    const until = await withDeadline(18_000, () => inCleanupTime(async () => actsUntil()), clock);

    expect(until).toBe(START + 21_000);
  });

  test('leaves the rest of the request at its own deadline', async () => {
    const after = await withDeadline(
      18_000,
      async () => {
        await inCleanupTime(async () => undefined);
        return remainingMs(clock);
      },
      clock,
    );

    expect(after).toBe(18_000);
  });
});

describe('DeadlineExceededError', () => {
  test('is named as the SDK names a timed-out request, so it maps to 503 with the others', () => {
    expect(new DeadlineExceededError()).toMatchObject({ name: 'TimeoutError' });
  });
});
