/**
 * Idempotent create: a create repeated for the same app (the Portal's retry after a timeout, an
 * operator's second click) returns the credential the first one issued instead of a second one.
 *
 * The store records which credential an app got, never its secret: a repeat reads the key value or
 * client secret back from AWS, which also proves the credential still exists (if it was revoked
 * since, the repeat issues a new one). A repeat with other details updates that credential to match. A claim is a conditional write, so of concurrent identical
 * creates exactly one proceeds; the others get 409 REQUEST_IN_PROGRESS until it is done.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ConflictError } from '../errors';
import type {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  CredentialType,
  RevokeCredentialsRequest,
  UpdateCredentialsRequest,
} from '../schemas';

/** The credential an app was issued, as the idempotency store remembers it. */
export interface IssuedCredentialRef {
  readonly credentialType: CredentialType;
  readonly credentialId: string;
}

export type Claim =
  | { readonly status: 'claimed' }
  | { readonly status: 'in-progress' }
  | { readonly status: 'completed'; readonly fingerprint: string; readonly credential: IssuedCredentialRef };

export interface ClaimRequest {
  readonly key: string;
  /** Unique to this attempt: a claim whose answer was lost and that is retried recognises itself. */
  readonly claimId: string;
  readonly fingerprint: string;
  /** Epoch seconds now; records that expired before it count as absent. */
  readonly now: number;
  /** Until when (epoch seconds) an in-progress claim holds; past it the create is presumed dead. */
  readonly leaseUntil: number;
  /** When (epoch seconds) the record expires: the idempotency window. */
  readonly expiresAt: number;
}

/** Where claims and their outcomes are recorded (DynamoDB in AWS, memory locally). */
export interface IdempotencyStore {
  /** Claims `key` for a new create, atomically, or reports the record already there. */
  claim(request: ClaimRequest): Promise<Claim>;
  /** Records the outcome of a claimed create. */
  complete(request: ClaimRequest, credential: IssuedCredentialRef): Promise<void>;
  /** Drops an in-progress claim whose create failed, so that a retry can proceed. */
  release(key: string): Promise<void>;
  /** Drops a completed record whose credential no longer exists. */
  forget(key: string, credential: IssuedCredentialRef): Promise<void>;
}

/** The use cases the HTTP layer calls. */
export interface CredentialOperations {
  create(request: CreateCredentialsRequest): Promise<CreateCredentialsResponse>;
  update(request: UpdateCredentialsRequest): Promise<void>;
  revoke(request: RevokeCredentialsRequest): Promise<void>;
}

/** The operations plus reading back an issued credential. */
export interface RecoverableCredentials extends CredentialOperations {
  recover(credential: IssuedCredentialRef): Promise<CreateCredentialsResponse | undefined>;
}

export interface IdempotencyOptions {
  /** How long a create is remembered, in seconds. */
  readonly windowSeconds: number;
  /** How long an unfinished create blocks its repeats, in seconds (above the Lambda timeout). */
  readonly leaseSeconds: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Called when the outcome of a successful create could not be recorded. */
  readonly onRecordFailure?: (error: unknown) => void;
}

const sha256 = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('base64url');

/** The APIs and plans in a canonical order, so that order in the request does not matter. */
function canonicalApis(request: CreateCredentialsRequest): [string, string[]][] {
  return request.apis
    .map((api): [string, string[]] => [
      api.id,
      [...new Set((api.usagePlans ?? []).map((plan) => plan.id))].sort(),
    ])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What identifies the app: its slug, or without one its name, developer and APIs. */
export function idempotencyKey(request: CreateCredentialsRequest): string {
  return sha256(
    request.appSlug !== undefined
      ? ['slug', request.appSlug]
      : ['app', request.appName, request.developer, canonicalApis(request)],
  );
}

/** What a repeat must match to be the same create. */
export function requestFingerprint(request: CreateCredentialsRequest): string {
  return sha256([request.appName, request.developer, request.appSlug ?? null, canonicalApis(request)]);
}

export class IdempotentCredentials implements CredentialOperations {
  private readonly now: () => number;

  constructor(
    private readonly inner: RecoverableCredentials,
    private readonly store: IdempotencyStore,
    private readonly options: IdempotencyOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async create(request: CreateCredentialsRequest): Promise<CreateCredentialsResponse> {
    const now = Math.floor(this.now() / 1000);
    const claim: ClaimRequest = {
      key: idempotencyKey(request),
      claimId: randomUUID(),
      fingerprint: requestFingerprint(request),
      now,
      leaseUntil: now + this.options.leaseSeconds,
      expiresAt: now + this.options.windowSeconds,
    };
    // Two passes at most: the second only after forgetting a credential revoked since.
    for (let pass = 0; pass < 2; pass++) {
      const found = await this.store.claim(claim);
      if (found.status === 'claimed') return this.createClaimed(request, claim);
      if (found.status === 'in-progress') {
        throw new ConflictError(
          'The same create is already in progress; retry in a few seconds to get its credential.',
        );
      }
      const existing = await this.inner.recover(found.credential);
      if (existing !== undefined) {
        return found.fingerprint === claim.fingerprint
          ? existing
          : this.reconcile(request, claim, found.credential);
      }
      await this.store.forget(claim.key, found.credential);
    }
    throw new ConflictError('The same create is already in progress; retry in a few seconds.');
  }

  update(request: UpdateCredentialsRequest): Promise<void> {
    return this.inner.update(request);
  }

  revoke(request: RevokeCredentialsRequest): Promise<void> {
    return this.inner.revoke(request);
  }

  /**
   * A repeat with other details (the app was edited before the Portal got the first answer): the
   * app still gets one credential, updated to match this request.
   */
  private async reconcile(
    request: CreateCredentialsRequest,
    claim: ClaimRequest,
    credential: IssuedCredentialRef,
  ): Promise<CreateCredentialsResponse> {
    const id =
      credential.credentialType === 'API_KEY'
        ? { apiKeyId: credential.credentialId }
        : { clientId: credential.credentialId };
    await this.inner.update({ ...request, ...id, credentialType: credential.credentialType });
    const updated = await this.inner.recover(credential);
    if (updated === undefined) throw new ConflictError('The credential changed meanwhile; retry.');
    await this.record(claim, credential);
    return updated;
  }

  private async createClaimed(
    request: CreateCredentialsRequest,
    claim: ClaimRequest,
  ): Promise<CreateCredentialsResponse> {
    let credential: CreateCredentialsResponse;
    try {
      credential = await this.inner.create(request);
    } catch (error) {
      // The create cleaned up after itself; free the claim so a retry can proceed at once.
      await this.store.release(claim.key).catch(() => undefined);
      throw error;
    }
    const ref: IssuedCredentialRef = {
      credentialType: credential.credentialType,
      credentialId: credential.credentialType === 'API_KEY' ? credential.apiKeyId : credential.clientId,
    };
    await this.record(claim, ref);
    return credential;
  }

  private async record(claim: ClaimRequest, credential: IssuedCredentialRef): Promise<void> {
    try {
      await this.store.complete(claim, credential);
    } catch (error) {
      // The Portal still gets the credential (it is not an orphan); only a repeat within the lease
      // would be refused, and one after it would issue a second credential.
      this.options.onRecordFailure?.(error);
    }
  }
}
