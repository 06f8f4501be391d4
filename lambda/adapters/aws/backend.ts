/**
 * The AWS backend: the SDK adapters behind every port. Kept out of compose.ts so that wiring ports
 * to a backend imports no SDK types, and the Lambda bundle carries only what it runs.
 */
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Backend } from '../../compose';
import { ConfigError, type WebhookConfig } from '../../config';
import type { BasicCredentialsSource } from '../../credentials/ports';
import { StaticCredentials } from '../static-credentials';
import { ApiGatewayKeyIssuer } from './api-gateway-key-issuer';
import { CognitoClientIssuer } from './cognito-client-issuer';
import { DynamoDbLedger } from './dynamodb-ledger';
import { SecretsManagerCredentials } from './secrets-manager-credentials';

/** Factories rather than clients: a deployment builds only the clients its configuration uses. */
export interface AwsClients {
  readonly apiGateway: () => APIGatewayClient;
  readonly cognito: () => CognitoIdentityProviderClient;
  readonly secretsManager: () => SecretsManagerClient;
  readonly dynamoDb: () => DynamoDBClient;
}

/** Basic credentials: from Secrets Manager when configured, else from the environment. */
export function credentialsSource(
  config: WebhookConfig,
  secretsManager: () => SecretsManagerClient,
): BasicCredentialsSource {
  return config.auth.source === 'secrets-manager'
    ? new SecretsManagerCredentials(secretsManager(), config.auth.secretId, config.auth.cacheTtlSeconds)
    : new StaticCredentials(config.auth.username, config.auth.password);
}

/** Every port but the ledger on AWS: for a caller that chooses its own ledger, and says so. */
export function awsAdaptersWithoutLedger(
  config: WebhookConfig,
  clients: AwsClients,
): Omit<Backend, 'ledger'> {
  const pool = config.clientCredentials;
  return {
    apiKeys: new ApiGatewayKeyIssuer(clients.apiGateway()),
    clients: pool === undefined ? undefined : new CognitoClientIssuer(clients.cognito(), pool.userPoolId),
    basicCredentials: credentialsSource(config, clients.secretsManager),
  };
}

/**
 * Every port on AWS, the ledger in DynamoDB. There is no silent in-memory fallback: a ledger that
 * forgot on every cold start would let a retry issue a second credential and hide what was issued.
 */
export function awsBackend(config: WebhookConfig, clients: AwsClients): Backend {
  const { tableName, instance } = config.ledger;
  if (tableName === undefined) throw new ConfigError('LEDGER_TABLE', 'is required for the AWS backend');
  return {
    ...awsAdaptersWithoutLedger(config, clients),
    ledger: new DynamoDbLedger(clients.dynamoDb(), tableName, instance),
  };
}
