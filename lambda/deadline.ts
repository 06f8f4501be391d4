/**
 * A per-request deadline for AWS calls. The webhook runs each request inside `withDeadline`; the
 * SDK clients check it before every attempt (adapters/aws/clients.ts), so retries stop when the
 * budget is spent and the Portal gets a 503 in our error format instead of a Lambda timeout.
 * Cleanup after a failure (`inCleanupTime`) may go on for a short reserve past the deadline: a
 * request that gives up at its deadline must still undo what it made and release its claim.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Budget {
  /** Epoch ms after which no new AWS attempt starts. */
  readonly until: number;
  /** Epoch ms until which cleanup may run. */
  readonly cleanupUntil: number;
  /** Epoch ms at which the runtime stops the invocation, when it says. */
  readonly endsAt?: number | undefined;
}

const budgets = new AsyncLocalStorage<Budget>();

/** Time kept after the deadline for cleanup: one more attempt (3 s) fits before the Lambda timeout. */
export const CLEANUP_RESERVE_MS = 3_000;

/** How long one AWS call attempt may take (the SDK clients' request timeout). */
export const ATTEMPT_TIMEOUT_MS = 3_000;

/** Time to write the response once the last AWS attempt ended. */
const ANSWER_MS = 500;

/**
 * The AWS budget of a request that must end within `remainingMs` (the Lambda's own timeout). After
 * the deadline, cleanup may start attempts for CLEANUP_RESERVE_MS and the last of them (like an
 * attempt in flight at the deadline) runs ATTEMPT_TIMEOUT_MS; then the answer is written. A 25 s
 * function gets 18.5 s; a 10 s one 3.5 s.
 */
export function budgetFor(remainingMs: number): number {
  return Math.max(0, remainingMs - (CLEANUP_RESERVE_MS + ATTEMPT_TIMEOUT_MS + ANSWER_MS));
}

/**
 * Runs `task` with a deadline `budgetMs` from now (epoch ms) visible to the AWS calls it makes.
 * `endsAt` is when the runtime stops the invocation, when known.
 */
export function withDeadline<T>(
  budgetMs: number,
  task: () => Promise<T>,
  now: () => number = Date.now,
  cleanupReserveMs: number = CLEANUP_RESERVE_MS,
  endsAt?: number,
): Promise<T> {
  const until = now() + budgetMs;
  return budgets.run({ until, cleanupUntil: until + cleanupReserveMs, endsAt }, task);
}

/** Runs cleanup with the request's deadline pushed out by its cleanup reserve. */
export function inCleanupTime<T>(task: () => Promise<T>): Promise<T> {
  const budget = budgets.getStore();
  if (budget === undefined) return task();
  return budgets.run({ ...budget, until: budget.cleanupUntil }, task);
}

/** Milliseconds left before the current request's deadline; Infinity outside a request. */
export function remainingMs(now: () => number = Date.now): number {
  const budget = budgets.getStore();
  return budget === undefined ? Number.POSITIVE_INFINITY : budget.until - now();
}

/**
 * Epoch ms until which the current request may still act: when the runtime stops it, where known,
 * else the end of its cleanup time; undefined outside a request.
 */
export function actsUntil(): number | undefined {
  const budget = budgets.getStore();
  return budget === undefined ? undefined : Math.max(budget.endsAt ?? 0, budget.cleanupUntil);
}

/** Thrown before an AWS call attempt when the request's budget is spent. */
export class DeadlineExceededError extends Error {
  constructor() {
    super('the request ran out of time for AWS calls');
    // The SDK's name for a timed-out request: mapped to 503 with the other timeouts.
    this.name = 'TimeoutError';
  }
}
