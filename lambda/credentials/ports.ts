/**
 * The ports the credential services depend on. Each has an AWS adapter (adapters/aws) and an
 * in-process adapter (adapters/local); services never see an SDK client.
 *
 * Adapters throw the upstream errors of ../errors.ts (ThrottledError, UnavailableError,
 * UpstreamError) for failures of AWS itself; expected outcomes (not found, refused) are part of
 * each method's result or its own error type below.
 */

export interface NewApiKey {
  readonly name: string;
  readonly description: string;
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
  ) {
    super(`usage plan ${usagePlanId} refused the key (${reason})`);
    this.name = 'BindingRefusedError';
  }
}

/** API Gateway API keys and their usage-plan bindings. */
export interface ApiKeyIssuer {
  /** Creates an enabled key with a generated value. */
  createKey(key: NewApiKey): Promise<IssuedApiKey>;
  /** The key (with its value when `includeValue`), or undefined when it does not exist. */
  findKey(keyId: string, includeValue?: boolean): Promise<ApiKeySummary | undefined>;
  /** Renames / re-describes a key. */
  describeKey(keyId: string, name: string, description: string): Promise<void>;
  /**
   * Deletes the key (which also detaches it from its usage plans). 'absent' when there is no such
   * key; 'foreign' (nothing deleted) when it is not one this webhook issued: in AWS the IAM policy
   * allows deleting only keys tagged as managed by the webhook, so the check costs no extra call.
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
  readonly name: string;
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
  constructor(readonly reason: ClientRefusal) {
    super(`the user pool refused the app client (${reason})`);
    this.name = 'ClientRefusedError';
  }
}

/** OAuth 2.0 client-credentials app clients (Cognito user-pool app clients). */
export interface ClientIssuer {
  /** Creates a client with a generated secret, allowed only the client_credentials flow. */
  createClient(client: NewClient): Promise<IssuedClient>;
  /**
   * Renames the client and/or sets its scopes, keeping every other setting. False when no such
   * client exists, or when it is not a client-credentials client (not one this webhook issues).
   */
  updateClient(
    clientId: string,
    changes: { readonly name?: string | undefined; readonly scopes?: readonly string[] | undefined },
  ): Promise<boolean>;
  /** The client's id, secret and scopes; undefined when it does not exist or is not a client-credentials client. */
  findClient(clientId: string): Promise<(IssuedClient & { readonly scopes: readonly string[] }) | undefined>;
  /**
   * Deletes a client-credentials client. 'absent' when there is no such client; 'foreign' (and
   * nothing deleted) when it is another kind of client of the pool, not one this webhook issues.
   */
  deleteClient(clientId: string): Promise<'deleted' | 'absent' | 'foreign'>;
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
