/**
 * The in-process backend of `npm start`: stand-ins for API Gateway, Cognito and DynamoDB, so the
 * webhook runs with no AWS account. Kept out of compose.ts so the Lambda bundle does not carry it.
 */
import type { Backend } from '../../compose';
import type { WebhookConfig } from '../../config';
import type { BasicCredentialsSource } from '../../credentials/ports';
import { StaticCredentials } from '../static-credentials';
import { InMemoryApiKeys } from './in-memory-api-keys';
import { InMemoryClients } from './in-memory-clients';
import { InMemoryLedger } from './in-memory-ledger';

function basicCredentials(config: WebhookConfig): BasicCredentialsSource {
  if (config.auth.source === 'secrets-manager') {
    throw new Error('WEBHOOK_SECRET_ARN needs the AWS backend; set AWS_REGION or AWS_ENDPOINT_URL');
  }
  return new StaticCredentials(config.auth.username, config.auth.password);
}

export function localBackend(config: WebhookConfig): Backend {
  return {
    apiKeys: new InMemoryApiKeys(config.allowedUsagePlanIds),
    clients: config.clientCredentials === undefined ? undefined : new InMemoryClients(),
    basicCredentials: basicCredentials(config),
    ledger: new InMemoryLedger(config.ledger.instance),
  };
}
