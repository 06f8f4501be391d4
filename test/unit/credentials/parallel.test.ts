/**
 * forEachLimited: concurrency is measured with counters, and tasks are released by hand (gates),
 * so no test depends on timing.
 */

import { forEachLimited, PartialFailure } from '../../../lambda/credentials/parallel';
import { rejectionOf } from '../../support/promises';

/** A promise the test settles by hand. */
interface Gate {
  readonly promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Lets every pending promise callback and I/O-free continuation run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A task that records how many tasks run at once, yielding a few times while it runs. */
function concurrencyProbe() {
  const probe = { inFlight: 0, maxInFlight: 0, started: [] as number[] };
  const task = async (item: number): Promise<void> => {
    probe.started.push(item);
    probe.inFlight += 1;
    probe.maxInFlight = Math.max(probe.maxInFlight, probe.inFlight);
    await settle();
    await settle();
    probe.inFlight -= 1;
  };
  return { probe, task };
}

const range = (length: number): number[] => Array.from({ length }, (_, index) => index + 1);

describe('forEachLimited', () => {
  test('never has more than `limit` tasks in flight', async () => {
    const { probe, task } = concurrencyProbe();

    await forEachLimited(range(10), 3, task);

    expect(probe.maxInFlight).toBe(3);
  });

  test('runs every item once', async () => {
    const { probe, task } = concurrencyProbe();

    await forEachLimited(range(10), 3, task);

    expect([...probe.started].sort((a, b) => a - b)).toEqual(range(10));
  });

  test('starts every task at once when the limit exceeds the number of items', async () => {
    const { probe, task } = concurrencyProbe();

    await forEachLimited(range(4), 10, task);

    expect(probe.maxInFlight).toBe(4);
  });

  test('runs one task at a time when the limit is below 1', async () => {
    const { probe, task } = concurrencyProbe();

    await forEachLimited(range(3), 0, task);

    expect(probe.maxInFlight).toBe(1);
    expect(probe.started).toEqual(range(3));
  });

  test('resolves with the items whose task succeeded', async () => {
    const succeeded = await forEachLimited(['a', 'b', 'c'], 2, async () => {});

    expect([...succeeded].sort()).toEqual(['a', 'b', 'c']);
  });

  test('resolves with no items, without calling the task, for empty input', async () => {
    const task = jest.fn(async (): Promise<void> => {});

    const succeeded = await forEachLimited([], 3, task);

    expect(succeeded).toEqual([]);
    expect(task).not.toHaveBeenCalled();
  });

  test('starts no new task after a failure', async () => {
    const started: number[] = [];

    await rejectionOf(
      forEachLimited(range(6), 1, async (item) => {
        started.push(item);
        if (item === 2) throw new Error('task 2 failed');
      }),
    );

    expect(started).toEqual([1, 2]);
  });

  test('waits for the tasks in flight before rejecting', async () => {
    const slowTask = gate();
    let slowTaskFinished = false;
    let rejected = false;
    const run = forEachLimited([1, 2, 3], 2, async (item) => {
      if (item === 2) throw new Error('task 2 failed');
      await slowTask.promise;
      slowTaskFinished = true;
    });
    const outcome = rejectionOf(run).then((error) => {
      rejected = true;
      return error;
    });

    await settle();
    const rejectedWhileInFlight = rejected;
    slowTask.open();
    await outcome;

    expect(rejectedWhileInFlight).toBe(false);
    expect(slowTaskFinished).toBe(true);
  });

  test('rejects with a PartialFailure carrying the error and the items that succeeded', async () => {
    const failure = new Error('task 3 failed');

    const error = await rejectionOf(
      forEachLimited(['a', 'b', 'c', 'd'], 1, async (item) => {
        if (item === 'c') throw failure;
      }),
    );

    expect(error).toBeInstanceOf(PartialFailure);
    expect(error).toMatchObject({ succeeded: ['a', 'b'] });
    expect((error as PartialFailure<string>).cause).toBe(failure);
  });

  test('counts a task that was in flight and then succeeded among the succeeded items', async () => {
    const slowTask = gate();
    const run = forEachLimited(['slow', 'failing'], 2, async (item) => {
      if (item === 'failing') throw new Error('failed');
      await slowTask.promise;
    });
    const outcome = rejectionOf(run);

    await settle();
    slowTask.open();

    expect(await outcome).toMatchObject({ succeeded: ['slow'] });
  });

  test('carries the first failure when several tasks fail', async () => {
    const secondFailureGate = gate();
    const first = new Error('first');
    const run = forEachLimited(['late', 'early'], 2, async (item) => {
      if (item === 'early') throw first;
      await secondFailureGate.promise;
      throw new Error('second');
    });
    const outcome = rejectionOf(run);

    await settle();
    secondFailureGate.open();
    const error = await outcome;

    expect(error).toBeInstanceOf(PartialFailure);
    expect((error as PartialFailure<string>).cause).toBe(first);
  });
});
