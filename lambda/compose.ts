/**
 * Wires configuration, ports and the HTTP layer into a webhook. The Lambda entry and the local
 * server both go through here, so they run the same code with different adapters. It knows the
 * ports only: backends live with their adapters (adapters/aws/backend.ts, adapters/local/backend.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { WebhookConfig } from './config';
import { ApiKeyService } from './credentials/api-key-service';
import { ClientCredentialsService } from './credentials/client-credentials-service';
import { CredentialService } from './credentials/credential-service';
import { IdempotentCredentials } from './credentials/idempotency';
import type {
  ApiKeyIssuer,
  BasicCredentialsSource,
  ClientIssuer,
  CredentialLedger,
  CredentialLookup,
  TokenVerifier,
} from './credentials/ports';
import type { Leftover } from './credentials/recording';
import { BasicAuthenticator } from './http/auth';
import { LedgerCredentialValidator } from './validation/credential-validator';
import { createWebhook, type Webhook, type WebhookDependencies } from './webhook';

/** Most AWS calls one request keeps in flight: binding 10 plans takes one round trip at most. */
export const MAX_PARALLEL_AWS_CALLS = 10;

/** The adapters behind the ports. */
export interface Backend {
  readonly apiKeys: ApiKeyIssuer;
  /** Absent when the deployment issues no client credentials. */
  readonly clients: ClientIssuer | undefined;
  readonly basicCredentials: BasicCredentialsSource;
  /** validateCredentials' callers, never the Portal; absent, that endpoint does not exist. */
  readonly validatorCredentials: BasicCredentialsSource | undefined;
  /** Verifies presented access tokens; absent when the deployment issues no client credentials. */
  readonly tokenVerifier: TokenVerifier | undefined;
  /**
   * The credential ledger, which also holds the app records of idempotent create, and is read by
   * what a credential carries to validate it.
   */
  readonly ledger: CredentialLedger & CredentialLookup;
}

/**
 * Outside a request with a deadline, how long a claim holds: longer than the Lambda timeout
 * (25 s). Within one, a claim holds only while its request may still act.
 */
const CLAIM_LEASE_SECONDS = 30;

/** The log line for a resource a failed request could not remove: ids only. */
export function logLeftover(logger: Logger, leftover: Leftover, error: unknown): void {
  const what = leftover.kind === 'API_KEY' ? 'API key' : 'app client';
  const ids = {
    ledgerId: leftover.ledgerId,
    ...(leftover.credentialId !== undefined && { credentialId: leftover.credentialId }),
    error: String(error),
  };
  switch (leftover.status) {
    case 'exists':
      logger.error(`orphaned ${what}: the reconciler will remove it`, ids);
      break;
    case 'unknown':
      logger.error(
        `${what} may be orphaned (its removal and the check failed): the reconciler will remove it if it exists`,
        ids,
      );
      break;
    case 'may-exist':
      logger.warn(`${what} create got no answer: the reconciler will remove the ${what} if it was made`, ids);
      break;
  }
}

/** The HTTP layer's limits, when a caller needs other than the defaults (tests of the limits). */
export type HttpLimits = Pick<WebhookDependencies, 'maxBodyBytes' | 'awsBudgetMs'>;

export function composeWebhook(
  config: WebhookConfig,
  backend: Backend,
  logger: Logger,
  metrics?: Metrics,
  limits: HttpLimits = {},
): Webhook {
  const onLeftover = (leftover: Leftover, error: unknown) => logLeftover(logger, leftover, error);
  const apiKeys = new ApiKeyService(backend.apiKeys, backend.ledger, {
    allowedUsagePlanIds: config.allowedUsagePlanIds,
    maxParallelCalls: MAX_PARALLEL_AWS_CALLS,
    onLeftover,
  });
  const validatorCredentials = backend.validatorCredentials;
  return createWebhook({
    authenticator: new BasicAuthenticator(backend.basicCredentials),
    validation:
      validatorCredentials === undefined
        ? undefined
        : {
            authenticator: new BasicAuthenticator(validatorCredentials),
            validator: new LedgerCredentialValidator({
              ledger: backend.ledger,
              tokens: backend.tokenVerifier,
              ...(config.validatorCacheSeconds !== undefined && {
                cacheSeconds: config.validatorCacheSeconds,
              }),
            }),
          },
    credentials: new IdempotentCredentials(
      new CredentialService(
        config,
        apiKeys,
        backend.clients === undefined || config.clientCredentials === undefined
          ? undefined
          : new ClientCredentialsService(backend.clients, backend.ledger, config.clientCredentials, {
              onLeftover,
            }),
      ),
      backend.ledger,
      {
        windowSeconds: config.idempotency.windowSeconds,
        leaseSeconds: CLAIM_LEASE_SECONDS,
        onRecordFailure: (error) =>
          logger.error('could not record an issued credential', { error: String(error) }),
        onReleaseFailure: (error) =>
          logger.warn('could not release a create claim: repeats get 409 until its lease ends', {
            error: String(error),
          }),
      },
    ),
    logger,
    metrics,
    ...limits,
  });
}
