/**
 * Default AWS SDK clients, built once per container and shared by warm invocations.
 * Region, credentials and endpoint (AWS_ENDPOINT_URL, for an emulator) come from the SDK's own
 * environment variables. Adaptive retries back off when AWS throttles (control planes allow only a
 * few calls per second); timeouts keep a hung call well under API Gateway's 29 s limit.
 */
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

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
    requestHandler: { connectionTimeout: 1_000, requestTimeout: options.requestTimeoutMs ?? 5_000 },
  };
}

export const apiGatewayClient = (options?: ClientOptions): APIGatewayClient =>
  new APIGatewayClient(sdkConfig(options));

export const secretsManagerClient = (options?: ClientOptions): SecretsManagerClient =>
  new SecretsManagerClient(sdkConfig(options));

export const cognitoClient = (options?: ClientOptions): CognitoIdentityProviderClient =>
  new CognitoIdentityProviderClient(sdkConfig(options));
