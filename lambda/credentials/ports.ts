/**
 * The ports the credential services depend on. Each has an AWS adapter (adapters/aws) and an
 * in-process adapter (adapters/local); services never see an SDK client.
 *
 * Adapters throw the upstream errors of ../errors.ts (ThrottledError, UnavailableError,
 * UpstreamError) for failures of AWS itself; expected outcomes (not found, refused) are part of
 * each method's result or its own error type below.
 */

import { WebhookError } from '../errors';
import type {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  CredentialType,
  RevokeCredentialsRequest,
  UpdateCredentialsRequest,
} from '../schemas';

export interface NewApiKey {
  readonly name: string;
  readonly description: string;
  /** Includes the marker tag that ties the key to its ledger entry. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface IssuedApiKey {
  readonly id: string;
  readonly value: string;
}

export interface ApiKeySummary {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** The key's value, only when asked for. */
  readonly value?: string | undefined;
}

/** Why AWS refused to bind a key to a usage plan. */
export type BindingRefusal = 'usage-plan-not-found' | 'conflict' | 'invalid';

/** Thrown by `bindKey` when AWS refuses the binding itself (not when AWS fails). */
export class BindingRefusedError extends Error {
  constructor(
    readonly usagePlanId: string,
    readonly reason: BindingRefusal,
    options?: ErrorOptions,
  ) {
    super(`usage plan ${usagePlanId} refused the key (${reason})`, options);
    this.name = 'BindingRefusedError';
  }
}

/**
 * Thrown by a create when AWS may or may not have made the resource (its answer was lost, or it
 * timed out) and the adapter could not find it by its marker. The resource, if it exists, carries
 * the marker of a ledger entry that never becomes issued, so the reconciler removes it.
 */
export class OutcomeUnknownError extends Error {
  /** The upstream error the caller sees (503 or 429). */
  declare readonly cause: Error;

  constructor(cause: Error) {
    super('AWS may have created the resource; its answer was lost', { cause });
    this.name = 'OutcomeUnknownError';
  }
}

/** Whether a key should be read with its value. */
export type KeyRead = 'with-value' | 'without-value';

/** API Gateway API keys and their usage-plan bindings. */
export interface ApiKeyIssuer {
  /**
   * Creates an enabled key with a generated value; throws OutcomeUnknownError when AWS may have
   * created it without the answer reaching us.
   */
  createKey(key: NewApiKey): Promise<IssuedApiKey>;
  /** The key (with its value when asked), or undefined when it does not exist. */
  findKey(keyId: string, read?: KeyRead): Promise<ApiKeySummary | undefined>;
  /** Renames / re-describes a key. */
  describeKey(keyId: string, name: string, description: string): Promise<void>;
  /**
   * Deletes the key (which also detaches it from its usage plans). 'absent' when there is no such
   * key; 'foreign' (nothing deleted) when AWS refused: in AWS the IAM policy allows deleting only
   * keys tagged as managed by the webhook.
   */
  deleteKey(keyId: string): Promise<'deleted' | 'absent' | 'foreign'>;
  /** The ids of the usage plans the key is attached to. */
  listUsagePlansOfKey(keyId: string): Promise<string[]>;
  /** Attaches the key to a usage plan; throws BindingRefusedError when AWS refuses it. */
  bindKey(usagePlanId: string, keyId: string): Promise<void>;
  /** Detaches the key from a usage plan; a binding that is already gone is not an error. */
  unbindKey(usagePlanId: string, keyId: string): Promise<void>;
}

export interface NewClient {
  /** Ends with the marker that ties the client to its ledger entry (app clients take no tags). */
  readonly name: string;
  /** The marker in `name`: a client whose create answer was lost is found by it. */
  readonly marker: string;
  readonly scopes: readonly string[];
  readonly accessTokenValidityMinutes: number;
}

export interface IssuedClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Why Cognito refused to create or change a client. */
export type ClientRefusal = 'scope-not-found' | 'client-limit-reached';

/** Thrown when Cognito refuses the client's settings (not when Cognito fails). */
export class ClientRefusedError extends Error {
  constructor(
    readonly reason: ClientRefusal,
    options?: ErrorOptions,
  ) {
    super(`the user pool refused the app client (${reason})`, options);
    this.name = 'ClientRefusedError';
  }
}

/** OAuth 2.0 client-credentials app clients (Cognito user-pool app clients). */
export interface ClientIssuer {
  /**
   * Creates a client with a generated secret, allowed only the client_credentials flow. A create
   * whose answer was lost adopts the client carrying `marker`; when none is found it throws
   * OutcomeUnknownError.
   */
  createClient(client: NewClient): Promise<IssuedClient>;
  /**
   * Renames the client and/or sets its scopes, keeping every other setting. False when no such
   * client exists. Ownership is the ledger's to say: callers check it first.
   */
  updateClient(
    clientId: string,
    changes: { readonly name?: string | undefined; readonly scopes?: readonly string[] | undefined },
  ): Promise<boolean>;
  /** The client's id, secret and scopes; undefined when it does not exist. */
  findClient(clientId: string): Promise<(IssuedClient & { readonly scopes: readonly string[] }) | undefined>;
  /** Deletes the client; 'absent' when there is no such client. */
  deleteClient(clientId: string): Promise<'deleted' | 'absent'>;
}

// ---- Idempotent create: which credential an app got ------------------------------------------

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
  /**
   * Drops this attempt's in-progress claim (the create failed or gave up), so that a retry can
   * proceed at once. It leaves a tombstone, so the claim's write cannot take hold if it lands late.
   */
  release(request: ClaimRequest): Promise<void>;
  /** Drops a completed record whose credential no longer exists. */
  forget(key: string, credential: IssuedCredentialRef): Promise<void>;
}

// ---- The ledger ---------------------------------------------------------------------------------

/**
 * Where a credential is in its life. An entry is written `pending` before AWS is asked to create
 * anything, becomes `issued` (with the AWS id) once the Portal can be given the credential, and
 * `revoked` before AWS is asked to delete it. `expired`: its lifetime ended (recorded, like a
 * revoke, before the delete). `abandoned`: the create failed or its outcome was never learnt;
 * whatever carries its marker is removed by the reconciler.
 */
export type CredentialState = 'pending' | 'issued' | 'revoked' | 'expired' | 'abandoned';

/** What the Portal said about the app, as recorded. */
export interface RecordedApp {
  readonly appName: string;
  readonly appSlug?: string | undefined;
  readonly developer: string;
}

/** What a credential grants: usage plans (API keys) or OAuth scopes (app clients). */
export type Grants =
  | { readonly kind: 'API_KEY'; readonly usagePlanIds: readonly string[] }
  | { readonly kind: 'CLIENT_CREDENTIALS'; readonly scopes: readonly string[] };

/** One credential the webhook created or set out to create. Never holds a key value or secret. */
export interface LedgerEntry {
  /** Unique per credential; the marker on the AWS resource names it. */
  readonly ledgerId: string;
  readonly state: CredentialState;
  readonly app: RecordedApp;
  readonly grants: Grants;
  /** The AWS id (API key id or app client id), once known. */
  readonly credentialId?: string | undefined;
  /** SHA-256 of the API key's value (base64url), for API keys. */
  readonly apiKeyHash?: string | undefined;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly issuedAt?: number | undefined;
  readonly revokedAt?: number | undefined;
  /**
   * Epoch milliseconds from which the credential is expired; absent for one that never expires.
   * Set with the intent, so it does not change once issued.
   */
  readonly expiresAt?: number | undefined;
  /** Epoch milliseconds: when the ledger recorded the expiry (at or after `expiresAt`). */
  readonly expiredAt?: number | undefined;
}

/** What an abandon found: the intent is abandoned (now or before), or it had moved on. */
export type AbandonOutcome = 'abandoned' | 'moved-on';

export type NewLedgerEntry = Pick<LedgerEntry, 'ledgerId' | 'app' | 'grants' | 'createdAt' | 'expiresAt'>;

/** What is learnt when a credential is issued. */
export interface IssuedFacts {
  readonly credentialId: string;
  readonly apiKeyHash?: string | undefined;
  /** Epoch milliseconds. */
  readonly at: number;
  /** The app's claim, completed in the same write: the app and its credential are recorded together. */
  readonly claim?: ClaimRequest | undefined;
}

/**
 * Thrown by a ledger write whose condition failed: the entry is not in the state expected (revoked
 * meanwhile, or changed by a newer request). The Portal's retry sees the new state.
 */
export class LedgerConflictError extends WebhookError {
  readonly status = 409;
  readonly code = 'CREDENTIAL_CHANGED';
  override readonly headers = { 'Retry-After': '1' };

  constructor(
    readonly ledgerId: string,
    options?: ErrorOptions,
  ) {
    super('The credential changed while this request ran; retry.', options);
    this.name = 'LedgerConflictError';
  }
}

/**
 * The record of every credential this webhook created (DynamoDB in AWS, memory locally), and so
 * of what it owns: update, revoke and the reconciler act only on what it lists.
 */
export interface CredentialLedger extends IdempotencyStore {
  /** A deployment's marker prefix: resources marked by another deployment are never touched. */
  readonly instance: string;
  /** Records the intent to create a credential (`pending`), before anything exists in AWS. */
  begin(entry: NewLedgerEntry): Promise<void>;
  /** `pending` → `issued`, with the AWS id; throws LedgerConflictError when no longer pending. */
  issue(entry: NewLedgerEntry, issued: IssuedFacts): Promise<void>;
  /**
   * `pending` → `abandoned`: the create failed. Not an error when the entry moved on: the answer
   * says which. `moved-on` means it is no longer pending (an issue write that landed late made it
   * issued, say); once `abandoned`, an issue write still in flight can no longer land.
   */
  abandon(ledgerId: string, at: number): Promise<AbandonOutcome>;
  /** The entry of an issued or revoked credential, by its AWS id. */
  find(kind: CredentialType, credentialId: string): Promise<LedgerEntry | undefined>;
  /** Records new app details and grants of an issued credential. */
  amend(
    entry: LedgerEntry,
    changes: { readonly app: RecordedApp; readonly grants: Grants; readonly at: number },
  ): Promise<void>;
  /** `issued` → `revoked`; a revoked entry stays revoked. */
  revoke(entry: LedgerEntry, at: number): Promise<void>;
  /**
   * `issued` → `expired`, once its `expiresAt` has passed; an expired entry stays expired. Throws
   * LedgerConflictError when the entry is neither (revoked meanwhile, say).
   */
  expire(entry: LedgerEntry, at: number): Promise<void>;
  /** Every entry: the reconciler's and the audit's view. */
  list(): Promise<LedgerEntry[]>;
}

/** The expected Basic credentials: one username, the current password and maybe the previous. */
export interface BasicCredentials {
  readonly username: string;
  readonly passwords: readonly string[];
}

/** Where the webhook's own Basic credentials come from (Secrets Manager, or the environment). */
export interface BasicCredentialsSource {
  /** The expected credentials; `refresh` bypasses any cache (used after a mismatch). */
  get(options?: { refresh?: boolean }): Promise<BasicCredentials>;
}

// ---- What validateCredentials reads (backends that are not behind API Gateway or Cognito) ------

/** The ledger, read by what a credential carries instead of by its AWS id. */
export interface CredentialLookup {
  /**
   * The API-key entry whose `apiKeyHash` (see recording.ts `apiKeyHash`) is this one, in any
   * state; undefined when the ledger has none. May lag a just-issued key by about a second
   * (DynamoDB reads it from a global secondary index).
   */
  findByApiKeyHash(apiKeyHash: string): Promise<LedgerEntry | undefined>;
}

/** The claims of an access token whose signature, issuer, `token_use` and expiry were verified. */
export interface VerifiedToken {
  /** The app client the token was issued to (`client_id`). */
  readonly clientId: string;
  /** `scope`, split on spaces. */
  readonly scopes: readonly string[];
  /** Epoch milliseconds (`exp`). */
  readonly expiresAt: number;
}

/** Why a presented token is not accepted before the ledger is asked. */
export type TokenRejection = 'malformed' | 'forged' | 'expired';

/** Thrown by a TokenVerifier for a token it does not accept. */
export class TokenRejectedError extends Error {
  constructor(
    readonly rejection: TokenRejection,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TokenRejectedError';
  }
}

/**
 * Verifies an access token offline against the issuer's signing keys (cached after the first
 * fetch): Cognito's pool in AWS, the local token endpoint's key under npm start.
 */
export interface TokenVerifier {
  /**
   * The verified claims; throws TokenRejectedError for a token not accepted. When the signing keys
   * cannot be read it throws an upstream error (UnavailableError) instead: that says nothing
   * about the token.
   */
  verify(token: string): Promise<VerifiedToken>;
}

// ---- What the reconciler reads and removes (a role of its own: it may list every key) ---------

/** An AWS resource that carries a marker of this deployment. */
export interface MarkedResource {
  readonly id: string;
  readonly ledgerId: string;
  /** Epoch milliseconds, where the listing says. */
  readonly createdAt?: number | undefined;
}

export interface ApiKeyInventory {
  /** Every key carrying a marker of `instance`. */
  markedKeys(instance: string): Promise<MarkedResource[]>;
  /** The ids of the keys bound to each usage plan ('all': every plan of the account). */
  bindings(planIds: readonly string[] | 'all'): Promise<Map<string, string[]>>;
  deleteKey(keyId: string): Promise<'deleted' | 'absent' | 'foreign'>;
  unbindKey(usagePlanId: string, keyId: string): Promise<void>;
}

export interface ClientInventory {
  /** Every app client whose name ends with a marker of `instance`. */
  markedClients(instance: string): Promise<MarkedResource[]>;
  /** When the client was created (epoch ms); undefined when it is gone or the pool does not say. */
  createdAt(clientId: string): Promise<number | undefined>;
  deleteClient(clientId: string): Promise<'deleted' | 'absent'>;
}

// ---- The use cases (what the HTTP layer and idempotent create call) ---------------------------

/** The use cases the HTTP layer calls. */
export interface CredentialOperations {
  create(request: CreateCredentialsRequest): Promise<CreateCredentialsResponse>;
  update(request: UpdateCredentialsRequest): Promise<void>;
  revoke(request: RevokeCredentialsRequest): Promise<void>;
}

/**
 * The operations plus reading back an issued credential. `create` completes the app's claim in
 * the same write that records the credential as issued.
 */
export interface RecoverableCredentials extends CredentialOperations {
  create(request: CreateCredentialsRequest, claim?: ClaimRequest): Promise<CreateCredentialsResponse>;
  recover(credential: IssuedCredentialRef): Promise<CreateCredentialsResponse | undefined>;
}

/** What a backend presents to validateCredentials: exactly one of the two. */
export type PresentedCredential = { readonly apiKey: string } | { readonly accessToken: string };

/** Why a presented credential is not valid. */
export type InvalidReason = 'UNKNOWN' | 'REVOKED' | 'EXPIRED' | 'MALFORMED' | 'FORGED';

/**
 * The verdict on a presented credential. Valid means: the ledger shows it issued by this
 * deployment, not revoked and not expired (and, for a token, verified offline as well).
 */
export type Validation =
  | {
      readonly valid: true;
      readonly credentialType: 'API_KEY';
      readonly apiKeyId: string;
      readonly appSlug: string | undefined;
      /** Epoch milliseconds; absent when the credential never expires. */
      readonly expiresAt: number | undefined;
    }
  | {
      readonly valid: true;
      readonly credentialType: 'CLIENT_CREDENTIALS';
      readonly clientId: string;
      readonly appSlug: string | undefined;
      readonly scopes: readonly string[];
      /** Epoch milliseconds: the client's expiry when it has one (the token's own `exp` was checked). */
      readonly expiresAt: number | undefined;
    }
  | { readonly valid: false; readonly reason: InvalidReason };

/** The validateCredentials use case: never throws for a bad credential, only for a failing dependency. */
export interface CredentialValidator {
  validate(presented: PresentedCredential): Promise<Validation>;
}
