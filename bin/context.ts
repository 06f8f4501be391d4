/**
 * Reads the app's configuration from CDK context (cdk.json "context", overridden by
 * `-c key=value`). Values from cdk.json arrive as JSON, values from `-c` as strings, so both forms
 * are accepted; anything else fails synth with a message naming the key.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import {
  type ClientCredentialsOptions,
  type CredentialType,
  type CredentialWebhookProps,
  type CredentialWebhookStackProps,
  LOG_LEVELS,
  type LogLevel,
} from '../lib';

/** The context keys the app reads (documented in README "Deploying"). */
export const CONTEXT_KEYS = [
  'stackName',
  'defaultCredentialType',
  'apiCredentialTypes',
  'allowedUsagePlanIds',
  'createUserPool',
  'userPoolId',
  'tokenUrl',
  'domainPrefix',
  'resourceServerIdentifier',
  'scopes',
  'defaultScopes',
  'apiScopes',
  'accessTokenValidityMinutes',
  'basicAuthUsername',
  'stageName',
  'throttlingRateLimit',
  'throttlingBurstLimit',
  'allowedSourceCidrs',
  'webAclArn',
  'createWebAcl',
  'webAclRateLimit',
  'reservedConcurrency',
  'secretAdminArns',
  'apiGatewayCloudWatchRole',
  'memorySize',
  'runtimeVersionArn',
  'logLevel',
  'logRetentionDays',
  'removalPolicy',
  'alarmEmail',
  'reconcileIntervalMinutes',
  'credentialLifetimeDays',
  'apiCredentialLifetimeDays',
  'validationEndpoint',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** cdk.json ships this placeholder so `cdk synth` works out of the box; no real plan id looks like it. */
export const PLACEHOLDER_USAGE_PLAN_ID = 'REPLACEME';

export class ContextError extends Error {
  constructor(key: ContextKey, problem: string, value: unknown) {
    super(`Context key "${key}" ${problem} (got ${JSON.stringify(value)})`);
    this.name = 'ContextError';
  }
}

export interface AppConfig {
  readonly stackName: string;
  readonly stackProps: CredentialWebhookStackProps;
  /** True while allowedUsagePlanIds is still cdk.json's placeholder. */
  readonly usesPlaceholderUsagePlan: boolean;
}

type Reader = (key: ContextKey) => unknown;

/** The stack configuration the context describes. */
export function readAppConfig(node: Node): AppConfig {
  const read: Reader = (key) => {
    const value: unknown = node.tryGetContext(key);
    return value === '' || value === null ? undefined : value;
  };
  const defaultType = credentialType(read, 'defaultCredentialType');
  const apiTypes = credentialTypeMap(read);
  const issuesApiKeys =
    (defaultType ?? 'API_KEY') === 'API_KEY' || Object.values(apiTypes ?? {}).includes('API_KEY');
  const listedPlans = list(read, 'allowedUsagePlanIds', /[\s,]+/);
  // cdk.json's placeholder stands for "set your plans" only where API keys are issued; a
  // client-credentials deployment must deploy from the same cdk.json without removing it.
  const placeholderOnly = listedPlans?.length === 1 && listedPlans[0] === PLACEHOLDER_USAGE_PLAN_ID;
  const plans = placeholderOnly && !issuesApiKeys ? undefined : listedPlans;
  const clientCredentials = readClientCredentials(read);
  const basicAuth = {
    ...optional('username', string(read, 'basicAuthUsername')),
    ...optional('adminPrincipalArns', list(read, 'secretAdminArns', /[\s,]+/)),
  };
  const webhook: CredentialWebhookProps = {
    ...optional('defaultCredentialType', defaultType),
    ...optional('apiCredentialTypes', apiTypes),
    ...optional('allowedUsagePlanIds', plans),
    ...optional('clientCredentials', clientCredentials),
    ...optional('credentialLifetimeDays', lifetimeDays(read)),
    ...optional('apiCredentialLifetimeDays', lifetimeDaysMap(read)),
    ...optional('basicAuth', Object.keys(basicAuth).length > 0 ? basicAuth : undefined),
    ...optional('validationEndpoint', boolean(read, 'validationEndpoint')),
    functionOptions: {
      ...optional('memorySize', number(read, 'memorySize')),
      ...optional('reservedConcurrency', reservedConcurrency(read)),
      ...optional('runtimeVersionArn', string(read, 'runtimeVersionArn')),
      ...optional('logLevel', logLevel(read)),
      ...optional('logRetention', retention(read)),
    },
    apiOptions: {
      ...optional('stageName', string(read, 'stageName')),
      ...optional('throttlingRateLimit', number(read, 'throttlingRateLimit')),
      ...optional('throttlingBurstLimit', number(read, 'throttlingBurstLimit')),
      ...optional('allowedSourceCidrs', list(read, 'allowedSourceCidrs', /[\s,]+/)),
      ...optional('webAclArn', string(read, 'webAclArn')),
      ...optional('createWebAcl', boolean(read, 'createWebAcl')),
      ...optional('webAclRateLimit', number(read, 'webAclRateLimit')),
      ...optional('cloudWatchRole', boolean(read, 'apiGatewayCloudWatchRole')),
      ...optional('accessLogRetention', retention(read)),
    },
    ...optional('removalPolicy', removalPolicy(read)),
    ...optional(
      'reconcileInterval',
      mapDefined(reconcileMinutes(read), (minutes) => Duration.minutes(minutes)),
    ),
  };
  return {
    stackName: string(read, 'stackName') ?? 'CredentialWebhook',
    stackProps: { webhook, ...optional('alarmEmail', string(read, 'alarmEmail')) },
    usesPlaceholderUsagePlan: plans?.includes(PLACEHOLDER_USAGE_PLAN_ID) ?? false,
  };
}

function readClientCredentials(read: Reader): ClientCredentialsOptions | undefined {
  const options: ClientCredentialsOptions = {
    ...optional('createUserPool', boolean(read, 'createUserPool')),
    ...optional('userPoolId', string(read, 'userPoolId')),
    ...optional('tokenUrl', string(read, 'tokenUrl')),
    ...optional('domainPrefix', string(read, 'domainPrefix')),
    ...optional('resourceServerIdentifier', string(read, 'resourceServerIdentifier')),
    ...optional('scopes', list(read, 'scopes', /[\s,]+/)),
    ...optional('defaultScopes', list(read, 'defaultScopes', /[\s,]+/)),
    ...optional('apiScopes', scopeMap(read)),
    ...optional('accessTokenValidityMinutes', number(read, 'accessTokenValidityMinutes')),
  };
  // createUserPool=false alone says nothing: the pool settings are absent.
  const { createUserPool, ...rest } = options;
  return createUserPool === true || Object.keys(rest).length > 0 ? options : undefined;
}

/** `{ key: value }` when the value is defined, `{}` otherwise (props stay free of explicit undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function mapDefined<T, R>(value: T | undefined, map: (value: T) => R): R | undefined {
  return value === undefined ? undefined : map(value);
}

function string(read: Reader, key: ContextKey): string | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ContextError(key, 'must be a string', value);
  return value.trim();
}

function number(read: Reader, key: ContextKey): number | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed))
    throw new ContextError(key, 'must be a number', value);
  return parsed;
}

function boolean(read: Reader, key: ContextKey): boolean | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ContextError(key, 'must be true or false', value);
}

/** A JSON array, or a string separated by `separator` (as `-c key=a,b` gives it). */
function list(read: Reader, key: ContextKey, separator: RegExp): string[] | undefined {
  const value = parseJsonString(read(key), key);
  if (value === undefined) return undefined;
  const items = typeof value === 'string' ? value.split(separator) : value;
  if (!Array.isArray(items) || !items.every((item): item is string => typeof item === 'string')) {
    throw new ContextError(key, 'must be a list of strings (JSON array, or a comma-separated string)', value);
  }
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** A JSON object (or its JSON text, as `-c key={...}` gives it). */
function object(read: Reader, key: ContextKey): Record<string, unknown> | undefined {
  const value = parseJsonString(read(key), key);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ContextError(key, 'must be a JSON object', value);
  }
  return value as Record<string, unknown>;
}

function parseJsonString(value: unknown, key: ContextKey): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new ContextError(key, 'is not valid JSON', value);
  }
}

function credentialType(read: Reader, key: ContextKey): CredentialType | undefined {
  const value = string(read, key);
  if (value === undefined) return undefined;
  if (value !== 'API_KEY' && value !== 'CLIENT_CREDENTIALS') {
    throw new ContextError(key, 'must be "API_KEY" or "CLIENT_CREDENTIALS"', value);
  }
  return value;
}

function credentialTypeMap(read: Reader): Record<string, CredentialType> | undefined {
  const value = object(read, 'apiCredentialTypes');
  if (value === undefined) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([, kind]) => kind === 'API_KEY' || kind === 'CLIENT_CREDENTIALS')) {
    throw new ContextError(
      'apiCredentialTypes',
      'must map REST API ids to "API_KEY" or "CLIENT_CREDENTIALS"',
      value,
    );
  }
  return Object.fromEntries(entries) as Record<string, CredentialType>;
}

function scopeMap(read: Reader): Record<string, string[]> | undefined {
  const value = object(read, 'apiScopes');
  if (value === undefined) return undefined;
  const valid = Object.values(value).every(
    (scopes) => Array.isArray(scopes) && scopes.every((scope) => typeof scope === 'string'),
  );
  if (!valid) throw new ContextError('apiScopes', 'must map REST API ids to arrays of scope names', value);
  return value as Record<string, string[]>;
}

function logLevel(read: Reader): LogLevel | undefined {
  const value = string(read, 'logLevel');
  if (value === undefined) return undefined;
  const level = LOG_LEVELS.find((candidate) => candidate === value.toUpperCase());
  if (level === undefined)
    throw new ContextError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`, value);
  return level;
}

function retention(read: Reader): logs.RetentionDays | undefined {
  const days = number(read, 'logRetentionDays');
  if (days === undefined) return undefined;
  const allowed = Object.values(logs.RetentionDays).filter(
    (value): value is number => typeof value === 'number',
  );
  const match = allowed.find((value) => value === days);
  if (match === undefined) {
    throw new ContextError(
      'logRetentionDays',
      `must be one of CloudWatch's retention periods (${allowed.join(', ')})`,
      days,
    );
  }
  return match;
}

/** A whole number of `unit` from min to max; `alternatives` names other accepted values. */
function wholeNumber(
  read: Reader,
  key: ContextKey,
  unit: string,
  [min, max]: readonly [number, number],
  alternatives = '',
): number | undefined {
  const value = number(read, key);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ContextError(
      key,
      `must be a whole number of ${unit} from ${min} to ${max}${alternatives}`,
      value,
    );
  }
  return value;
}

function reconcileMinutes(read: Reader): number | undefined {
  return wholeNumber(read, 'reconcileIntervalMinutes', 'minutes', [1, 1440]);
}

/** Ten years, as the construct allows. */
const MAX_LIFETIME_DAYS = 3650;

function lifetimeDays(read: Reader): number | undefined {
  return wholeNumber(read, 'credentialLifetimeDays', 'days', [1, MAX_LIFETIME_DAYS]);
}

/** REST API id → whole days, or "never" (that API's credentials do not expire). */
function lifetimeDaysMap(read: Reader): Record<string, number | 'never'> | undefined {
  const value = object(read, 'apiCredentialLifetimeDays');
  if (value === undefined) return undefined;
  const valid = Object.values(value).every(
    (days) =>
      days === 'never' ||
      (typeof days === 'number' && Number.isInteger(days) && days >= 1 && days <= MAX_LIFETIME_DAYS),
  );
  if (!valid) {
    throw new ContextError(
      'apiCredentialLifetimeDays',
      `must map REST API ids to whole days from 1 to ${MAX_LIFETIME_DAYS}, or "never"`,
      value,
    );
  }
  return value as Record<string, number | 'never'>;
}

/** A whole number of executions, or 0 / "none" for no reservation. */
function reservedConcurrency(read: Reader): number | 'none' | undefined {
  const value = read('reservedConcurrency');
  if (value === 'none' || value === 0 || value === '0') return 'none';
  return wholeNumber(
    read,
    'reservedConcurrency',
    'executions',
    [1, 1000],
    ', or 0 or "none" to reserve none',
  );
}

function removalPolicy(read: Reader): RemovalPolicy | undefined {
  const value = string(read, 'removalPolicy');
  if (value === undefined) return undefined;
  if (value === 'retain') return RemovalPolicy.RETAIN;
  if (value === 'destroy') return RemovalPolicy.DESTROY;
  throw new ContextError('removalPolicy', 'must be "retain" or "destroy"', value);
}
