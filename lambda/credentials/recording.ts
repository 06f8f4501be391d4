/**
 * The steps every credential kind takes around its AWS calls, so that nothing exists in AWS that
 * the ledger has not recorded first: an intent before the create, `issued` after it, and on any
 * failure the cleanup (on its own retry schedule) with the intent marked abandoned, so that the
 * reconciler removes whatever the cleanup could not.
 */
import { createHash } from 'node:crypto';
import { inCleanupTime } from '../deadline';
import type { CredentialType } from '../schemas';
import type { AppChanges, AppDescription } from './app';
import { expiryOf, hasExpired } from './lifetime';
import { type Marker, newLedgerId } from './marker';
import { persist } from './persist';
import {
  type AbandonOutcome,
  type CredentialLedger,
  type Grants,
  type IssuedFacts,
  type LedgerEntry,
  type NewLedgerEntry,
  OutcomeUnknownError,
  type RecordedApp,
} from './ports';

/** A resource the webhook could not remove after a failure; the reconciler will. */
export interface Leftover {
  readonly kind: CredentialType;
  readonly ledgerId: string;
  /** The AWS id, when the create answered. */
  readonly credentialId?: string | undefined;
  /**
   * 'exists': checked and still there; 'unknown': the check failed too; 'may-exist': a create
   * whose answer was lost and that no search found.
   */
  readonly status: 'exists' | 'unknown' | 'may-exist';
}

export interface RecordingOptions {
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Told of each resource left for the reconciler (for an operator's log). */
  readonly onLeftover?: (leftover: Leftover, error: unknown) => void;
}

/** What an app's entry records of it. */
export function recordedApp(app: Pick<AppDescription, 'appName' | 'appSlug' | 'developer'>): RecordedApp {
  return {
    appName: app.appName,
    developer: app.developer,
    ...(app.appSlug !== undefined && { appSlug: app.appSlug }),
  };
}

/** The recorded app with the fields an update gives. */
export function changedApp(recorded: RecordedApp, changes: AppChanges): RecordedApp {
  return recordedApp({
    appName: changes.appName ?? recorded.appName,
    appSlug: changes.appSlug ?? recorded.appSlug,
    developer: changes.developer ?? recorded.developer,
  });
}

/** The ledger keeps a hash of an API key's value (never the value): enough to recognise it. */
export function apiKeyHash(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** How the AWS resource behind an entry is removed after a failure, and checked for. */
export interface Removal {
  remove(): Promise<unknown>;
  exists(): Promise<boolean>;
}

export class Recording {
  private readonly now: () => number;

  constructor(
    private readonly ledger: CredentialLedger,
    private readonly kind: CredentialType,
    private readonly options: RecordingOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The deployment's marker prefix. */
  get instance(): string {
    return this.ledger.instance;
  }

  /**
   * Records the intent, with the credential's expiry when it has a lifetime (from now: the intent
   * is the credential's start); resolves with the entry and the marker the AWS resource must carry.
   */
  async begin(
    app: RecordedApp,
    grants: Grants,
    lifetimeSeconds?: number,
  ): Promise<{ entry: NewLedgerEntry; marker: Marker }> {
    const createdAt = this.now();
    const expiresAt = expiryOf(createdAt, lifetimeSeconds);
    const entry: NewLedgerEntry = {
      ledgerId: newLedgerId(),
      app,
      grants,
      createdAt,
      ...(expiresAt !== undefined && { expiresAt }),
    };
    await this.ledger.begin(entry);
    return { entry, marker: { instance: this.instance, ledgerId: entry.ledgerId } };
  }

  /**
   * The entry of a credential this webhook issued and that is neither revoked nor expired, or
   * undefined. A credential past its expiry counts as expired before the reconciler records it.
   */
  async owned(credentialId: string): Promise<LedgerEntry | undefined> {
    const entry = await this.ledger.find(this.kind, credentialId);
    return entry?.state === 'issued' && !hasExpired(entry, this.now()) ? entry : undefined;
  }

  /**
   * Records the credential as issued (completing the app's claim with it). If the write fails
   * and the ledger does not show it issued after all, the resource is removed and the error thrown.
   */
  async issue(entry: NewLedgerEntry, facts: Omit<IssuedFacts, 'at'>, removal: Removal): Promise<void> {
    try {
      await this.ledger.issue(entry, { ...facts, at: this.now() });
    } catch (error) {
      const recorded = await inCleanupTime(() =>
        persist(() => this.ledger.find(this.kind, facts.credentialId)),
      ).catch(() => undefined);
      if (recorded?.ledgerId === entry.ledgerId && recorded.state === 'issued') return;
      // The issue write may still land (a request delayed past its timeout): the resource goes only
      // once the intent is abandoned, which that write can no longer overtake. If it landed first,
      // the credential is issued after all, and the request succeeds.
      if ((await this.failedAfterIssue(entry, facts.credentialId, removal, error)) === 'moved-on') return;
      throw error;
    }
  }

  /**
   * `failed` for a failed issue write: the intent is abandoned first, and the resource removed only
   * if that worked. Unknown (the abandon itself failed): nothing is removed, the reconciler decides
   * by the entry (issued: kept; pending: removed after the grace period).
   */
  private async failedAfterIssue(
    entry: NewLedgerEntry,
    credentialId: string,
    removal: Removal,
    error: unknown,
  ): Promise<AbandonOutcome | 'unknown'> {
    const at = this.now();
    return inCleanupTime(async () => {
      const outcome = await persist(() => this.ledger.abandon(entry.ledgerId, at)).catch(
        () => 'unknown' as const,
      );
      if (outcome === 'moved-on') return outcome;
      if (outcome === 'abandoned') await this.removeOrReport(entry, credentialId, removal, error);
      else
        this.options.onLeftover?.(
          { kind: this.kind, ledgerId: entry.ledgerId, credentialId, status: 'unknown' },
          error,
        );
      return outcome;
    }).catch(() => 'unknown' as const);
  }

  /**
   * Runs the AWS create of an intent. If it fails, the intent is abandoned (a lost answer reported
   * as a resource that may exist) and the error the caller should see is thrown.
   */
  async create<T>(entry: NewLedgerEntry, create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (error) {
      const lost = error instanceof OutcomeUnknownError;
      await this.abandon(entry, error, lost);
      throw lost ? error.cause : error;
    }
  }

  /**
   * After a create that made nothing, or whose answer was lost (`mayExist`): marks the intent
   * abandoned, so the reconciler removes whatever carries its marker.
   */
  async abandon(entry: NewLedgerEntry, error: unknown, mayExist: boolean): Promise<void> {
    const at = this.now();
    await inCleanupTime(() => persist(() => this.ledger.abandon(entry.ledgerId, at))).catch(() => undefined);
    if (mayExist) {
      this.options.onLeftover?.({ kind: this.kind, ledgerId: entry.ledgerId, status: 'may-exist' }, error);
    }
  }

  /**
   * After a failure once the resource exists: marks the intent abandoned and removes the resource,
   * each on its own retry schedule. What cannot be removed is reported once checked, and left to
   * the reconciler.
   */
  async failed(entry: NewLedgerEntry, credentialId: string, removal: Removal, error: unknown): Promise<void> {
    const at = this.now();
    await inCleanupTime(async () => {
      // No issue write was sent: nothing can make the entry issued, so both run at once.
      await Promise.all([
        persist(() => this.ledger.abandon(entry.ledgerId, at)).catch(() => undefined),
        this.removeOrReport(entry, credentialId, removal, error),
      ]);
    });
  }

  /** Removes the resource; what cannot be removed is reported once checked, for the reconciler. */
  private async removeOrReport(
    entry: NewLedgerEntry,
    credentialId: string,
    removal: Removal,
    error: unknown,
  ): Promise<void> {
    const removed = await persist(() => removal.remove()).then(
      () => undefined,
      (reason: unknown) => ({ reason }),
    );
    if (removed === undefined) return;
    const exists = await persist(() => removal.exists()).catch(() => undefined);
    if (exists === false) return;
    this.options.onLeftover?.(
      { kind: this.kind, ledgerId: entry.ledgerId, credentialId, status: exists ? 'exists' : 'unknown' },
      removed.reason ?? error,
    );
  }

  /** Records new details of an issued credential. */
  amend(entry: LedgerEntry, app: RecordedApp, grants: Grants): Promise<void> {
    return this.ledger.amend(entry, { app, grants, at: this.now() });
  }

  /**
   * Records the end of the credential before it is deleted: a revoked or expired entry stays as it
   * is; one past its expiry that the reconciler has not reached yet is recorded expired, since that
   * is what ended it.
   */
  revoke(entry: LedgerEntry): Promise<void> {
    if (entry.state === 'revoked' || entry.state === 'expired') return Promise.resolve();
    const now = this.now();
    return hasExpired(entry, now) ? this.ledger.expire(entry, now) : this.ledger.revoke(entry, now);
  }

  /** Any entry for the credential, revoked ones included. */
  find(credentialId: string): Promise<LedgerEntry | undefined> {
    return this.ledger.find(this.kind, credentialId);
  }
}
