/** Ledger entries and claims for tests, and helpers that record issued and revoked credentials. */

import type {
  ClaimRequest,
  CredentialLedger,
  Grants,
  LedgerEntry,
  NewLedgerEntry,
  RecordedApp,
} from '../../lambda/credentials/ports';
import type { CredentialType } from '../../lambda/schemas';

/** A deployment's marker prefix (8 hex characters, as instanceOf makes them). */
export const INSTANCE = '0a1b2c3d';
export const LEDGER_ID = 'abcdefgh01234567';
/** Epoch milliseconds of the entries made here. */
export const CREATED_AT = Date.UTC(2026, 10, 23, 10, 0, 0);

export const APP: RecordedApp = { appName: 'my app', appSlug: 'slug1', developer: 'dev@example.com' };

export const keyGrants = (...usagePlanIds: string[]): Grants => ({ kind: 'API_KEY', usagePlanIds });
export const clientGrants = (...scopes: string[]): Grants => ({ kind: 'CLIENT_CREDENTIALS', scopes });

/** An intent for an API key bound to plan p1, unless overridden. */
export function newEntry(overrides: Partial<NewLedgerEntry> = {}): NewLedgerEntry {
  return { ledgerId: LEDGER_ID, app: APP, grants: keyGrants('p1'), createdAt: CREATED_AT, ...overrides };
}

/** A claim of an app's create, made at `now` (epoch seconds). */
export function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  const now = overrides.now ?? Math.floor(CREATED_AT / 1000);
  return {
    key: 'key-hash',
    claimId: 'claim-1',
    fingerprint: 'fingerprint-hash',
    now,
    leaseUntil: now + 60,
    expiresAt: now + 3600,
    ...overrides,
  };
}

/**
 * Records in `ledger` that `credentialId` was issued for `entry` (begin, then issue), as a
 * create would have, and returns the entry as the ledger now has it.
 */
export async function seedIssued(
  ledger: CredentialLedger,
  credentialId: string,
  entry: Partial<NewLedgerEntry> = {},
): Promise<LedgerEntry> {
  const intent = newEntry(entry);
  await ledger.begin(intent);
  await ledger.issue(intent, { credentialId, at: intent.createdAt + 1000 });
  const issued = await ledger.find(intent.grants.kind, credentialId);
  if (issued === undefined) throw new Error(`the ledger did not record ${credentialId}`);
  return issued;
}

/** Records in `ledger` that the issued `credentialId` was revoked at `at` (epoch ms). */
export async function revokeIssued(
  ledger: CredentialLedger,
  kind: CredentialType,
  credentialId: string,
  at: number,
): Promise<void> {
  const entry = await ledger.find(kind, credentialId);
  if (entry === undefined) throw new Error(`the ledger does not list ${credentialId}`);
  await ledger.revoke(entry, at);
}
