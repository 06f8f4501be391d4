/**
 * Configuration, parsed once at cold start from the environment. A missing or invalid value
 * throws a ConfigError that names the variable, so a misconfigured deployment fails loudly on
 * its first invocation instead of answering requests wrongly.
 */
import * as z from 'zod/mini';
import type { CredentialLifetimes } from './credentials/lifetime';
import { instanceOf } from './credentials/marker';
import { type CredentialType, CredentialTypeSchema } from './schemas';

export class ConfigError extends Error {
  constructor(variable: string, problem: string, options?: ErrorOptions) {
    super(`Invalid configuration: ${variable} ${problem}`, options);
    this.name = 'ConfigError';
  }
}

/** Where the expected Basic credentials come from. */
export type AuthConfig =
  | { readonly source: 'secrets-manager'; readonly secretId: string; readonly cacheTtlSeconds: number }
  | { readonly source: 'static'; readonly username: string; readonly password: string };

export interface WebhookConfig {
  readonly auth: AuthConfig;
  /** Usage plans API keys may be attached to; `'any'` only where the operator said `*`. */
  readonly allowedUsagePlanIds: ReadonlySet<string> | 'any';
  /** The credential kind issued for APIs without an override. */
  readonly defaultCredentialType: CredentialType;
  /** Per-API override of the credential kind (REST API id -> kind). */
  readonly credentialTypeByApi: ReadonlyMap<string, CredentialType>;
  /** Set when any API is configured for client credentials. */
  readonly clientCredentials: ClientCredentialsConfig | undefined;
  /** How long issued credentials live; absent or empty, they never expire. */
  readonly credentialLifetimes?: CredentialLifetimes | undefined;
  readonly ledger: LedgerConfig;
  readonly idempotency: IdempotencyConfig;
  /**
   * The Basic credentials of validateCredentials' callers, never the Portal's; absent, the
   * endpoint does not exist.
   */
  readonly validatorAuth?: AuthConfig | undefined;
  /**
   * How long validateCredentials reuses a ledger answer (VALIDATOR_CACHE_SECONDS): a revoke is seen
   * that much late. Undefined: the validator's default.
   */
  readonly validatorCacheSeconds?: number | undefined;
}

export interface LedgerConfig {
  /**
   * DynamoDB table of the credential ledger and of create records; without one they are kept in
   * memory (local runs only).
   */
  readonly tableName: string | undefined;
  /** This deployment's marker prefix, derived from the table's name ("local" without one). */
  readonly instance: string;
}

export interface IdempotencyConfig {
  /** How long a create is remembered, so that a repeat returns the same credential. */
  readonly windowSeconds: number;
}

export interface ClientCredentialsConfig {
  /** The Cognito user pool the app clients are created in. */
  readonly userPoolId: string;
  /** The pool domain's token endpoint, given to developers in customCredentials. */
  readonly tokenUrl: string;
  /** Scopes for APIs without their own entry in scopesByApi. */
  readonly defaultScopes: readonly string[];
  readonly scopesByApi: ReadonlyMap<string, readonly string[]>;
  readonly accessTokenValidityMinutes: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const ID_LIST = /^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$/;
/** Cognito custom scope: "<resource server identifier>/<scope name>", printable ASCII without spaces. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+\/[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/;
const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, 'is required');
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Shortest credential lifetime: a minute. */
export const MIN_LIFETIME_SECONDS = 60;
/** Longest: ten years, past which a lifetime is no policy anyone audits. */
export const MAX_LIFETIME_SECONDS = 10 * 365 * 86_400;
/** Cognito's shortest access-token lifetime: a client living less could not cap its tokens by it. */
export const MIN_CLIENT_LIFETIME_SECONDS = 300;

/**
 * CREDENTIAL_LIFETIME_SECONDS and API_CREDENTIAL_LIFETIMES. A per-API "never" exempts that API
 * from the default (a create that also names an API with a lifetime still gets that lifetime).
 */
function parseLifetimes(env: Env, kinds: Kinds): CredentialLifetimes {
  const kindOf = (apiId: string) => kinds.credentialTypeByApi.get(apiId) ?? kinds.defaultType;
  const defaultName = 'CREDENTIAL_LIFETIME_SECONDS';
  const defaultSeconds =
    optional(env, defaultName) === undefined
      ? undefined
      : integer(env, defaultName, 0, MIN_LIFETIME_SECONDS, MAX_LIFETIME_SECONDS);
  const name = 'API_CREDENTIAL_LIFETIMES';
  const json = parseJsonObject(env, name, '{"a1b2c3d4e5":2592000,"f6g7h8i9j0":"never"}');
  const parsed = z
    .record(
      z.string().check(z.regex(/^[A-Za-z0-9]+$/)),
      z.union([z.literal('never'), z.int().check(z.gte(MIN_LIFETIME_SECONDS), z.lte(MAX_LIFETIME_SECONDS))]),
    )
    .safeParse(json === undefined ? {} : json);
  if (!parsed.success) {
    throw new ConfigError(
      name,
      `must map REST API ids to whole seconds from ${MIN_LIFETIME_SECONDS} to ${MAX_LIFETIME_SECONDS}, or "never"`,
    );
  }
  const byApi = new Map(Object.entries(parsed.data));
  // A client's tokens are capped by its lifetime, and Cognito's floor is 5 minutes.
  const shortClient = [...byApi].find(
    ([apiId, seconds]) =>
      seconds !== 'never' && seconds < MIN_CLIENT_LIFETIME_SECONDS && kindOf(apiId) === 'CLIENT_CREDENTIALS',
  );
  if (shortClient !== undefined) {
    throw new ConfigError(
      name,
      `gives API ${shortClient[0]}, which gets client credentials, less than ${MIN_CLIENT_LIFETIME_SECONDS} seconds (Cognito's shortest token lifetime)`,
    );
  }
  if (
    defaultSeconds !== undefined &&
    defaultSeconds < MIN_CLIENT_LIFETIME_SECONDS &&
    clientsUseDefault(byApi, kinds)
  ) {
    throw new ConfigError(
      defaultName,
      `must be at least ${MIN_CLIENT_LIFETIME_SECONDS} (Cognito's shortest token lifetime) when client credentials are issued`,
    );
  }
  return { defaultSeconds, byApi };
}

/** Whether some API that gets client credentials has no lifetime of its own. */
function clientsUseDefault(byApi: ReadonlyMap<string, unknown>, kinds: Kinds): boolean {
  // An API named nowhere gets the default kind and the default lifetime.
  if (kinds.defaultType === 'CLIENT_CREDENTIALS') return true;
  return [...kinds.credentialTypeByApi].some(
    ([apiId, kind]) => kind === 'CLIENT_CREDENTIALS' && !byApi.has(apiId),
  );
}

function parseAuth(env: Env): AuthConfig {
  const secretId = optional(env, 'WEBHOOK_SECRET_ARN');
  if (secretId !== undefined) {
    return {
      source: 'secrets-manager',
      secretId,
      cacheTtlSeconds: integer(env, 'WEBHOOK_SECRET_CACHE_SECONDS', 300, 0, 3600),
    };
  }
  const username = optional(env, 'WEBHOOK_USERNAME');
  const password = optional(env, 'WEBHOOK_PASSWORD');
  if (username === undefined || password === undefined) {
    throw new ConfigError(
      'WEBHOOK_SECRET_ARN',
      'is required (or both WEBHOOK_USERNAME and WEBHOOK_PASSWORD for a local run)',
    );
  }
  if (username.includes(':')) throw new ConfigError('WEBHOOK_USERNAME', 'must not contain ":"');
  return { source: 'static', username, password };
}

/**
 * VALIDATOR_SECRET_ARN, or VALIDATOR_USERNAME and VALIDATOR_PASSWORD for a local run; neither
 * turns validateCredentials off. The pair must differ from the Portal's, or the Portal's
 * credentials would open the endpoint.
 */
function parseValidatorAuth(env: Env, portal: AuthConfig, deployed: boolean): AuthConfig | undefined {
  const secretId = optional(env, 'VALIDATOR_SECRET_ARN');
  const username = optional(env, 'VALIDATOR_USERNAME');
  const password = optional(env, 'VALIDATOR_PASSWORD');
  if (secretId !== undefined) {
    if (portal.source === 'secrets-manager' && portal.secretId === secretId) {
      throw new ConfigError('VALIDATOR_SECRET_ARN', 'must name another secret than WEBHOOK_SECRET_ARN');
    }
    return {
      source: 'secrets-manager',
      secretId,
      cacheTtlSeconds: integer(env, 'WEBHOOK_SECRET_CACHE_SECONDS', 300, 0, 3600),
    };
  }
  if (username === undefined && password === undefined) return undefined;
  if (deployed) {
    throw new ConfigError(
      'VALIDATOR_SECRET_ARN',
      'is required in place of VALIDATOR_USERNAME and VALIDATOR_PASSWORD',
    );
  }
  if (username === undefined)
    throw new ConfigError('VALIDATOR_USERNAME', 'is required with VALIDATOR_PASSWORD');
  if (password === undefined)
    throw new ConfigError('VALIDATOR_PASSWORD', 'is required with VALIDATOR_USERNAME');
  if (username.includes(':')) throw new ConfigError('VALIDATOR_USERNAME', 'must not contain ":"');
  if (portal.source === 'static' && portal.username === username && portal.password === password) {
    throw new ConfigError(
      'VALIDATOR_PASSWORD',
      'must differ from WEBHOOK_PASSWORD when the usernames are the same',
    );
  }
  return { source: 'static', username, password };
}

function parseAllowList(env: Env, needed: boolean): ReadonlySet<string> | 'any' {
  if (!needed && optional(env, 'ALLOWED_USAGE_PLAN_IDS') === undefined) return new Set();
  const raw = required(env, 'ALLOWED_USAGE_PLAN_IDS').replace(/\s+/g, '');
  if (raw === '*') return 'any';
  if (!ID_LIST.test(raw)) {
    throw new ConfigError(
      'ALLOWED_USAGE_PLAN_IDS',
      'must be "*" or a comma-separated list of usage plan ids',
    );
  }
  return new Set(raw.split(','));
}

function parseCredentialTypeByApi(env: Env): ReadonlyMap<string, CredentialType> {
  const name = 'API_CREDENTIAL_TYPES';
  const json = parseJsonObject(env, name, '{"a1b2c3d4e5":"CLIENT_CREDENTIALS"}');
  if (json === undefined) return new Map();
  const parsed = z.record(z.string().check(z.regex(/^[A-Za-z0-9]+$/)), CredentialTypeSchema).safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(name, 'must map REST API ids to "API_KEY" or "CLIENT_CREDENTIALS"');
  }
  return new Map(Object.entries(parsed.data));
}

function parseJsonObject(env: Env, name: string, example: string): unknown {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError(name, `must be a JSON object such as ${example}`);
  }
}

function parseScopes(env: Env): { defaults: string[]; byApi: Map<string, string[]> } {
  const defaults = (optional(env, 'DEFAULT_SCOPES') ?? '').split(/[\s,]+/).filter((scope) => scope !== '');
  if (!defaults.every((scope) => SCOPE.test(scope))) {
    throw new ConfigError(
      'DEFAULT_SCOPES',
      'must list scopes as "<resource server>/<scope>", separated by spaces',
    );
  }
  const json = parseJsonObject(env, 'API_SCOPES', '{"a1b2c3d4e5":["orders/read"]}');
  const parsed = z
    .record(
      z.string().check(z.regex(/^[A-Za-z0-9]+$/)),
      z.array(z.string().check(z.regex(SCOPE))).check(z.minLength(1)),
    )
    .safeParse(json === undefined ? {} : json);
  if (!parsed.success) {
    throw new ConfigError(
      'API_SCOPES',
      'must map REST API ids to non-empty arrays of "<resource server>/<scope>" names',
    );
  }
  return { defaults, byApi: new Map(Object.entries(parsed.data)) };
}

function parseClientCredentials(env: Env, needed: boolean): ClientCredentialsConfig | undefined {
  if (!needed) return undefined;
  const userPoolId = required(env, 'USER_POOL_ID');
  if (!USER_POOL_ID.test(userPoolId))
    throw new ConfigError('USER_POOL_ID', 'must look like "us-east-1_AbC123"');
  const tokenUrl = required(env, 'TOKEN_URL');
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    throw new ConfigError('TOKEN_URL', 'must be a URL');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:')) {
    throw new ConfigError('TOKEN_URL', 'must be an https URL');
  }
  const scopes = parseScopes(env);
  if (scopes.defaults.length === 0 && scopes.byApi.size === 0) {
    throw new ConfigError('DEFAULT_SCOPES', 'or API_SCOPES is required for client credentials');
  }
  return {
    userPoolId,
    tokenUrl,
    defaultScopes: scopes.defaults,
    scopesByApi: scopes.byApi,
    accessTokenValidityMinutes: integer(env, 'ACCESS_TOKEN_VALIDITY_MINUTES', 60, 5, 1440),
  };
}

export interface LoadOptions {
  /**
   * In Lambda the Basic credentials must come from Secrets Manager (not plain environment
   * variables) and the ledger from DynamoDB (memory is per container): both are required.
   */
  readonly deployed?: boolean;
}

/** The ledger table: LEDGER_TABLE, or IDEMPOTENCY_TABLE (its earlier name) when only that is set. */
export function parseLedger(env: Env, isRequired: boolean): LedgerConfig {
  const tableName = optional(env, 'LEDGER_TABLE') ?? optional(env, 'IDEMPOTENCY_TABLE');
  if (isRequired && tableName === undefined) throw new ConfigError('LEDGER_TABLE', 'is required');
  if (tableName !== undefined && !/^[\w.-]{3,255}$/.test(tableName)) {
    throw new ConfigError('LEDGER_TABLE', 'must be a DynamoDB table name');
  }
  return { tableName, instance: instanceOf(tableName ?? 'local') };
}

interface Kinds {
  readonly defaultType: CredentialType;
  readonly credentialTypeByApi: ReadonlyMap<string, CredentialType>;
  readonly issues: (kind: CredentialType) => boolean;
}

/** The kinds of credential the deployment issues. */
function parseKinds(env: Env): Kinds {
  const parsedType = CredentialTypeSchema.safeParse(optional(env, 'DEFAULT_CREDENTIAL_TYPE') ?? 'API_KEY');
  if (!parsedType.success) {
    throw new ConfigError('DEFAULT_CREDENTIAL_TYPE', 'must be "API_KEY" or "CLIENT_CREDENTIALS"');
  }
  const defaultType = parsedType.data;
  const credentialTypeByApi = parseCredentialTypeByApi(env);
  const issues = (kind: CredentialType) =>
    defaultType === kind || [...credentialTypeByApi.values()].includes(kind);
  return { defaultType, credentialTypeByApi, issues };
}

/** What the reconciler needs: the ledger, and where the credentials it converges live. */
export interface ReconcilerConfig {
  readonly ledger: LedgerConfig & { readonly tableName: string };
  /** Usage plans whose bindings the reconciler checks; undefined when the deployment issues no keys. */
  readonly allowedUsagePlanIds: ReadonlySet<string> | 'any' | undefined;
  /** The pool of the app clients; undefined when the deployment issues none. */
  readonly userPoolId: string | undefined;
  /** How old a marked resource the ledger does not show issued must be before it is deleted. */
  readonly graceSeconds: number;
}

/** Parses the reconciler's configuration (the webhook's variables; no Basic credentials needed). */
export function loadReconcilerConfig(env: Env = process.env): ReconcilerConfig {
  const ledger = parseLedger(env, true);
  const { issues } = parseKinds(env);
  let userPoolId: string | undefined;
  if (issues('CLIENT_CREDENTIALS')) {
    userPoolId = required(env, 'USER_POOL_ID');
    if (!USER_POOL_ID.test(userPoolId))
      throw new ConfigError('USER_POOL_ID', 'must look like "us-east-1_AbC123"');
  }
  return {
    ledger: { ...ledger, tableName: ledger.tableName as string },
    allowedUsagePlanIds: issues('API_KEY') ? parseAllowList(env, true) : undefined,
    userPoolId,
    graceSeconds: integer(env, 'RECONCILE_GRACE_SECONDS', DEFAULT_GRACE_SECONDS, 0, 7 * 24 * 3600),
  };
}

/** Longer than any request can run (25 s) and than a delayed AWS call may take to land. */
export const DEFAULT_GRACE_SECONDS = 300;

/** Parses the whole configuration; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env, options: LoadOptions = {}): WebhookConfig {
  if (options.deployed === true) required(env, 'WEBHOOK_SECRET_ARN');
  const ledger = parseLedger(env, options.deployed === true);
  const kinds = parseKinds(env);
  const { defaultType, credentialTypeByApi, issues } = kinds;
  const auth = parseAuth(env);
  return {
    auth,
    allowedUsagePlanIds: parseAllowList(env, issues('API_KEY')),
    defaultCredentialType: defaultType,
    credentialTypeByApi,
    clientCredentials: parseClientCredentials(env, issues('CLIENT_CREDENTIALS')),
    credentialLifetimes: parseLifetimes(env, kinds),
    ledger,
    idempotency: {
      windowSeconds: integer(env, 'IDEMPOTENCY_WINDOW_SECONDS', 3600, 60, 7 * 24 * 3600),
    },
    validatorAuth: parseValidatorAuth(env, auth, options.deployed === true),
    validatorCacheSeconds:
      optional(env, 'VALIDATOR_CACHE_SECONDS') === undefined
        ? undefined
        : integer(env, 'VALIDATOR_CACHE_SECONDS', 0, 0, 300),
  };
}

/** The region a local run talks to; undefined when it runs in-process (no AWS variable set). */
export function localAwsRegion(env: Env = process.env): string | undefined {
  // An emulator (AWS_ENDPOINT_URL) still needs a region to sign with; any will do.
  return (
    optional(env, 'AWS_REGION') ?? (optional(env, 'AWS_ENDPOINT_URL') === undefined ? undefined : 'us-east-1')
  );
}

/** Where `npm start` listens, and whether it talks to AWS (or an emulator) or runs in-process. */
export interface LocalServerConfig {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Set when AWS_REGION or AWS_ENDPOINT_URL is: the region every SDK client is given. */
  readonly awsRegion: string | undefined;
}

/** Parses the local server's own settings; throws a ConfigError naming the first bad variable. */
export function loadLocalServerConfig(env: Env = process.env): LocalServerConfig {
  return {
    host: optional(env, 'HOST') ?? '127.0.0.1',
    port: integer(env, 'PORT', 3000, 0, 65535),
    awsRegion: localAwsRegion(env),
  };
}
