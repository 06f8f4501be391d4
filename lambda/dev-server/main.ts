/**
 * `npm start`: the webhook on http://127.0.0.1:$PORT with an in-process backend, so it can be tried
 * with no AWS account. Setting AWS_REGION (real AWS) or AWS_ENDPOINT_URL (an emulator) switches to
 * the AWS SDK adapters: configuration, not a code change.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import {
  apiGatewayClient,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from '../adapters/aws/clients';
import { randomToken } from '../adapters/random';
import { awsBackend, composeWebhook } from '../compose';
import { ConfigError, loadConfig, type WebhookConfig } from '../config';
import { UnavailableError } from '../errors';
import { errorResponse } from '../http/responses';
import type { Webhook } from '../webhook';
import { localBackend } from './backend';
import { startServer } from './server';
import { withLocalTokenEndpoint } from './token-endpoint';

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env };
  const generatedPassword = env.WEBHOOK_SECRET_ARN === undefined && env.WEBHOOK_PASSWORD === undefined;
  if (env.WEBHOOK_SECRET_ARN === undefined) {
    env.WEBHOOK_USERNAME ??= 'portal';
    env.WEBHOOK_PASSWORD ??= randomToken(24);
  }
  env.ALLOWED_USAGE_PLAN_IDS ??= '*';
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('PORT', 'must be a port number');
  }
  const host = env.HOST ?? '127.0.0.1';
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

  const useAws = Boolean(env.AWS_ENDPOINT_URL || env.AWS_REGION);
  if (useAws && !env.AWS_REGION) process.env.AWS_REGION = 'us-east-1';
  const backend = useAws
    ? awsBackend(config, {
        apiGateway: apiGatewayClient,
        cognito: cognitoClient,
        secretsManager: secretsManagerClient,
        dynamoDb: dynamoDbClient,
      })
    : localBackend(config);
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
