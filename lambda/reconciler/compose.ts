/** Wires the reconciler to AWS: the ledger table, and the inventories of what the deployment issues. */
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiGatewayKeyInventory } from '../adapters/aws/api-gateway-key-inventory';
import { CognitoClientInventory } from '../adapters/aws/cognito-client-inventory';
import { DynamoDbLedger } from '../adapters/aws/dynamodb-ledger';
import type { ReconcilerConfig } from '../config';
import { Reconciler, type ReconcilerOptions } from './reconciler';

export interface ReconcilerClients {
  readonly apiGateway: () => APIGatewayClient;
  readonly cognito: () => CognitoIdentityProviderClient;
  readonly dynamoDb: () => DynamoDBClient;
}

export function composeReconciler(
  config: ReconcilerConfig,
  clients: ReconcilerClients,
  options: Omit<ReconcilerOptions, 'allowedUsagePlanIds' | 'graceSeconds'> & { graceSeconds?: number } = {},
): Reconciler {
  return new Reconciler(
    new DynamoDbLedger(clients.dynamoDb(), config.ledger.tableName, config.ledger.instance),
    config.allowedUsagePlanIds === undefined ? undefined : new ApiGatewayKeyInventory(clients.apiGateway()),
    config.userPoolId === undefined
      ? undefined
      : new CognitoClientInventory(clients.cognito(), config.userPoolId),
    {
      ...options,
      graceSeconds: options.graceSeconds ?? config.graceSeconds,
      allowedUsagePlanIds: config.allowedUsagePlanIds,
    },
  );
}
