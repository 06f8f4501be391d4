/**
 * validateCredentials: whether a presented API key or access token is one this deployment issued
 * and that is neither revoked nor expired, for backends that are not behind API Gateway's key check
 * or a Cognito authorizer. An API key is looked up by the hash of its value (the ledger never holds
 * a value); a token is verified offline first, then its client is looked up by id.
 *
 * A bad credential is an answer (`valid: false` with a reason); only a failing dependency (the
 * ledger, the token issuer's keys) throws, so that it becomes a 5xx and never reads as "invalid".
 */

import { hasExpired } from '../credentials/lifetime';
import {
  type CredentialLedger,
  type CredentialLookup,
  type CredentialValidator,
  type InvalidReason,
  type LedgerEntry,
  type PresentedCredential,
  TokenRejectedError,
  type TokenRejection,
  type TokenVerifier,
  type Validation,
  type VerifiedToken,
} from '../credentials/ports';
import { apiKeyHash } from '../credentials/recording';
import type { CredentialType } from '../schemas';
import { TtlCache } from './ttl-cache';

export interface CredentialValidatorDependencies {
  readonly ledger: Pick<CredentialLedger, 'find'> & CredentialLookup;
  /** Undefined when the deployment issues no client credentials: every token is then unknown. */
  readonly tokens: TokenVerifier | undefined;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** How long a ledger answer is reused (default 30); 0 asks the ledger every time. */
  readonly cacheSeconds?: number;
  /** How many ledger answers are kept at most (default 10,000); the oldest are dropped first. */
  readonly cacheEntries?: number;
}

export const DEFAULT_CACHE_SECONDS = 30;
export const DEFAULT_CACHE_ENTRIES = 10_000;

/**
 * What an API Gateway key can be: its values are 20 to 128 characters (ours are 40 of
 * [A-Za-z0-9]); any printable ASCII without spaces is let through to the lookup, since a key
 * imported by hand may use more than ours do.
 */
const API_KEY_SHAPE = /^[\x21-\x7e]{20,128}$/;

const REJECTIONS: Readonly<Record<TokenRejection, InvalidReason>> = {
  malformed: 'MALFORMED',
  forged: 'FORGED',
  expired: 'EXPIRED',
};

const invalid = (reason: InvalidReason): Validation => ({ valid: false, reason });

/** Why the entry does not make its credential valid at `now`; undefined when it does. */
function standing(
  entry: LedgerEntry | undefined,
  kind: CredentialType,
  now: number,
): InvalidReason | undefined {
  if (entry === undefined || entry.grants.kind !== kind || entry.credentialId === undefined) return 'UNKNOWN';
  switch (entry.state) {
    case 'issued':
      // Past its expiry before the reconciler has recorded it: expired all the same.
      return hasExpired(entry, now) ? 'EXPIRED' : undefined;
    case 'revoked':
      return 'REVOKED';
    case 'expired':
      return 'EXPIRED';
    default:
      // pending or abandoned: nothing this deployment handed out.
      return 'UNKNOWN';
  }
}

export class LedgerCredentialValidator implements CredentialValidator {
  private readonly ledger: Pick<CredentialLedger, 'find'> & CredentialLookup;
  private readonly tokens: TokenVerifier | undefined;
  private readonly now: () => number;
  /**
   * Ledger answers by `apiKey#<hash>` / `client#<id>`, so that a hot credential costs no AWS call.
   * The trade-off: a revoke (or a change of state) is seen up to `cacheSeconds` late. An entry's
   * own expiry is checked on every call, so the cache never makes an expired credential valid.
   */
  private readonly cache: TtlCache<LedgerEntry | undefined>;

  constructor(deps: CredentialValidatorDependencies) {
    this.ledger = deps.ledger;
    this.tokens = deps.tokens;
    this.now = deps.now ?? Date.now;
    this.cache = new TtlCache(
      (deps.cacheSeconds ?? DEFAULT_CACHE_SECONDS) * 1000,
      deps.cacheEntries ?? DEFAULT_CACHE_ENTRIES,
    );
  }

  validate(presented: PresentedCredential): Promise<Validation> {
    return 'apiKey' in presented ? this.apiKey(presented.apiKey) : this.accessToken(presented.accessToken);
  }

  private async apiKey(value: string): Promise<Validation> {
    if (!API_KEY_SHAPE.test(value)) return invalid('MALFORMED');
    const hash = apiKeyHash(value);
    // A key not found is not remembered: the ledger's index may lag a key issued a moment ago.
    const entry = await this.lookUp(`apiKey#${hash}`, () => this.ledger.findByApiKeyHash(hash), false);
    const reason = standing(entry, 'API_KEY', this.now());
    if (reason !== undefined || entry?.credentialId === undefined) return invalid(reason ?? 'UNKNOWN');
    return {
      valid: true,
      credentialType: 'API_KEY',
      apiKeyId: entry.credentialId,
      appSlug: entry.app.appSlug,
      expiresAt: entry.expiresAt,
    };
  }

  private async accessToken(token: string): Promise<Validation> {
    if (this.tokens === undefined) return invalid('UNKNOWN');
    let verified: VerifiedToken;
    try {
      verified = await this.tokens.verify(token);
    } catch (error) {
      if (error instanceof TokenRejectedError) return invalid(REJECTIONS[error.rejection]);
      throw error;
    }
    const { clientId } = verified;
    // A client not found may be remembered: its secret is handed out only after the ledger
    // (read consistently) shows it issued, so no token exists for it before then.
    const entry = await this.lookUp(
      `client#${clientId}`,
      () => this.ledger.find('CLIENT_CREDENTIALS', clientId),
      true,
    );
    const reason = standing(entry, 'CLIENT_CREDENTIALS', this.now());
    if (reason !== undefined || entry === undefined) return invalid(reason ?? 'UNKNOWN');
    return {
      valid: true,
      credentialType: 'CLIENT_CREDENTIALS',
      clientId,
      appSlug: entry.app.appSlug,
      scopes: verified.scopes,
      expiresAt: entry.expiresAt,
    };
  }

  /** The ledger's answer, from the cache while it is fresh. */
  private async lookUp(
    key: string,
    read: () => Promise<LedgerEntry | undefined>,
    rememberAbsence: boolean,
  ): Promise<LedgerEntry | undefined> {
    const cached = this.cache.get(key, this.now());
    if (cached !== undefined) return cached.value;
    const entry = await read();
    if (entry !== undefined || rememberAbsence) this.cache.set(key, entry, this.now());
    return entry;
  }
}
