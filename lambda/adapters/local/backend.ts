/**
 * The in-process backend of `npm start`: stand-ins for API Gateway, Cognito and DynamoDB, so the
 * webhook runs with no AWS account. Kept out of compose.ts so the Lambda bundle does not carry it.
 */
import type { Backend } from '../../compose';
import type { AuthConfig, WebhookConfig } from '../../config';
import type { BasicCredentialsSource, TokenVerifier } from '../../credentials/ports';
import { StaticCredentials } from '../static-credentials';
import { InMemoryApiKeys } from './in-memory-api-keys';
import { InMemoryClients } from './in-memory-clients';
import { InMemoryLedger } from './in-memory-ledger';

function staticCredentials(auth: AuthConfig, variable: string): BasicCredentialsSource {
  if (auth.source === 'secrets-manager') {
    throw new Error(`${variable} needs the AWS backend; set AWS_REGION or AWS_ENDPOINT_URL`);
  }
  return new StaticCredentials(auth.username, auth.password);
}

export interface LocalBackendOptions {
  /**
   * What verifies access tokens for validateCredentials: the local token endpoint's keys under
   * npm start. Without one, no access token is valid.
   */
  readonly tokenVerifier?: TokenVerifier | undefined;
}

export function localBackend(config: WebhookConfig, options: LocalBackendOptions = {}): Backend {
  return {
    apiKeys: new InMemoryApiKeys(config.allowedUsagePlanIds),
    clients: config.clientCredentials === undefined ? undefined : new InMemoryClients(),
    basicCredentials: staticCredentials(config.auth, 'WEBHOOK_SECRET_ARN'),
    validatorCredentials:
      config.validatorAuth === undefined
        ? undefined
        : staticCredentials(config.validatorAuth, 'VALIDATOR_SECRET_ARN'),
    tokenVerifier: options.tokenVerifier,
    ledger: new InMemoryLedger(config.ledger.instance),
  };
}
