/**
 * The in-process webhook of `npm start` for unit tests: composeWebhook over the local backend,
 * configured by the few options a test cares about.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { localBackend } from '../../lambda/adapters/local/backend';
import { InMemoryApiKeys } from '../../lambda/adapters/local/in-memory-api-keys';
import { type Backend, composeWebhook } from '../../lambda/compose';
import type { WebhookConfig } from '../../lambda/config';
import type { CredentialLifetimes } from '../../lambda/credentials/lifetime';
import type { ApiKeyIssuer, BasicCredentialsSource, TokenVerifier } from '../../lambda/credentials/ports';
import type { Webhook } from '../../lambda/webhook';
import { PASSWORD, USERNAME } from './events';
import { INSTANCE } from './ledger';

/** validateCredentials' own Basic credentials in tests: never the Portal's. */
export const VALIDATOR_USERNAME = 'validator';
export const VALIDATOR_PASSWORD = 'the validator password';

export interface LocalWebhookOptions {
  /** ALLOWED_USAGE_PLAN_IDS: the plans keys may be bound to; `'any'` (the default) is `*`. */
  readonly allowedUsagePlanIds?: readonly string[] | 'any';
  /** The plans that exist in the in-memory API Gateway; by default exactly the allowed ones. */
  readonly existingUsagePlanIds?: readonly string[] | 'any';
  /** REST APIs served with client credentials; none by default, and then there is no Cognito. */
  readonly clientCredentialApis?: readonly string[];
  /** Methods that replace the in-memory API Gateway's own (a failing createKey, say). */
  readonly apiKeys?: Partial<ApiKeyIssuer>;
  /** Where the expected Basic credentials come from; by default USERNAME and PASSWORD. */
  readonly basicCredentials?: BasicCredentialsSource;
  /** Silent by default. */
  readonly logger?: Logger;
  readonly metrics?: Metrics;
  /** A body limit other than the default. */
  readonly maxBodyBytes?: number;
  /** CREDENTIAL_LIFETIME_SECONDS / API_CREDENTIAL_LIFETIMES; by default credentials never expire. */
  readonly credentialLifetimes?: CredentialLifetimes;
  /**
   * validateCredentials: `true` turns it on with VALIDATOR_USERNAME and VALIDATOR_PASSWORD, a
   * source with those credentials; off (404) by default. Its ledger answers are not cached, so a
   * revoke shows at once.
   */
  readonly validator?: true | BasicCredentialsSource;
  /** What verifies access tokens for validateCredentials; none by default. */
  readonly tokenVerifier?: TokenVerifier;
}

export interface LocalWebhook {
  readonly webhook: Webhook;
  readonly config: WebhookConfig;
  readonly backend: Backend;
  /** The in-memory API Gateway, to look at keys and bindings (without the apiKeys replacements). */
  readonly keys: InMemoryApiKeys;
}

const asSet = (ids: readonly string[] | 'any'): ReadonlySet<string> | 'any' =>
  ids === 'any' ? 'any' : new Set(ids);

function localConfig(options: LocalWebhookOptions = {}): WebhookConfig {
  const clientApis = options.clientCredentialApis ?? [];
  return {
    auth: { source: 'static', username: USERNAME, password: PASSWORD },
    allowedUsagePlanIds: asSet(options.allowedUsagePlanIds ?? 'any'),
    defaultCredentialType: 'API_KEY',
    credentialTypeByApi: new Map(clientApis.map((id) => [id, 'CLIENT_CREDENTIALS'] as const)),
    clientCredentials:
      clientApis.length === 0
        ? undefined
        : {
            userPoolId: 'us-east-1_AbC123',
            tokenUrl: 'https://auth.example.com/oauth2/token',
            defaultScopes: ['orders/read'],
            scopesByApi: new Map(),
            accessTokenValidityMinutes: 60,
          },
    ledger: { tableName: undefined, instance: INSTANCE },
    idempotency: { windowSeconds: 3600 },
    ...(options.credentialLifetimes !== undefined && { credentialLifetimes: options.credentialLifetimes }),
    ...(options.validator !== undefined && {
      validatorAuth: { source: 'static', username: VALIDATOR_USERNAME, password: VALIDATOR_PASSWORD },
      validatorCacheSeconds: 0,
    }),
  };
}

export function localWebhook(options: LocalWebhookOptions = {}): LocalWebhook {
  const config = localConfig(options);
  const keys = new InMemoryApiKeys(
    asSet(options.existingUsagePlanIds ?? options.allowedUsagePlanIds ?? 'any'),
  );
  // The replacements shadow the in-memory methods; the others still run on the same keys.
  const apiKeys: ApiKeyIssuer =
    options.apiKeys === undefined
      ? keys
      : Object.assign(Object.create(keys) as InMemoryApiKeys, options.apiKeys);
  const backend: Backend = {
    ...localBackend(config, { tokenVerifier: options.tokenVerifier }),
    apiKeys,
    ...(options.basicCredentials !== undefined && { basicCredentials: options.basicCredentials }),
    ...(options.validator !== undefined &&
      options.validator !== true && { validatorCredentials: options.validator }),
  };
  const logger = options.logger ?? new Logger({ logLevel: 'SILENT' });
  const webhook = composeWebhook(config, backend, logger, options.metrics, {
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
  });
  return { webhook, config, backend, keys };
}
