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
import { DynamoDbIdempotencyStore } from './adapters/aws/dynamodb-idempotency-store';
import { SecretsManagerCredentials } from './adapters/aws/secrets-manager-credentials';
import { InMemoryIdempotencyStore } from './adapters/local/in-memory-idempotency-store';
import { StaticCredentials } from './adapters/local/static-credentials';
import type { WebhookConfig } from './config';
import { ApiKeyService } from './credentials/api-key-service';
import { ClientCredentialsService } from './credentials/client-credentials-service';
import { CredentialService } from './credentials/credential-service';
import { type IdempotencyStore, IdempotentCredentials } from './credentials/idempotency';
import type { ApiKeyIssuer, BasicCredentialsSource, ClientIssuer } from './credentials/ports';
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
  readonly idempotency: IdempotencyStore;
}

/** Factories rather than clients: a deployment builds only the clients its configuration uses. */
export interface AwsClients {
  readonly apiGateway: () => APIGatewayClient;
  readonly cognito: () => CognitoIdentityProviderClient;
  readonly secretsManager: () => SecretsManagerClient;
  readonly dynamoDb: () => DynamoDBClient;
}

/** Longer than the Lambda timeout (25 s): a create still running is never mistaken for a dead one. */
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
    idempotency:
      config.idempotency.tableName === undefined
        ? new InMemoryIdempotencyStore()
        : new DynamoDbIdempotencyStore(clients.dynamoDb(), config.idempotency.tableName),
  };
}

export function composeWebhook(
  config: WebhookConfig,
  backend: Backend,
  logger: Logger,
  metrics?: Metrics,
): Webhook {
  const apiKeys = new ApiKeyService(backend.apiKeys, {
    allowedUsagePlanIds: config.allowedUsagePlanIds,
    maxParallelCalls: MAX_PARALLEL_AWS_CALLS,
    onOrphan: (keyId, error) =>
      logger.error('orphaned API key: delete it by hand', { apiKeyId: keyId, error: String(error) }),
  });
  return createWebhook({
    authenticator: new BasicAuthenticator(backend.basicCredentials),
    credentials: new IdempotentCredentials(
      new CredentialService(
        config,
        apiKeys,
        backend.clients === undefined || config.clientCredentials === undefined
          ? undefined
          : new ClientCredentialsService(backend.clients, config.clientCredentials),
      ),
      backend.idempotency,
      {
        windowSeconds: config.idempotency.windowSeconds,
        leaseSeconds: CLAIM_LEASE_SECONDS,
        onRecordFailure: (error) =>
          logger.error('could not record an issued credential', { error: String(error) }),
      },
    ),
    logger,
    metrics,
  });
}
