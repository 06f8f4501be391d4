/**
 * The AWS backend: the SDK adapters behind every port. Kept out of compose.ts so that wiring ports
 * to a backend imports no SDK types, and the Lambda bundle carries only what it runs.
 */
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Backend } from '../../compose';
import { type AuthConfig, ConfigError, type WebhookConfig } from '../../config';
import type { BasicCredentialsSource } from '../../credentials/ports';
import { StaticCredentials } from '../static-credentials';
import { ApiGatewayKeyIssuer } from './api-gateway-key-issuer';
import { CognitoClientIssuer } from './cognito-client-issuer';
import { CognitoTokenVerifier } from './cognito-token-verifier';
import { DynamoDbLedger } from './dynamodb-ledger';
import { SecretsManagerCredentials } from './secrets-manager-credentials';

/** Factories rather than clients: a deployment builds only the clients its configuration uses. */
export interface AwsClients {
  readonly apiGateway: () => APIGatewayClient;
  readonly cognito: () => CognitoIdentityProviderClient;
  readonly secretsManager: () => SecretsManagerClient;
  readonly dynamoDb: () => DynamoDBClient;
}

function authSource(auth: AuthConfig, secretsManager: () => SecretsManagerClient): BasicCredentialsSource {
  return auth.source === 'secrets-manager'
    ? new SecretsManagerCredentials(secretsManager(), auth.secretId, auth.cacheTtlSeconds)
    : new StaticCredentials(auth.username, auth.password);
}

/** Basic credentials: from Secrets Manager when configured, else from the environment. */
export function credentialsSource(
  config: WebhookConfig,
  secretsManager: () => SecretsManagerClient,
): BasicCredentialsSource {
  return authSource(config.auth, secretsManager);
}

/** One Secrets Manager client for both secrets, built only if one of them needs it. */
function sharedClient(factory: () => SecretsManagerClient): () => SecretsManagerClient {
  let client: SecretsManagerClient | undefined;
  return () => {
    client ??= factory();
    return client;
  };
}

/** Every port but the ledger on AWS: for a caller that chooses its own ledger, and says so. */
export function awsAdaptersWithoutLedger(
  config: WebhookConfig,
  clients: AwsClients,
): Omit<Backend, 'ledger'> {
  const pool = config.clientCredentials;
  const secretsManager = sharedClient(clients.secretsManager);
  return {
    apiKeys: new ApiGatewayKeyIssuer(clients.apiGateway()),
    clients: pool === undefined ? undefined : new CognitoClientIssuer(clients.cognito(), pool.userPoolId),
    basicCredentials: credentialsSource(config, secretsManager),
    validatorCredentials:
      config.validatorAuth === undefined ? undefined : authSource(config.validatorAuth, secretsManager),
    // Tokens are verified offline against the pool's published keys: no SDK client is needed.
    tokenVerifier: pool === undefined ? undefined : new CognitoTokenVerifier(pool.userPoolId),
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
