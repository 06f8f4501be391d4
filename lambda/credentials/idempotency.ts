/**
 * Idempotent create: a create repeated for the same app (the Portal's retry after a timeout, an
 * operator's second click) returns the credential the first one issued instead of a second one.
 *
 * The store records which credential an app got, never its secret: a repeat reads the key value or
 * client secret back from AWS, which also proves the credential still exists (if it was revoked
 * since, the repeat issues a new one). A repeat by the same developer with other details updates
 * that credential to match. A repeat of an appSlug by another developer is refused with 409
 * APP_SLUG_CONFLICT while the first credential exists: one app has one owner, and handing (or
 * silently changing) another developer's credential is the one outcome a retry must never have.
 * A claim is a conditional write, so of concurrent identical creates exactly one proceeds; the
 * others get 409 REQUEST_IN_PROGRESS until it is done.
 */
import { createHash, randomUUID } from 'node:crypto';
import { actsUntil, inCleanupTime } from '../deadline';
import { ConflictError, WebhookError } from '../errors';
import type {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  RevokeCredentialsRequest,
  UpdateCredentialsRequest,
} from '../schemas';
import { wireCredentialId } from './credential-id';
import { isTransient, persist } from './persist';
import type {
  ClaimRequest,
  CredentialOperations,
  IdempotencyStore,
  IssuedCredentialRef,
  RecoverableCredentials,
} from './ports';

export interface IdempotencyOptions {
  /** How long a create is remembered, in seconds. */
  readonly windowSeconds: number;
  /**
   * How long an unfinished create blocks its repeats, in seconds, outside a request with a
   * deadline. Within one the claim holds only while its request may still act.
   */
  readonly leaseSeconds: number;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Called when the outcome of a successful create could not be recorded. */
  readonly onRecordFailure?: (error: unknown) => void;
  /** Called when a claim could not be released: its repeats get 409 until the lease ends. */
  readonly onReleaseFailure?: (error: unknown) => void;
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

/**
 * What a repeat must match to be the same create, then (after a dot) whom the app belongs to, so
 * that a repeat with other details can be told apart from one by another developer. Records
 * written before the owner was added hold the first part only.
 */
export function requestFingerprint(request: CreateCredentialsRequest): string {
  const details = sha256([
    request.appName,
    request.developer,
    request.appSlug ?? null,
    canonicalApis(request),
  ]);
  return `${details}.${sha256(['developer', request.developer])}`;
}

/** A fingerprint's two parts; base64url never contains a dot. */
function fingerprintParts(fingerprint: string): { details: string; owner: string | undefined } {
  const [details = '', owner] = fingerprint.split('.');
  return { details, owner };
}

/** The appSlug already has a credential, issued to another developer. */
export class AppSlugConflictError extends WebhookError {
  readonly status = 409;
  readonly code = 'APP_SLUG_CONFLICT';

  constructor(options?: ErrorOptions) {
    // Names neither the other developer nor the credential: the caller is not its owner.
    super(
      'This appSlug already has a credential issued to another developer; an app keeps its developer. ' +
        'Use another appSlug, or revoke the existing credential first.',
      options,
    );
    this.name = 'AppSlugConflictError';
  }
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
    const nowMs = this.now();
    const now = Math.floor(nowMs / 1000);
    // A claim holds while its request may still act (deadline and cleanup), a second more for clocks.
    const holder = actsUntil();
    const claim: ClaimRequest = {
      key: idempotencyKey(request),
      claimId: randomUUID(),
      fingerprint: requestFingerprint(request),
      now,
      leaseUntil:
        holder === undefined
          ? now + this.options.leaseSeconds
          : Math.ceil(Math.max(holder, nowMs) / 1000) + 1,
      expiresAt: now + this.options.windowSeconds,
    };
    // Two passes at most: the second only after forgetting a credential revoked since.
    for (let pass = 0; pass < 2; pass++) {
      const found = await this.claim(claim);
      if (found.status === 'claimed') return this.createClaimed(request, claim);
      if (found.status === 'in-progress') {
        throw new ConflictError(
          'The same create is already in progress; retry in a few seconds to get its credential.',
        );
      }
      const existing = await this.inner.recover(found.credential);
      if (existing !== undefined) {
        const stored = fingerprintParts(found.fingerprint);
        const incoming = fingerprintParts(claim.fingerprint);
        // An older record without an owner: its details include the developer, so equal details
        // are the same create, and other details an owner that cannot be checked.
        if (stored.details === incoming.details && (stored.owner ?? incoming.owner) === incoming.owner)
          return existing;
        if (stored.owner !== incoming.owner) throw new AppSlugConflictError();
        return this.reconcile(request, claim, found.credential);
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
    const id = wireCredentialId(credential.credentialType, credential.credentialId);
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
    try {
      return await this.inner.create(request, claim);
    } catch (error) {
      // The create cleaned up after itself; free the claim so the Portal's retry proceeds at once.
      await this.release(claim);
      throw error;
    }
  }

  /** Claims the app; a claim whose answer was lost may have been written, so it is released. */
  private async claim(claim: ClaimRequest) {
    try {
      return await this.store.claim(claim);
    } catch (error) {
      if (isTransient(error)) await this.release(claim);
      throw error;
    }
  }

  /** Releases the claim on its own retry schedule; a release that fails is logged, not thrown. */
  private async release(claim: ClaimRequest): Promise<void> {
    try {
      await inCleanupTime(() => persist(() => this.store.release(claim)));
    } catch (error) {
      this.options.onReleaseFailure?.(error);
    }
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
