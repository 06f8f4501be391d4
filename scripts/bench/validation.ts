/**
 * validateCredentials, measured two ways:
 *
 * - warm latency in process over the local backend (as warm.ts), with the validator's ledger cache
 *   as deployed (a repeated credential is answered from it) and with it off (VALIDATOR_CACHE_SECONDS
 *   0: every validation reads the in-memory ledger);
 * - AWS calls per validation through the real AWS adapters against the stub (as round-trips.ts),
 *   first and repeated within the cache, for an API key and for an access token.
 *
 * Access tokens are signed by LocalTokenKeys; in AWS the Cognito verifier is given that key set, so
 * no JWKS is fetched (a cold container fetches the pool's once, on its first token).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type AwsClients, awsBackend } from '../../lambda/adapters/aws/backend';
import {
  apiGatewayClient,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from '../../lambda/adapters/aws/clients';
import { CognitoTokenVerifier, poolIssuer } from '../../lambda/adapters/aws/cognito-token-verifier';
import { localBackend } from '../../lambda/adapters/local/backend';
import { LocalTokenKeys } from '../../lambda/adapters/local/local-token-keys';
import { type Backend, composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import type { Webhook, WebhookEvent } from '../../lambda/webhook';
import type { AwsStub } from './aws-stub';
import {
  apiKeyOf,
  CLIENT_APIS,
  createClientEvent,
  createKeyEvent,
  credentialIdOf,
  DEPLOYMENT_ENV,
  PLANS,
  SECRET,
  VALIDATOR_SECRET,
  VALIDATOR_SECRET_ARN,
  validateEvent,
} from './fixture';
import { type AwsCall, recordCalls, sequentialRoundTrips } from './round-trips';
import { elapsedMs, type Summary, summarize } from './stats';

export const VALIDATION_KINDS = ['API key', 'access token'] as const;
export type ValidationKind = (typeof VALIDATION_KINDS)[number];

type Presented = { readonly apiKey: string } | { readonly accessToken: string };

/** One credential of each kind, issued by the webhook under test. */
type Credentials = Readonly<Record<ValidationKind, Presented>>;

/** The default (30 s, as deployed) or VALIDATOR_CACHE_SECONDS. */
export type CacheSetting = 'default' | number;

const silent = (): Logger => new Logger({ logLevel: 'SILENT' });

/** Issues a key and a client through the webhook, and signs a token for the client. */
async function issue(webhook: Webhook, keys: LocalTokenKeys): Promise<Credentials> {
  const create = async (event: WebhookEvent): Promise<string> => {
    const response = await webhook(event);
    if (response.statusCode !== 200) throw new Error(`create: got ${response.statusCode}: ${response.body}`);
    return response.body;
  };
  const apiKey = apiKeyOf(await create(createKeyEvent(PLANS.slice(0, 1))));
  const clientId = credentialIdOf(await create(createClientEvent(CLIENT_APIS.slice(0, 1))));
  const accessToken = keys.sign({ clientId, scopes: ['bench-api/read'], expiresInSeconds: 3600 });
  return { 'API key': { apiKey }, 'access token': { accessToken } };
}

/** Throws unless the webhook answered 200 with `valid: true`: a wrong answer fails the benchmark. */
function expectValid(kind: ValidationKind, status: number, body: string): void {
  const verdict = status === 200 ? (JSON.parse(body) as { valid?: unknown }) : undefined;
  if (verdict?.valid !== true)
    throw new Error(`validate ${kind}: expected 200 valid, got ${status}: ${body}`);
}

export interface ValidationWarmOptions {
  /** Validations timed per kind. */
  readonly requests: number;
  /** Untimed validations per kind first, so that the JIT has compiled the path. */
  readonly warmupRequests: number;
  readonly cache: CacheSetting;
}

/** What the local ledger was asked by validations, so that a cache hit or miss shows. */
interface LedgerReads {
  count: number;
}

/**
 * The in-process webhook with validation on, and client credentials to validate tokens of; its
 * ledger counts the reads validations make.
 */
function localWebhookWithValidator(cache: CacheSetting, keys: LocalTokenKeys, reads: LedgerReads): Webhook {
  // The AWS-only variables are left out: the local backend takes its secrets from the environment.
  const { WEBHOOK_SECRET_ARN: _secret, LEDGER_TABLE: _table, ...deployment } = DEPLOYMENT_ENV;
  const config = loadConfig({
    ...deployment,
    WEBHOOK_USERNAME: SECRET.username,
    WEBHOOK_PASSWORD: SECRET.password,
    VALIDATOR_USERNAME: VALIDATOR_SECRET.username,
    VALIDATOR_PASSWORD: VALIDATOR_SECRET.password,
    ...(cache !== 'default' && { VALIDATOR_CACHE_SECONDS: String(cache) }),
  });
  const backend = localBackend(config, { tokenVerifier: keys.verifier() });
  const ledger = backend.ledger;
  // The other methods still run on the same ledger, through the prototype.
  const counted: typeof ledger = Object.assign(Object.create(ledger) as typeof ledger, {
    find: (...args: Parameters<typeof ledger.find>) => {
      reads.count++;
      return ledger.find(...args);
    },
    findByApiKeyHash: (hash: string) => {
      reads.count++;
      return ledger.findByApiKeyHash(hash);
    },
  });
  return composeWebhook(config, { ...backend, ledger: counted }, silent());
}

export interface ValidationWarmReport {
  readonly byKind: Readonly<Record<ValidationKind, Summary>>;
  /** Ledger reads per timed validation: 0 with the cache (the same credential each time), 1 without. */
  readonly ledgerReadsPerValidation: Readonly<Record<ValidationKind, number>>;
}

export async function measureValidationWarm(options: ValidationWarmOptions): Promise<ValidationWarmReport> {
  const keys = LocalTokenKeys.generate('http://127.0.0.1:3000');
  const reads: LedgerReads = { count: 0 };
  const webhook = localWebhookWithValidator(options.cache, keys, reads);
  const credentials = await issue(webhook, keys);
  const samples: Record<ValidationKind, number[]> = { 'API key': [], 'access token': [] };
  const readsOf: Record<ValidationKind, number> = { 'API key': 0, 'access token': 0 };
  const validate = async (kind: ValidationKind, record: boolean) => {
    const readsBefore = reads.count;
    const started = process.hrtime.bigint();
    const response = await webhook(validateEvent(credentials[kind]));
    const ms = elapsedMs(started);
    expectValid(kind, response.statusCode, response.body);
    if (record) {
      samples[kind].push(ms);
      readsOf[kind] += reads.count - readsBefore;
    }
  };
  // The kinds alternate, so that neither runs with the other's code cold.
  for (let i = 0; i < options.warmupRequests; i++) {
    for (const kind of VALIDATION_KINDS) await validate(kind, false);
  }
  for (let i = 0; i < options.requests; i++) {
    for (const kind of VALIDATION_KINDS) await validate(kind, true);
  }
  return {
    byKind: { 'API key': summarize(samples['API key']), 'access token': summarize(samples['access token']) },
    ledgerReadsPerValidation: {
      'API key': readsOf['API key'] / options.requests,
      'access token': readsOf['access token'] / options.requests,
    },
  };
}

/** One validation's AWS calls. */
export interface ValidationCalls {
  /** By "<Command>", e.g. { GetSecretValue: 1, Query: 1 }. */
  readonly calls: Readonly<Record<string, number>>;
  readonly count: number;
  readonly roundTrips: number;
  readonly wallMs: number;
  /** What the design leads to expect, by command (empty: no AWS call). */
  readonly expected: Readonly<Record<string, number>>;
}

export interface ValidationCallsReport {
  readonly latencyMs: number;
  readonly byKind: Readonly<
    Record<ValidationKind, { readonly first: ValidationCalls; readonly cached: ValidationCalls }>
  >;
}

export interface ValidationCallsOptions {
  readonly stub: AwsStub & { readonly url: string };
  readonly latencyMs: number;
}

/**
 * The deployment of fixture.ts with the validator's secret, on the real AWS adapters. The API key
 * is validated first, so its first validation is the container's and reads the validator's secret.
 */
export async function measureValidationCalls(
  options: ValidationCallsOptions,
): Promise<ValidationCallsReport> {
  const timeline: AwsCall[] = [];
  const clientOptions = { endpoint: options.stub.url, region: 'us-east-1' };
  const clients: AwsClients = {
    apiGateway: () => recordCalls(apiGatewayClient(clientOptions), 'apiGateway', timeline),
    cognito: () => recordCalls(cognitoClient(clientOptions), 'cognito', timeline),
    secretsManager: () => recordCalls(secretsManagerClient(clientOptions), 'secretsManager', timeline),
    dynamoDb: () => recordCalls(dynamoDbClient(clientOptions), 'dynamoDb', timeline),
  };
  options.stub.addSecret(VALIDATOR_SECRET_ARN, VALIDATOR_SECRET);
  const userPoolId = DEPLOYMENT_ENV.USER_POOL_ID ?? '';
  const config = loadConfig({ ...DEPLOYMENT_ENV, VALIDATOR_SECRET_ARN });
  const keys = LocalTokenKeys.generate(poolIssuer(userPoolId));
  const backend: Backend = {
    ...awsBackend(config, clients),
    // Given the pool's key set, the verifier never fetches it: no JWKS call in the figures.
    tokenVerifier: new CognitoTokenVerifier(userPoolId, { jwks: keys.jwks }),
  };
  const webhook = composeWebhook(config, backend, silent());

  const credentials = await issue(webhook, keys);

  const observe = async (
    kind: ValidationKind,
    expected: Record<string, number>,
  ): Promise<ValidationCalls> => {
    timeline.length = 0;
    const started = process.hrtime.bigint();
    const response = await webhook(validateEvent(credentials[kind]));
    const wallMs = elapsedMs(started);
    expectValid(kind, response.statusCode, response.body);
    const calls: Record<string, number> = {};
    for (const call of timeline) calls[call.command] = (calls[call.command] ?? 0) + 1;
    return {
      calls,
      count: timeline.length,
      roundTrips: sequentialRoundTrips(timeline),
      wallMs,
      expected,
    };
  };

  options.stub.latencyMs = options.latencyMs;
  try {
    const keyFirst = await observe('API key', { GetSecretValue: 1, Query: 1 });
    const keyCached = await observe('API key', {});
    const tokenFirst = await observe('access token', { GetItem: 1 });
    const tokenCached = await observe('access token', {});
    return {
      latencyMs: options.latencyMs,
      byKind: {
        'API key': { first: keyFirst, cached: keyCached },
        'access token': { first: tokenFirst, cached: tokenCached },
      },
    };
  } finally {
    options.stub.latencyMs = 0;
  }
}

/** Whether the calls are exactly the expected ones. */
export const asExpected = (observed: ValidationCalls): boolean =>
  JSON.stringify(Object.entries(observed.calls).sort()) ===
  JSON.stringify(Object.entries(observed.expected).sort());
