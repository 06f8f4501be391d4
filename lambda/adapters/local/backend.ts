/**
 * The in-process backend of `npm start`: stand-ins for API Gateway, Cognito and DynamoDB, so the
 * webhook runs with no AWS account. Kept out of compose.ts so the Lambda bundle does not carry it.
 */
import { InMemoryApiKeys } from '../adapters/local/in-memory-api-keys';
import { InMemoryClients } from '../adapters/local/in-memory-clients';
import { InMemoryLedger } from '../adapters/local/in-memory-ledger';
import { type Backend, credentialsSource } from '../compose';
import type { WebhookConfig } from '../config';

export function localBackend(config: WebhookConfig): Backend {
  return {
    apiKeys: new InMemoryApiKeys(config.allowedUsagePlanIds),
    clients: config.clientCredentials === undefined ? undefined : new InMemoryClients(),
    basicCredentials: credentialsSource(config, () => {
      throw new Error('WEBHOOK_SECRET_ARN needs the AWS backend; set AWS_REGION or AWS_ENDPOINT_URL');
    }),
    ledger: new InMemoryLedger(config.ledger.instance),
  };
}
