/**
 * A per-request deadline for AWS calls. The webhook runs each request inside `withDeadline`; the
 * SDK clients check it before every attempt (adapters/aws/clients.ts), so retries stop when the
 * budget is spent and the Portal gets a 503 in our error format instead of a Lambda timeout.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<number>();

/** Runs `task` with a deadline `budgetMs` from now (epoch ms) visible to the AWS calls it makes. */
export function withDeadline<T>(
  budgetMs: number,
  task: () => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  return deadlines.run(now() + budgetMs, task);
}

/** Milliseconds left before the current request's deadline; Infinity outside a request. */
export function remainingMs(now: () => number = Date.now): number {
  const deadline = deadlines.getStore();
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - now();
}

/** Thrown before an AWS call attempt when the request's budget is spent. */
export class DeadlineExceededError extends Error {
  constructor() {
    super('the request ran out of time for AWS calls');
    // The SDK's name for a timed-out request: mapped to 503 with the other timeouts.
    this.name = 'TimeoutError';
  }
}
