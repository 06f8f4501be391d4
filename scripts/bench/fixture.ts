/** The deployment the benchmark configures, and the requests it sends. */
import type { WebhookEvent } from '../../lambda/webhook';
import { basic, event } from '../../test/support/events';
import type { BasicSecret } from './aws-stub';

export const SECRET: BasicSecret = { username: 'portal', password: 'bench password, not a secret' };
export const AUTHORIZATION = basic(SECRET.username, SECRET.password);

/** Usage plans the deployment may attach keys to. */
export const PLANS = ['benchplan1', 'benchplan2', 'benchplan3', 'benchplan4', 'benchplan5', 'benchplan6'];
/** REST APIs answered with API keys (the default) and with client credentials. */
export const KEY_API = 'keyapi1';
export const CLIENT_APIS = ['clientapi1', 'clientapi2'] as const;

/**
 * The handler's configuration (lambda/config.ts) as lib/credential-webhook.ts sets it: the Basic
 * secret in Secrets Manager, a DynamoDB ledger table, API keys by default and client
 * credentials for two APIs.
 */
export const DEPLOYMENT_ENV: Readonly<Record<string, string>> = {
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-basic-auth-AbCdEf',
  LEDGER_TABLE: 'bench-ledger',
  ALLOWED_USAGE_PLAN_IDS: PLANS.join(','),
  DEFAULT_CREDENTIAL_TYPE: 'API_KEY',
  API_CREDENTIAL_TYPES: JSON.stringify(
    Object.fromEntries(CLIENT_APIS.map((id) => [id, 'CLIENT_CREDENTIALS'])),
  ),
  USER_POOL_ID: 'us-east-1_BenchPool1',
  TOKEN_URL: 'https://bench.auth.us-east-1.amazoncognito.com/oauth2/token',
  DEFAULT_SCOPES: 'bench-api/read bench-api/write',
  API_SCOPES: JSON.stringify({ clientapi2: ['bench-api/admin'] }),
  ACCESS_TOKEN_VALIDITY_MINUTES: '60',
};

/**
 * What lib/webhook-function.ts adds to every deployment's environment (no NODE_OPTIONS: the
 * launcher maps stack traces itself).
 */
export const LAMBDA_ENV: Readonly<Record<string, string>> = {
  POWERTOOLS_SERVICE_NAME: 'credential-webhook',
  POWERTOOLS_METRICS_NAMESPACE: 'CredentialWebhook',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/**
 * What the Lambda runtime itself sets and the handler's libraries read (Powertools reports
 * cold_start only for on-demand initialization; the SDK adds the execution environment to its
 * user agent).
 */
export const LAMBDA_RUNTIME_ENV: Readonly<Record<string, string>> = {
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_FUNCTION_NAME: 'credential-webhook-bench',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
};

/**
 * The SDK stays quiet about Node < 22 (Lambda runs the bundle on Node 24, where it never warns), so
 * a local run on an older Node does not time the warning.
 */
export const QUIET_SDK_ENV: Readonly<Record<string, string>> = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Credentials and endpoint of the SDK clients, all pointing at the stub. */
export function awsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...QUIET_SDK_ENV,
  };
}

let sequence = 0;
/** A fresh slug per create, so that no create is an idempotent repeat of another. */
export const nextSlug = (): string => `bench-app-${process.pid}-${++sequence}`;

const post = (path: string, json: unknown): WebhookEvent =>
  event({ path, json, headers: { Authorization: AUTHORIZATION, 'Content-Type': 'application/json' } });

export const healthEvent = (): WebhookEvent =>
  event({ httpMethod: 'GET', path: '/v1/health', headers: { Authorization: AUTHORIZATION } });

export const createKeyEvent = (plans: readonly string[], slug = nextSlug()): WebhookEvent =>
  post('/v1/createCredentials', {
    appName: 'Bench app',
    appSlug: slug,
    developer: 'dev@example.com',
    apis: [{ id: KEY_API, usagePlans: plans.map((id) => ({ id })) }],
  });

export const updateKeyEvent = (apiKeyId: string, plans: readonly string[], slug: string): WebhookEvent =>
  post('/v1/updateCredentials', {
    credentialType: 'API_KEY',
    apiKeyId,
    appName: 'Bench app',
    appSlug: slug,
    developer: 'dev@example.com',
    apis: [{ id: KEY_API, usagePlans: plans.map((id) => ({ id })) }],
  });

export const revokeKeyEvent = (apiKeyId: string): WebhookEvent =>
  post('/v1/revokeCredentials', { credentialType: 'API_KEY', apiKeyId });

export const createClientEvent = (apis: readonly string[], slug = nextSlug()): WebhookEvent =>
  post('/v1/createCredentials', {
    appName: 'Bench client app',
    appSlug: slug,
    developer: 'dev@example.com',
    apis: apis.map((id) => ({ id })),
  });

export const updateClientEvent = (clientId: string, apis: readonly string[], slug: string): WebhookEvent =>
  post('/v1/updateCredentials', {
    credentialType: 'CLIENT_CREDENTIALS',
    clientId,
    appName: 'Bench client app',
    appSlug: slug,
    developer: 'dev@example.com',
    apis: apis.map((id) => ({ id })),
  });

export const revokeClientEvent = (clientId: string): WebhookEvent =>
  post('/v1/revokeCredentials', { credentialType: 'CLIENT_CREDENTIALS', clientId });

/** The credential id in a create's response body. */
export function credentialIdOf(body: string): string {
  const parsed = JSON.parse(body) as { apiKeyId?: unknown; clientId?: unknown };
  const id = parsed.apiKeyId ?? parsed.clientId;
  if (typeof id !== 'string') throw new Error(`create returned no credential id: ${body}`);
  return id;
}

/** validateCredentials' own Basic credentials: a backend's, never the Portal's. */
export const VALIDATOR_SECRET: BasicSecret = { username: 'validator', password: 'bench validator password' };
export const VALIDATOR_AUTHORIZATION = basic(VALIDATOR_SECRET.username, VALIDATOR_SECRET.password);
/** Where a deployment keeps VALIDATOR_SECRET (lib/credential-webhook.ts's second secret). */
export const VALIDATOR_SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-validator-auth-GhIjKl';

/** A validateCredentials request for one credential: `{ apiKey }` or `{ accessToken }`. */
export const validateEvent = (
  credential: { readonly apiKey: string } | { readonly accessToken: string },
): WebhookEvent =>
  event({
    path: '/v1/validateCredentials',
    json: credential,
    headers: { Authorization: VALIDATOR_AUTHORIZATION, 'Content-Type': 'application/json' },
  });

/** The API key value in a create's response body. */
export function apiKeyOf(body: string): string {
  const { apiKey } = JSON.parse(body) as { apiKey?: unknown };
  if (typeof apiKey !== 'string') throw new Error(`create returned no API key: ${body}`);
  return apiKey;
}
