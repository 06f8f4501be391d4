/**
 * Lambda entry point (API Gateway REST proxy integration). Configuration, SDK clients and the
 * webhook are built once per container, at cold start, and reused by warm invocations; `prime`
 * is the init phase's own work.
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
import { withDeadline } from './deadline';

const logger = new Logger({ serviceName: 'credential-webhook' });
const metrics = new Metrics({ namespace: 'CredentialWebhook', serviceName: 'credential-webhook' });
const config = loadConfig(process.env, { deployed: true });
const backend = awsBackend(config, {
  apiGateway: apiGatewayClient,
  cognito: cognitoClient,
  secretsManager: secretsManagerClient,
  dynamoDb: dynamoDbClient,
});
const webhook = composeWebhook(config, backend, logger, metrics);

/** How long init may spend fetching the secret before AWS calls stop (one attempt then still ends). */
export const PRIME_BUDGET_MS = 2_000;

/**
 * Init-phase work, awaited by the launcher (lambda/launch.mts) before the handler is exported:
 * fetches the Portal's Basic-auth secret into the cache every request reads it from, so the first
 * request does not. Every Portal call needs it, and Lambda runs init on a full vCPU. It never
 * rejects: if the fetch fails, the first request fetches the secret itself and answers as it
 * always would.
 */
export async function prime(): Promise<void> {
  try {
    await withDeadline(PRIME_BUDGET_MS, () => backend.basicCredentials.get());
  } catch (error) {
    // Names only: what failed, and what AWS answered.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined;
    logger.warn('init: the Basic-auth secret was not fetched; the first request will fetch it', {
      error: error instanceof Error ? error.name : String(error),
      ...(cause !== undefined && { cause }),
    });
  }
}

export async function handler(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  logger.addContext(context);
  // The AWS budget follows the function's own timeout, whatever it is set to.
  return webhook(event, { remainingMs: context.getRemainingTimeInMillis() });
}
