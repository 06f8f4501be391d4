/**
 * Runs `task` for every item with at most `limit` in flight (AWS control planes allow only a few
 * calls per second). Once a task fails no new task starts; the tasks already in flight are awaited,
 * so a caller that cleans up after a failure never races a call still on the wire.
 * Resolves with the items whose task succeeded; rejects with the first failure, carrying them and
 * the items whose task failed (a failed AWS call may still have taken effect if its answer was lost).
 */
export class PartialFailure<T> extends Error {
  constructor(
    override readonly cause: unknown,
    readonly succeeded: readonly T[],
    readonly failed: readonly T[],
  ) {
    super('a parallel task failed');
    this.name = 'PartialFailure';
  }
}

export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<readonly T[]> {
  const succeeded: T[] = [];
  const failed: T[] = [];
  let failure: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
        succeeded.push(item);
      } catch (error) {
        failed.push(item);
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(limit, 1), items.length) }, worker));
  if (failure !== undefined) throw new PartialFailure(failure.error, succeeded, failed);
  return succeeded;
}
