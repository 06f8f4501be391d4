/**
 * Wires configuration, ports and the HTTP layer into a webhook. The Lambda entry and the local
 * server both go through here, so they run the same code with different adapters.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ApiGatewayKeyIssuer } from './adapters/aws/api-gateway-key-issuer';
import { CognitoClientIssuer } from './adapters/aws/cognito-client-issuer';
import { DynamoDbLedger } from './adapters/aws/dynamodb-ledger';
import { SecretsManagerCredentials } from './adapters/aws/secrets-manager-credentials';
import { InMemoryLedger } from './adapters/local/in-memory-ledger';
import { StaticCredentials } from './adapters/local/static-credentials';
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
} from './credentials/ports';
import type { Leftover } from './credentials/recording';
import { BasicAuthenticator } from './http/auth';
import { createWebhook, type Webhook } from './webhook';

/** Most AWS calls one request keeps in flight: binding 10 plans takes one round trip at most. */
export const MAX_PARALLEL_AWS_CALLS = 10;

/** The adapters behind the ports. */
export interface Backend {
  readonly apiKeys: ApiKeyIssuer;
  /** Absent when the deployment issues no client credentials. */
  readonly clients: ClientIssuer | undefined;
  readonly basicCredentials: BasicCredentialsSource;
  /** The credential ledger, which also holds the app records of idempotent create. */
  readonly ledger: CredentialLedger;
}

/** Factories rather than clients: a deployment builds only the clients its configuration uses. */
export interface AwsClients {
  readonly apiGateway: () => APIGatewayClient;
  readonly cognito: () => CognitoIdentityProviderClient;
  readonly secretsManager: () => SecretsManagerClient;
  readonly dynamoDb: () => DynamoDBClient;
}

/**
 * Outside a request with a deadline, how long a claim holds: longer than the Lambda timeout
 * (25 s). Within one, a claim holds only while its request may still act.
 */
const CLAIM_LEASE_SECONDS = 30;

/** Basic credentials: from Secrets Manager when configured, else from the environment. */
export function credentialsSource(
  config: WebhookConfig,
  secretsManager: () => SecretsManagerClient,
): BasicCredentialsSource {
  return config.auth.source === 'secrets-manager'
    ? new SecretsManagerCredentials(secretsManager(), config.auth.secretId, config.auth.cacheTtlSeconds)
    : new StaticCredentials(config.auth.username, config.auth.password);
}

export function awsBackend(config: WebhookConfig, clients: AwsClients): Backend {
  const pool = config.clientCredentials;
  return {
    apiKeys: new ApiGatewayKeyIssuer(clients.apiGateway()),
    clients: pool === undefined ? undefined : new CognitoClientIssuer(clients.cognito(), pool.userPoolId),
    basicCredentials: credentialsSource(config, clients.secretsManager),
    ledger:
      config.ledger.tableName === undefined
        ? new InMemoryLedger(config.ledger.instance)
        : new DynamoDbLedger(clients.dynamoDb(), config.ledger.tableName, config.ledger.instance),
  };
}

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

export function composeWebhook(
  config: WebhookConfig,
  backend: Backend,
  logger: Logger,
  metrics?: Metrics,
): Webhook {
  const onLeftover = (leftover: Leftover, error: unknown) => logLeftover(logger, leftover, error);
  const apiKeys = new ApiKeyService(backend.apiKeys, backend.ledger, {
    allowedUsagePlanIds: config.allowedUsagePlanIds,
    maxParallelCalls: MAX_PARALLEL_AWS_CALLS,
    onLeftover,
  });
  return createWebhook({
    authenticator: new BasicAuthenticator(backend.basicCredentials),
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
  });
}
