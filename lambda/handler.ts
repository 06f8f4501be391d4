/**
 * Lambda entry point (API Gateway REST proxy integration). Configuration, SDK clients and the
 * webhook are built once per container, at cold start, and reused by warm invocations.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { awsBackend } from './adapters/aws/backend';
import {
  apiGatewayClient,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from './adapters/aws/clients';
import { composeWebhook } from './compose';
import { loadConfig } from './config';

const logger = new Logger({ serviceName: 'credential-webhook' });
const metrics = new Metrics({ namespace: 'CredentialWebhook', serviceName: 'credential-webhook' });
const config = loadConfig(process.env, { deployed: true });
const webhook = composeWebhook(
  config,
  awsBackend(config, {
    apiGateway: apiGatewayClient,
    cognito: cognitoClient,
    secretsManager: secretsManagerClient,
    dynamoDb: dynamoDbClient,
  }),
  logger,
  metrics,
);

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  // The AWS budget follows the function's own timeout, whatever it is set to.
  return webhook(event, { remainingMs: context.getRemainingTimeInMillis() });
}
