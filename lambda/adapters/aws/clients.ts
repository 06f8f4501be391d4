/**
 * Default AWS SDK clients, built once per container and shared by warm invocations.
 * Region, credentials and endpoint (AWS_ENDPOINT_URL, for an emulator) come from the SDK's own
 * environment variables. Adaptive retries back off when AWS throttles (control planes allow only a
 * few calls per second). Each attempt has a 3 s timeout and no attempt starts after the request's
 * deadline (../../deadline.ts), so a hung dependency ends well under API Gateway's 29 s limit.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FinalizeRequestMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { ATTEMPT_TIMEOUT_MS, DeadlineExceededError, remainingMs } from '../../deadline';
import { retryOnlyThrottling } from './errors';
import { nodeStreamCollector } from './node-stream-collector';

export interface ClientOptions {
  /** An endpoint to use instead of AWS (tests point this at the emulator). */
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly maxAttempts?: number;
  readonly requestTimeoutMs?: number;
}

export function sdkConfig(options: ClientOptions = {}) {
  return {
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.region !== undefined && { region: options.region }),
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? 3,
    streamCollector: nodeStreamCollector,
    // Without throwOnRequestTimeout the handler only logs a warning when the timeout passes.
    requestHandler: {
      connectionTimeout: 1_000,
      requestTimeout: options.requestTimeoutMs ?? ATTEMPT_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
}

/** Refuses to start an attempt (first or retry) once the request's deadline has passed. */
const deadlineMiddleware: FinalizeRequestMiddleware<object, MetadataBearer> = (next) => async (args) => {
  if (remainingMs() <= 0) throw new DeadlineExceededError();
  return next(args);
};

/** Runs inside the retry loop (after the retry middleware), so it sees every attempt. */
function withDeadlineCheck<Client extends { middlewareStack: MiddlewareStack<object, MetadataBearer> }>(
  client: Client,
): Client {
  client.middlewareStack.add(deadlineMiddleware, {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'requestDeadline',
  });
  return client;
}

export const apiGatewayClient = (options?: ClientOptions): APIGatewayClient =>
  withDeadlineCheck(new APIGatewayClient(sdkConfig(options)));

export const secretsManagerClient = (options?: ClientOptions): SecretsManagerClient =>
  withDeadlineCheck(new SecretsManagerClient(sdkConfig(options)));

/** Creates that cannot be found again by what they were given: a lost answer must not be retried. */
const CREATES_NOT_RETRIED = new Set(['CreateUserPoolClientCommand']);

export const cognitoClient = (options?: ClientOptions): CognitoIdentityProviderClient => {
  const client = withDeadlineCheck(new CognitoIdentityProviderClient(sdkConfig(options)));
  client.middlewareStack.add(retryOnlyThrottling(CREATES_NOT_RETRIED), {
    step: 'finalizeRequest',
    priority: 'low',
    name: 'retryCreatesOnlyWhenThrottled',
  });
  return client;
};

export const dynamoDbClient = (options?: ClientOptions): DynamoDBClient =>
  withDeadlineCheck(new DynamoDBClient(sdkConfig(options)));
