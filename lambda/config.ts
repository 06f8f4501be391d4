/**
 * Configuration, parsed once at cold start from the environment. A missing or invalid value
 * throws a ConfigError that names the variable, so a misconfigured deployment fails loudly on
 * its first invocation instead of answering requests wrongly.
 */
import * as z from 'zod/mini';
import { type CredentialType, CredentialTypeSchema } from './schemas';

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
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
}

type Env = Readonly<Record<string, string | undefined>>;

const ID_LIST = /^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$/;

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
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
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

function parseAllowList(env: Env): ReadonlySet<string> | 'any' {
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
  const raw = optional(env, name);
  if (raw === undefined) return new Map();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError(name, 'must be a JSON object such as {"a1b2c3d4e5":"CLIENT_CREDENTIALS"}');
  }
  const parsed = z.record(z.string().check(z.regex(/^[A-Za-z0-9]+$/)), CredentialTypeSchema).safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(name, 'must map REST API ids to "API_KEY" or "CLIENT_CREDENTIALS"');
  }
  return new Map(Object.entries(parsed.data));
}

/** Parses the whole configuration; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): WebhookConfig {
  const defaultType = optional(env, 'DEFAULT_CREDENTIAL_TYPE') ?? 'API_KEY';
  const parsedType = CredentialTypeSchema.safeParse(defaultType);
  if (!parsedType.success) {
    throw new ConfigError('DEFAULT_CREDENTIAL_TYPE', 'must be "API_KEY" or "CLIENT_CREDENTIALS"');
  }
  return {
    auth: parseAuth(env),
    allowedUsagePlanIds: parseAllowList(env),
    defaultCredentialType: parsedType.data,
    credentialTypeByApi: parseCredentialTypeByApi(env),
  };
}
