/** CredentialLedger in process memory, with the DynamoDB ledger's semantics, for local runs. */
import {
  type AbandonOutcome,
  type CredentialLedger,
  type CredentialLookup,
  type Grants,
  type IssuedFacts,
  LedgerConflictError,
  type LedgerEntry,
  type NewLedgerEntry,
  type RecordedApp,
} from '../../credentials/ports';
import type { CredentialType } from '../../schemas';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store';

export class InMemoryLedger extends InMemoryIdempotencyStore implements CredentialLedger, CredentialLookup {
  private readonly entries = new Map<string, LedgerEntry>();
  /** `<kind>#<AWS id>` → ledger id. */
  private readonly byCredential = new Map<string, string>();

  constructor(readonly instance: string) {
    super();
  }

  async begin(entry: NewLedgerEntry): Promise<void> {
    // Ledger ids are random: an entry already there is this one, written again.
    if (this.entries.has(entry.ledgerId)) return;
    this.entries.set(entry.ledgerId, { ...entry, state: 'pending', updatedAt: entry.createdAt });
  }

  async issue(entry: NewLedgerEntry, issued: IssuedFacts): Promise<void> {
    const current = this.entries.get(entry.ledgerId);
    if (current?.state !== 'pending') {
      // Issued by an earlier write of this same call (revoked since, perhaps): the issue happened.
      if (current?.credentialId === issued.credentialId) return;
      throw new LedgerConflictError(entry.ledgerId);
    }
    const key = `${entry.grants.kind}#${issued.credentialId}`;
    if (this.byCredential.has(key)) throw new LedgerConflictError(entry.ledgerId);
    this.entries.set(entry.ledgerId, {
      ...current,
      state: 'issued',
      credentialId: issued.credentialId,
      apiKeyHash: issued.apiKeyHash,
      issuedAt: issued.at,
      updatedAt: issued.at,
    });
    this.byCredential.set(key, entry.ledgerId);
    if (issued.claim !== undefined) {
      await this.complete(issued.claim, {
        credentialType: entry.grants.kind,
        credentialId: issued.credentialId,
      });
    }
  }

  async abandon(ledgerId: string, at: number): Promise<AbandonOutcome> {
    const current = this.entries.get(ledgerId);
    if (current?.state === 'pending') {
      this.entries.set(ledgerId, { ...current, state: 'abandoned', updatedAt: at });
      return 'abandoned';
    }
    return current?.state === 'abandoned' ? 'abandoned' : 'moved-on';
  }

  async find(kind: CredentialType, credentialId: string): Promise<LedgerEntry | undefined> {
    const ledgerId = this.byCredential.get(`${kind}#${credentialId}`);
    return ledgerId === undefined ? undefined : this.entries.get(ledgerId);
  }

  /** Read at once: unlike DynamoDB's index, memory never lags a write. */
  async findByApiKeyHash(apiKeyHash: string): Promise<LedgerEntry | undefined> {
    for (const entry of this.entries.values()) {
      if (entry.grants.kind === 'API_KEY' && entry.apiKeyHash === apiKeyHash) return entry;
    }
    return undefined;
  }

  async amend(
    entry: LedgerEntry,
    changes: { readonly app: RecordedApp; readonly grants: Grants; readonly at: number },
  ): Promise<void> {
    const current = this.entries.get(entry.ledgerId);
    if (current?.state !== 'issued' || current.updatedAt > changes.at)
      throw new LedgerConflictError(entry.ledgerId);
    this.entries.set(entry.ledgerId, {
      ...current,
      app: changes.app,
      grants: changes.grants,
      updatedAt: changes.at,
    });
  }

  async revoke(entry: LedgerEntry, at: number): Promise<void> {
    const current = this.entries.get(entry.ledgerId);
    if (current === undefined || current.credentialId === undefined)
      throw new LedgerConflictError(entry.ledgerId);
    this.entries.set(entry.ledgerId, {
      ...current,
      state: 'revoked',
      revokedAt: current.revokedAt ?? at,
      updatedAt: at,
    });
  }

  async expire(entry: LedgerEntry, at: number): Promise<void> {
    const current = this.entries.get(entry.ledgerId);
    if (current?.state === 'expired') return;
    const due = current?.expiresAt !== undefined && current.expiresAt <= at;
    if (current?.state !== 'issued' || !due) throw new LedgerConflictError(entry.ledgerId);
    this.entries.set(entry.ledgerId, { ...current, state: 'expired', expiredAt: at, updatedAt: at });
  }

  async list(): Promise<LedgerEntry[]> {
    return [...this.entries.values()];
  }
}
