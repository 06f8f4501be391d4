/**
 * `npm start`: the webhook on http://127.0.0.1:$PORT with an in-process backend, so it can be tried
 * with no AWS account. Setting AWS_REGION (real AWS) or AWS_ENDPOINT_URL (an emulator) switches to
 * the AWS SDK adapters: configuration, not a code change.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { awsAdaptersWithoutLedger, awsBackend } from '../adapters/aws/backend';
import {
  apiGatewayClient,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from '../adapters/aws/clients';
import { localBackend } from '../adapters/local/backend';
import { InMemoryLedger } from '../adapters/local/in-memory-ledger';
import { randomToken } from '../adapters/random';
import { type Backend, composeWebhook } from '../compose';
import { loadConfig, loadLocalServerConfig, type WebhookConfig } from '../config';
import { UnavailableError } from '../errors';
import { errorResponse } from '../http/responses';
import type { Webhook } from '../webhook';
import { startServer } from './server';
import { withLocalTokenEndpoint } from './token-endpoint';

const LEDGER_IN_MEMORY = 'ledger: in memory (set LEDGER_TABLE to keep it in DynamoDB)';

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env };
  const generatedPassword = env.WEBHOOK_SECRET_ARN === undefined && env.WEBHOOK_PASSWORD === undefined;
  if (env.WEBHOOK_SECRET_ARN === undefined) {
    env.WEBHOOK_USERNAME ??= 'portal';
    env.WEBHOOK_PASSWORD ??= randomToken(24);
  }
  env.ALLOWED_USAGE_PLAN_IDS ??= '*';
  const { host, port, awsRegion } = loadLocalServerConfig(env);
  // Listen first: the token URL handed to developers carries the real port (PORT=0 picks one).
  let served: Webhook | undefined;
  const running = await startServer(
    (event) => served?.(event) ?? Promise.resolve(errorResponse(new UnavailableError('Starting; retry.', 1))),
    { host, port },
  );
  // Client credentials work locally with no configuration: an in-process pool and its token endpoint.
  env.USER_POOL_ID ??= 'local_LocalPool';
  env.TOKEN_URL ??= `${running.url}/oauth2/token`;
  if (env.API_SCOPES === undefined) env.DEFAULT_SCOPES ??= 'local-api/read local-api/write';
  let config: WebhookConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    await running.close();
    throw error;
  }

  const useAws = awsRegion !== undefined;
  // The region goes to each client rather than into process.env: the settings stay as given.
  const clientOptions = { region: awsRegion };
  const clients = {
    apiGateway: () => apiGatewayClient(clientOptions),
    cognito: () => cognitoClient(clientOptions),
    secretsManager: () => secretsManagerClient(clientOptions),
    dynamoDb: () => dynamoDbClient(clientOptions),
  };
  // The AWS backend never keeps its ledger in memory by itself; a local run without a table may,
  // but says so, since a restart forgets every credential issued.
  const ledgerInMemory = useAws && config.ledger.tableName === undefined;
  const backend: Backend = !useAws
    ? localBackend(config)
    : ledgerInMemory
      ? { ...awsAdaptersWithoutLedger(config, clients), ledger: new InMemoryLedger(config.ledger.instance) }
      : awsBackend(config, clients);
  const webhook = composeWebhook(config, backend, new Logger({ serviceName: 'credential-webhook' }));
  // With the in-process pool, the token URL given to developers answers too.
  served =
    !useAws && backend.clients !== undefined && config.clientCredentials !== undefined
      ? withLocalTokenEndpoint(
          webhook,
          backend.clients,
          config.clientCredentials.accessTokenValidityMinutes * 60,
        )
      : webhook;

  console.log(
    `Credential webhook listening on ${running.url} (backend: ${useAws ? 'AWS SDK' : 'in-process'})`,
  );
  if (ledgerInMemory) console.log(LEDGER_IN_MEMORY);
  if (config.auth.source === 'static') {
    const { username, password } = config.auth;
    console.log(`Basic auth username: ${username}`);
    // A password the user chose is theirs to know; printing it would only copy it into terminals,
    // scrollback and CI logs. Only a generated one, which nobody else knows, is shown.
    const userPass = generatedPassword ? `'${username}:${password}'` : `"${username}:$WEBHOOK_PASSWORD"`;
    console.log(
      generatedPassword
        ? `Basic auth password: ${password} (generated; set WEBHOOK_PASSWORD to choose)`
        : 'Basic auth password: the one in WEBHOOK_PASSWORD (not printed)',
    );
    console.log('Try:');
    console.log(
      `  curl -s -u ${userPass} -H 'Content-Type: application/json' ${running.url}/v1/createCredentials \\\n` +
        `    -d '{"appName":"my app","appSlug":"my-app","developer":"dev@example.com","apis":[{"id":"a1b2c3d4e5","usagePlans":[{"id":"plan1"}]}]}'`,
    );
  }
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
