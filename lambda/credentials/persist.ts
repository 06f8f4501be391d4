/**
 * Retries a cleanup step (deleting a half-made credential, releasing a claim) on its own schedule.
 * The SDK's retries draw on a budget shared by every call of the container; under a storm it runs
 * dry and a failed cleanup would never be tried again. This loop retries what AWS may accept on a
 * second try (throttling, unavailability) until the request's cleanup time is spent.
 */
import { remainingMs } from '../deadline';
import { ThrottledError, UnavailableError } from '../errors';

export interface PersistOptions {
  /** Tries at most, the first included. */
  readonly attempts?: number;
  /** First pause between tries, doubled each time (with jitter). */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Throttling and unavailability are worth another try; a refusal is not. */
export function isTransient(error: unknown): boolean {
  return error instanceof ThrottledError || error instanceof UnavailableError;
}

export async function persist<T>(task: () => Promise<T>, options: PersistOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const base = options.baseDelayMs ?? 200;
  const sleep = options.sleep ?? wait;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      const delay = base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      if (attempt >= attempts || !isTransient(error) || remainingMs() <= delay) throw error;
      await sleep(delay);
    }
  }
}
