/**
 * One reconcile pass: converges AWS to the ledger, touching only resources that carry this
 * deployment's marker. It deletes a marked key or client the ledger does not show issued as that
 * resource (at once when its entry is revoked or abandoned, otherwise once older than the grace
 * period, so a create still in flight is left alone), removes bindings to allow-listed plans the
 * ledger does not list, marks intents that never produced anything abandoned, and reports issued
 * credentials missing in AWS. An issued credential past its expiry is recorded expired, then
 * deleted. Each finding is one row of the audit view.
 */

import { formatExpiry, hasExpired } from '../credentials/lifetime';
import { forEachLimited } from '../credentials/parallel';
import type {
  ApiKeyInventory,
  ClientInventory,
  CredentialLedger,
  CredentialState,
  LedgerEntry,
  MarkedResource,
  RecordedApp,
} from '../credentials/ports';
import { WebhookError } from '../errors';
import type { CredentialType } from '../schemas';

/** What a finding leads to. `keep`: in step; `wait`: too young to judge; `report`: drift no pass fixes. */
export type Action = 'keep' | 'wait' | 'delete' | 'unbind' | 'abandon' | 'expire' | 'report' | 'none';

export interface Finding {
  readonly kind: CredentialType;
  /** The AWS id, when there is a resource or the ledger knows it. */
  readonly credentialId?: string | undefined;
  readonly ledgerId: string;
  /** The ledger's state, or 'unrecorded' for a marked resource with no entry. */
  readonly state: CredentialState | 'unrecorded';
  readonly app?: RecordedApp | undefined;
  /** Usage plans or scopes the ledger records. */
  readonly grants: readonly string[];
  readonly ageSeconds: number;
  /** When the credential expires or expired (ISO 8601, UTC); absent for one that never does. */
  readonly expiresAt?: string | undefined;
  readonly action: Action;
  /** Why, in a few words (and the plans concerned, for bindings). */
  readonly reason: string;
  /** 'planned' in a dry run; 'failed' with the error's code when the action failed. */
  readonly outcome: 'done' | 'planned' | 'failed' | 'n/a';
  readonly error?: string | undefined;
}

export interface ReconcileReport {
  readonly dryRun: boolean;
  readonly graceSeconds: number;
  readonly findings: readonly Finding[];
  readonly counts: {
    readonly credentials: number;
    readonly deleted: number;
    readonly unbound: number;
    readonly abandoned: number;
    /** Credentials recorded expired and deleted: their lifetime ended (not drift). */
    readonly expired: number;
    readonly missing: number;
    readonly waiting: number;
    readonly failed: number;
    /** Findings that show AWS and the ledger disagreeing (deleted, unbound, missing). */
    readonly drift: number;
  };
}

export interface ReconcilerOptions {
  readonly graceSeconds: number;
  /** Plans whose bindings are checked; undefined when the deployment issues no API keys. */
  readonly allowedUsagePlanIds: ReadonlySet<string> | 'any' | undefined;
  readonly dryRun?: boolean;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Told of every action taken (ids only), for the logs. */
  readonly onAction?: (finding: Finding) => void;
}

const MAX_IN_FLIGHT = 2;

export class Reconciler {
  constructor(
    private readonly ledger: CredentialLedger,
    private readonly keys: ApiKeyInventory | undefined,
    private readonly clients: ClientInventory | undefined,
    private readonly options: ReconcilerOptions,
  ) {}

  async run(): Promise<ReconcileReport> {
    const now = (this.options.now ?? Date.now)();
    const entries = await this.ledger.list();
    const findings: Finding[] = [];
    if (this.keys !== undefined) {
      const keys = this.keys;
      const marked = await keys.markedKeys(this.ledger.instance);
      findings.push(
        ...(await this.converge('API_KEY', entries, marked, now, {
          remove: (id) => keys.deleteKey(id),
          createdAt: async () => undefined,
        })),
      );
      findings.push(...(await this.bindings(keys, entries, marked, now)));
    }
    if (this.clients !== undefined) {
      const clients = this.clients;
      const marked = await clients.markedClients(this.ledger.instance);
      findings.push(
        ...(await this.converge('CLIENT_CREDENTIALS', entries, marked, now, {
          remove: (id) => clients.deleteClient(id),
          createdAt: (id) => clients.createdAt(id),
        })),
      );
    }
    return this.report(findings);
  }

  /** Matches one kind's marked resources and ledger entries; acts on what does not match. */
  private async converge(
    kind: CredentialType,
    entries: readonly LedgerEntry[],
    marked: readonly MarkedResource[],
    now: number,
    resources: {
      remove(id: string): Promise<unknown>;
      createdAt(id: string): Promise<number | undefined>;
    },
  ): Promise<Finding[]> {
    const ofKind = entries.filter((entry) => entry.grants.kind === kind);
    const byLedgerId = new Map(ofKind.map((entry) => [entry.ledgerId, entry]));
    const markedIds = new Set(marked.map((resource) => resource.id));
    const markedLedgerIds = new Set(marked.map((resource) => resource.ledgerId));
    const age = (since: number) => Math.max(0, Math.floor((now - since) / 1000));
    const grace = this.options.graceSeconds;
    const findings: Finding[] = [];
    const tasks: Array<() => Promise<void>> = [];

    for (const resource of marked) {
      const entry = byLedgerId.get(resource.ledgerId);
      if (entry?.state === 'issued' && entry.credentialId === resource.id) continue;
      const base = { kind, credentialId: resource.id, ledgerId: resource.ledgerId };
      const settled =
        entry?.state === 'revoked' ||
        entry?.state === 'expired' ||
        entry?.state === 'abandoned' ||
        entry?.state === 'issued';
      tasks.push(async () => {
        const since =
          entry?.createdAt ?? resource.createdAt ?? (await resources.createdAt(resource.id)) ?? now;
        const details = {
          ...base,
          state: entry?.state ?? ('unrecorded' as const),
          app: entry?.app,
          grants: grantsOf(entry),
          ageSeconds: age(since),
          ...expiryOf(entry),
        };
        if (!settled && age(since) < grace) {
          findings.push({
            ...details,
            action: 'wait',
            reason: 'create may still be in flight',
            outcome: 'n/a',
          });
          return;
        }
        const reason =
          entry === undefined
            ? 'marked, not in the ledger'
            : entry.state === 'issued'
              ? `ledger issued ${entry.credentialId} instead`
              : entry.state === 'pending'
                ? 'create never completed'
                : `ledger says ${entry.state}`;
        findings.push(
          await this.act({ ...details, action: 'delete', reason }, async () => {
            if (entry?.state === 'pending') await this.ledger.abandon(entry.ledgerId, now);
            await resources.remove(resource.id);
          }),
        );
      });
    }

    for (const entry of ofKind) {
      const row = {
        kind,
        credentialId: entry.credentialId,
        ledgerId: entry.ledgerId,
        state: entry.state,
        app: entry.app,
        grants: grantsOf(entry),
        ageSeconds: age(entry.createdAt),
        ...expiryOf(entry),
      };
      if (entry.state === 'issued' && hasExpired(entry, now)) {
        const credentialId = entry.credentialId;
        // Recorded first, as a revoke is: a delete that fails is finished by the next pass.
        tasks.push(async () => {
          findings.push(
            await this.act({ ...row, action: 'expire', reason: 'lifetime ended' }, async () => {
              await this.ledger.expire(entry, now);
              if (credentialId !== undefined && markedIds.has(credentialId))
                await resources.remove(credentialId);
            }),
          );
        });
      } else if (entry.state === 'issued') {
        findings.push(
          entry.credentialId !== undefined && markedIds.has(entry.credentialId)
            ? { ...row, action: 'keep', reason: 'in step', outcome: 'n/a' }
            : { ...row, action: 'report', reason: 'issued, missing in AWS', outcome: 'n/a' },
        );
      } else if (entry.state === 'pending' && !markedLedgerIds.has(entry.ledgerId)) {
        if (age(entry.createdAt) < grace) {
          findings.push({ ...row, action: 'wait', reason: 'create may still be in flight', outcome: 'n/a' });
        } else {
          tasks.push(async () => {
            findings.push(
              await this.act({ ...row, action: 'abandon', reason: 'create never completed' }, () =>
                this.ledger.abandon(entry.ledgerId, now),
              ),
            );
          });
        }
      } else if (entry.state !== 'pending' && !markedLedgerIds.has(entry.ledgerId)) {
        // Revoked, expired or abandoned, nothing left in AWS (what is left has its own row above).
        findings.push({ ...row, action: 'none', reason: entry.state, outcome: 'n/a' });
      }
    }
    await runLimited(tasks, MAX_IN_FLIGHT);
    return findings;
  }

  /** Removes bindings of issued keys to allow-listed plans the ledger does not list. */
  private async bindings(
    keys: ApiKeyInventory,
    entries: readonly LedgerEntry[],
    marked: readonly MarkedResource[],
    now: number,
  ): Promise<Finding[]> {
    const allowList = this.options.allowedUsagePlanIds;
    if (allowList === undefined) return [];
    const issued = new Map(
      entries
        // An expired key is about to be deleted: its bindings no longer matter.
        .filter(
          (entry) => entry.state === 'issued' && entry.grants.kind === 'API_KEY' && !hasExpired(entry, now),
        )
        .map((entry) => [entry.credentialId as string, entry]),
    );
    const live = marked.filter((resource) => issued.get(resource.id)?.ledgerId === resource.ledgerId);
    if (live.length === 0) return [];
    const bound = await keys.bindings(allowList === 'any' ? 'all' : [...allowList]);
    const findings: Finding[] = [];
    const tasks: Array<() => Promise<void>> = [];
    for (const resource of live) {
      const entry = issued.get(resource.id) as LedgerEntry;
      const recorded = grantsOf(entry);
      for (const [planId, keyIds] of bound) {
        if (!keyIds.includes(resource.id) || recorded.includes(planId)) continue;
        tasks.push(async () => {
          findings.push(
            await this.act(
              {
                kind: 'API_KEY',
                credentialId: resource.id,
                ledgerId: entry.ledgerId,
                state: entry.state,
                app: entry.app,
                grants: recorded,
                ageSeconds: Math.max(0, Math.floor((now - entry.createdAt) / 1000)),
                ...expiryOf(entry),
                action: 'unbind',
                reason: `bound to ${planId}, which the ledger does not list`,
              },
              () => keys.unbindKey(planId, resource.id),
            ),
          );
        });
      }
    }
    await runLimited(tasks, MAX_IN_FLIGHT);
    return findings;
  }

  private async act(finding: Omit<Finding, 'outcome'>, action: () => Promise<unknown>): Promise<Finding> {
    if (this.options.dryRun === true) return { ...finding, outcome: 'planned' };
    let done: Finding;
    try {
      await action();
      done = { ...finding, outcome: 'done' };
    } catch (error) {
      done = { ...finding, outcome: 'failed', error: errorCode(error) };
    }
    this.options.onAction?.(done);
    return done;
  }

  private report(findings: Finding[]): ReconcileReport {
    const count = (predicate: (finding: Finding) => boolean) => findings.filter(predicate).length;
    const acted = (action: Action) => count((f) => f.action === action && f.outcome !== 'failed');
    const deleted = acted('delete');
    const unbound = acted('unbind');
    const missing = count((f) => f.action === 'report');
    return {
      dryRun: this.options.dryRun === true,
      graceSeconds: this.options.graceSeconds,
      findings: findings.sort(byAppThenState),
      counts: {
        credentials: count((f) => f.action === 'keep' || f.action === 'report'),
        deleted,
        unbound,
        abandoned: acted('abandon'),
        expired: acted('expire'),
        missing,
        waiting: count((f) => f.action === 'wait'),
        failed: count((f) => f.outcome === 'failed'),
        drift: deleted + unbound + missing + count((f) => f.outcome === 'failed'),
      },
    };
  }
}

/** The finding's expiry field, for an entry whose credential expires. */
function expiryOf(entry: LedgerEntry | undefined): { expiresAt?: string } {
  return entry?.expiresAt === undefined ? {} : { expiresAt: formatExpiry(entry.expiresAt) };
}

function grantsOf(entry: LedgerEntry | undefined): readonly string[] {
  if (entry === undefined) return [];
  return entry.grants.kind === 'API_KEY' ? entry.grants.usagePlanIds : entry.grants.scopes;
}

function byAppThenState(a: Finding, b: Finding): number {
  return (a.app?.appName ?? '').localeCompare(b.app?.appName ?? '') || a.ledgerId.localeCompare(b.ledgerId);
}

/** The stable code of an error (the webhook's error codes), never AWS's wording. */
function errorCode(error: unknown): string {
  return error instanceof WebhookError ? error.code : 'INTERNAL_ERROR';
}

/** Runs the tasks two at a time: the control planes allow only a few calls per second. */
async function runLimited(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  await forEachLimited(tasks, limit, (task) => task());
}
