/**
 * persist: the cleanup retry loop. Sleeps are injected (and recorded) and the jitter is pinned,
 * so no test waits; the deadline comes from withDeadline.
 */

import { isTransient, persist } from '../../../lambda/credentials/persist';
import { inCleanupTime, withDeadline } from '../../../lambda/deadline';
import { ThrottledError, UnavailableError, UnprocessableError, UpstreamError } from '../../../lambda/errors';
import { rejectionOf } from '../../support/promises';

/** A task that fails with each of `failures` in turn, then resolves with 'done'. */
function failing(...failures: Error[]) {
  let calls = 0;
  const task = jest.fn(async () => {
    const failure = failures[calls++];
    if (failure !== undefined) throw failure;
    return 'done';
  });
  return task;
}

/** An injected sleep that records the pauses asked for and returns at once. */
function recordedSleep() {
  const pauses: number[] = [];
  return { pauses, sleep: async (ms: number) => void pauses.push(ms) };
}

afterEach(() => {
  jest.restoreAllMocks();
});

describe('isTransient', () => {
  test.each([
    ['throttling', new ThrottledError(1), true],
    ['unavailability', new UnavailableError(), true],
    ['a refusal', new UpstreamError(), false],
    ['a request the deployment refuses', new UnprocessableError('X', 'no'), false],
    ['any other error', new Error('bug'), false],
  ])('%s: %s', (_case, error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

describe('persist', () => {
  test('returns what the task returns, trying once when it succeeds', async () => {
    const task = failing();
    const { pauses, sleep } = recordedSleep();

    await expect(persist(task, { sleep })).resolves.toBe('done');
    expect(task).toHaveBeenCalledTimes(1);
    expect(pauses).toEqual([]);
  });

  test.each([
    ['throttled', new ThrottledError(1)],
    ['unavailable', new UnavailableError()],
  ])('tries again after a %s failure', async (_case, failure) => {
    const task = failing(failure, failure);

    await expect(persist(task, recordedSleep())).resolves.toBe('done');
    expect(task).toHaveBeenCalledTimes(3);
  });

  test('does not try again after a refusal, and rejects with it', async () => {
    const refusal = new UpstreamError();
    const task = failing(refusal);
    const { pauses, sleep } = recordedSleep();

    await expect(persist(task, { sleep })).rejects.toBe(refusal);
    expect(task).toHaveBeenCalledTimes(1);
    expect(pauses).toEqual([]);
  });

  test('stops at a refusal that follows a retried failure', async () => {
    const refusal = new UpstreamError();
    const task = failing(new ThrottledError(1), refusal);

    await expect(persist(task, recordedSleep())).rejects.toBe(refusal);
    expect(task).toHaveBeenCalledTimes(2);
  });

  test('tries 4 times by default, then rejects with the last failure', async () => {
    const last = new UnavailableError('the fourth');
    const task = failing(new ThrottledError(1), new ThrottledError(1), new ThrottledError(1), last);

    await expect(persist(task, recordedSleep())).rejects.toBe(last);
    expect(task).toHaveBeenCalledTimes(4);
  });

  test('tries as many times as it is told', async () => {
    const task = failing(new ThrottledError(1), new ThrottledError(1), new ThrottledError(1));

    await rejectionOf(persist(task, { ...recordedSleep(), attempts: 2 }));

    expect(task).toHaveBeenCalledTimes(2);
  });

  test('pauses between tries, doubling from 200 ms, at least half of each with the jitter low', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const { pauses, sleep } = recordedSleep();
    const failure = new ThrottledError(1);

    await rejectionOf(persist(failing(failure, failure, failure, failure), { sleep }));

    expect(pauses).toEqual([100, 200, 400]);
  });

  test('pauses at most the full doubled delay with the jitter high', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const { pauses, sleep } = recordedSleep();
    const failure = new ThrottledError(1);

    await rejectionOf(persist(failing(failure, failure, failure, failure), { sleep, baseDelayMs: 50 }));

    expect(pauses).toHaveLength(3);
    pauses.forEach((pause, index) => {
      expect(pause).toBeLessThanOrEqual(50 * 2 ** index);
      expect(pause).toBeGreaterThan(50 * 2 ** index * 0.99);
    });
  });

  test('stops at the request’s deadline rather than pause past it', async () => {
    const failure = new ThrottledError(1);
    const task = failing(failure, failure);
    const { pauses, sleep } = recordedSleep();

    const error = await withDeadline(50, () => rejectionOf(persist(task, { sleep, baseDelayMs: 200 })));

    expect(error).toBe(failure);
    expect(task).toHaveBeenCalledTimes(1);
    expect(pauses).toEqual([]);
  });

  test('goes on retrying within the cleanup reserve once the request’s own time is spent', async () => {
    const failure = new ThrottledError(1);
    const task = failing(failure, failure);

    const result = await withDeadline(50, () =>
      inCleanupTime(() => persist(task, { ...recordedSleep(), baseDelayMs: 200 })),
    );

    expect(result).toBe('done');
    expect(task).toHaveBeenCalledTimes(3);
  });
});
