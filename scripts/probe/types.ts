/** The vocabulary the probe's modules share: what a check is, what a call was, what a run found. */

export type Kind = 'api-key' | 'client-credentials';

/** REQUIRED: the Sensedia contract (a Portal cannot work without it); RECOMMENDED: good behaviour. */
export type Level = 'required' | 'recommended';

export type Outcome = 'pass' | 'fail' | 'skip';

/** One HTTP exchange as the report shows it (never a header or body: they may hold secrets). */
export interface CallRecord {
  readonly method: string;
  /** The path for calls to the webhook; the full URL for the token and check URLs. */
  readonly target: string;
  /** The status, or undefined when no answer came (network error, timeout). */
  readonly status: number | undefined;
  readonly ms: number;
  /** Milliseconds since the check's first call started. */
  readonly atMs: number;
}

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly level: Level;
  readonly outcome: Outcome;
  /** Why it failed or was skipped. */
  readonly reason?: string;
  readonly calls: readonly CallRecord[];
}

export interface CleanupResult {
  /** Ids of the credentials the probe created (its own create, and any a refusal let through). */
  readonly created: readonly string[];
  /** Ids the cleanup revoked because the run had not revoked them itself. */
  readonly revokedByCleanup: readonly string[];
  /** Ids that could not be revoked, with why. */
  readonly failed: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
}

export interface ProbeReport {
  readonly baseUrl: string;
  /** The kind that was asked for, or the one the webhook issued when none was. */
  readonly kind: Kind | undefined;
  readonly results: readonly CheckResult[];
  readonly cleanup: CleanupResult;
  readonly interrupted: boolean;
  /** Every required check passed, nothing was left behind, and the run was not interrupted. */
  readonly passed: boolean;
}
