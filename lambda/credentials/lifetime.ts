/**
 * Credential lifetimes: how long a credential lives (a deployment-wide default, per-API overrides),
 * when one expires, and how its expiry is written on the wire. Without a lifetime a credential
 * never expires, and nothing about expiry is recorded or returned.
 */
import type { ApiRef } from '../schemas';
import type { LedgerEntry } from './ports';

/** The configured lifetimes, in seconds; 'never' exempts an API from the default. */
export interface CredentialLifetimes {
  /** For APIs without their own entry; undefined: they never expire. */
  readonly defaultSeconds: number | undefined;
  readonly byApi: ReadonlyMap<string, number | 'never'>;
}

export const NO_LIFETIMES: CredentialLifetimes = { defaultSeconds: undefined, byApi: new Map() };

/**
 * The lifetime of a credential for these APIs: the shortest of theirs, since one credential opens
 * every listed API and none may be open longer than it allows. Undefined when none expires.
 */
export function lifetimeFor(
  apis: readonly Pick<ApiRef, 'id'>[],
  lifetimes: CredentialLifetimes,
): number | undefined {
  const finite = apis
    .map((api) => lifetimes.byApi.get(api.id) ?? lifetimes.defaultSeconds)
    .filter((seconds): seconds is number => typeof seconds === 'number');
  return finite.length === 0 ? undefined : Math.min(...finite);
}

/**
 * When a credential made at `now` (epoch ms) with this lifetime expires (epoch ms), rounded up to
 * the whole second: the wire format has no fractions, and rounding up never shortens the lifetime,
 * so the time left at create is at least the lifetime.
 */
export function expiryOf(now: number, lifetimeSeconds: number | undefined): number | undefined {
  return lifetimeSeconds === undefined ? undefined : Math.ceil(now / 1000 + lifetimeSeconds) * 1000;
}

/** Whether the entry's credential has expired at `now` (epoch ms): from its expiry on, it is. */
export function hasExpired(entry: Pick<LedgerEntry, 'expiresAt'>, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

/** ISO 8601 in UTC without fractions, as returned to the Portal: 2026-12-30T10:00:00Z. */
export function formatExpiry(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `{ expiresAt }` for a credential that expires, `{}` for one that does not (no field at all). */
export function expiryField(expiresAt: number | undefined): { expiresAt?: string } {
  return expiresAt === undefined ? {} : { expiresAt: formatExpiry(expiresAt) };
}
