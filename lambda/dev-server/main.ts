/**
 * `npm start`: the webhook on http://127.0.0.1:$PORT with an in-process backend, so it can be tried
 * with no AWS account. Setting AWS_REGION (real AWS) or AWS_ENDPOINT_URL (an emulator) switches to
 * the AWS SDK adapters: configuration, not a code change. It prints what a first run needs: the URL,
 * the kind of credential issued, the Basic credentials (the Portal's and validateCredentials') and
 * curl commands that work as pasted.
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
import { LocalTokenKeys } from '../adapters/local/local-token-keys';
import { randomToken } from '../adapters/random';
import { type Backend, composeWebhook } from '../compose';
import { loadConfig, loadLocalServerConfig, type WebhookConfig } from '../config';
import { UnavailableError } from '../errors';
import { errorResponse } from '../http/responses';
import type { CredentialType } from '../schemas';
import type { Webhook } from '../webhook';
import { PortInUseError, startServer } from './server';
import { LOCAL_TOKEN_PATH, withLocalTokenEndpoint } from './token-endpoint';

const LEDGER_IN_MEMORY = 'ledger: in memory (set LEDGER_TABLE to keep it in DynamoDB)';

const KIND_NAMES: Record<CredentialType, string> = {
  API_KEY: 'API keys',
  CLIENT_CREDENTIALS: 'client credentials',
};

const otherKind = (kind: CredentialType): CredentialType =>
  kind === 'API_KEY' ? 'CLIENT_CREDENTIALS' : 'API_KEY';

/** The APIs configured (API_CREDENTIAL_TYPES) for a kind other than the default. */
function apisOverriddenTo(config: WebhookConfig, kind: CredentialType): string[] {
  if (kind === config.defaultCredentialType) return [];
  return [...config.credentialTypeByApi].filter(([, type]) => type === kind).map(([api]) => api);
}

/** Which kind of credential each API gets, in a line. */
function describeKinds(config: WebhookConfig): string {
  const kind = config.defaultCredentialType;
  const others = apisOverriddenTo(config, otherKind(kind));
  if (others.length > 0) {
    return `${KIND_NAMES[kind]}; ${KIND_NAMES[otherKind(kind)]} for API${others.length > 1 ? 's' : ''} ${others.join(', ')}`;
  }
  return kind === 'API_KEY'
    ? 'API keys for every API (DEFAULT_CREDENTIAL_TYPE=CLIENT_CREDENTIALS issues client credentials)'
    : 'client credentials for every API';
}

/** An API id the deployment issues the default kind for. */
function defaultKindApi(config: WebhookConfig): string {
  const kind = config.defaultCredentialType;
  for (let n = 0; ; n++) {
    const api = n === 0 ? 'a1b2c3d4e5' : `a1b2c3d4e5${n}`;
    if ((config.credentialTypeByApi.get(api) ?? kind) === kind) return api;
  }
}

/** Quotes a value for a POSIX shell, so that a printed command pastes as shown. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

/**
 * The credential's `clientId:clientSecret`, cut out of the JSON in a shell variable with sed:
 * nothing beyond curl and a POSIX shell is needed to paste the commands.
 */
const clientAuth = (variable: string): string =>
  `"$(echo "$${variable}" | sed -E 's/.*"clientId":"([^"]*)","clientSecret":"([^"]*)".*/\\1:\\2/')"`;

/**
 * A validateCredentials body, `{"<field>":"<value>"}`, the value cut out of the JSON in a shell
 * variable (an API key and a JWT hold no character JSON or the shell would need escaped).
 */
const validateBody = (field: 'apiKey' | 'accessToken', variable: string, jsonField: string): string =>
  `"{\\"${field}\\":\\"$(echo "$${variable}" | sed -E 's/.*"${jsonField}":"([^"]*)".*/\\1/')\\"}"`;

/**
 * Commands to paste, in order: create (the answer kept in $CRED, as the Portal keeps it), a token
 * for a client, a validation of the credential (with the validator's credentials), update and
 * revoke (sent what create returned, as the Portal does), health. The labels are lines of their
 * own, not `#` comments, which an interactive zsh would try to run.
 */
function tryIt(options: {
  readonly url: string;
  readonly auth: string;
  /** The validator's `-u` argument; undefined when its credentials are in a secret. */
  readonly validatorAuth: string | undefined;
  readonly config: WebhookConfig;
  readonly tokenUrl: string | undefined;
}): string[] {
  const { url, auth, validatorAuth, config, tokenUrl } = options;
  const curl = `curl -s -u ${auth}`;
  const post = (path: string) => `${curl} -H 'Content-Type: application/json' ${url}${path}`;
  const validate = (field: 'apiKey' | 'accessToken', variable: string, jsonField: string, what: string) =>
    validatorAuth === undefined
      ? []
      : [
          `validate (200, valid: ${what}, with the validator's credentials):`,
          `  curl -s -u ${validatorAuth} -w '\\n' -H 'Content-Type: application/json' ${url}/v1/validateCredentials \\`,
          `    -d ${validateBody(field, variable, jsonField)}`,
        ];
  const status = `-w '%{http_code}\\n'`;
  const kind = config.defaultCredentialType;
  const api = defaultKindApi(config);
  const plans = config.allowedUsagePlanIds === 'any' ? ['plan1', 'plan2'] : [...config.allowedUsagePlanIds];
  const plan = (index: number) => `{"id":"${plans[index] ?? plans[0] ?? 'plan1'}"}`;
  const apis = (index: number) =>
    kind === 'API_KEY' ? `[{"id":"${api}","usagePlans":[${plan(index)}]}]` : `[{"id":"${api}"}]`;
  const create = (variable: string, app: string, apiList: string) => [
    `  ${variable}=$(${post('/v1/createCredentials')} \\`,
    `    -d '{"appName":"${app}","appSlug":"${app.replace(/ /g, '-')}","developer":"dev@example.com","apis":${apiList}}'); echo "$${variable}"`,
  ];
  // The answer is kept, so that the token in it can be validated.
  const token = (variable: string, tokenVariable: string) =>
    `  ${tokenVariable}=$(curl -s -u ${clientAuth(variable)} -d grant_type=client_credentials ${tokenUrl}); echo "$${tokenVariable}"`;

  const lines = [
    '',
    'Try it: paste these commands in order.',
    'create (200 and the credential, kept in $CRED):',
  ];
  lines.push(...create('CRED', 'my app', apis(0)));
  if (kind === 'API_KEY') {
    lines.push(...validate('apiKey', 'CRED', 'apiKey', 'the key just created'));
  } else if (tokenUrl !== undefined) {
    lines.push(
      "token (200, the client's id and secret exchanged for a bearer token, kept in $TOKEN):",
      token('CRED', 'TOKEN'),
      ...validate('accessToken', 'TOKEN', 'access_token', 'the token, with its scopes'),
    );
  }
  // What create returned, its closing brace cut (${CRED%?}) to add the app's new data.
  const changes = kind === 'API_KEY' ? `"apis":${apis(1)}` : '"appName":"my app v2"';
  lines.push(
    'update (204; the Portal sends back what create returned, with the changes):',
    `  ${post('/v1/updateCredentials')} ${status} \\`,
    `    -d "\${CRED%?}"',${changes}}'`,
    'revoke (204):',
    `  ${post('/v1/revokeCredentials')} ${status} -d "$CRED"`,
    'health (204):',
    `  ${curl} ${status} ${url}/v1/health`,
  );
  const clientApi = apisOverriddenTo(config, 'CLIENT_CREDENTIALS')[0];
  if (clientApi !== undefined && tokenUrl !== undefined) {
    lines.push(`client credentials, for API ${clientApi} (200 and the client, then 200 and a token):`);
    lines.push(
      ...create('CLIENT', 'my client app', `[{"id":"${clientApi}"}]`),
      token('CLIENT', 'TOKEN'),
      ...validate('accessToken', 'TOKEN', 'access_token', 'the token, with its scopes'),
    );
  }
  return lines;
}

/**
 * Adds the lines on validateCredentials' Basic credentials; returns the `-u` argument the printed
 * commands use, undefined when the credentials are in a secret.
 */
function describeValidator(config: WebhookConfig, generated: boolean, lines: string[]): string | undefined {
  const validator = config.validatorAuth;
  if (validator === undefined) return undefined;
  if (validator.source === 'secrets-manager') {
    lines.push(
      'validateCredentials Basic auth: the username and password in the secret VALIDATOR_SECRET_ARN names',
    );
    return undefined;
  }
  const { username, password } = validator;
  lines.push(`validateCredentials Basic auth username: ${username}`);
  // As for the Portal's: only a generated password is printed.
  lines.push(
    generated
      ? `validateCredentials Basic auth password: ${password} (generated; set VALIDATOR_PASSWORD to choose)`
      : 'validateCredentials Basic auth password: the one in VALIDATOR_PASSWORD (not printed; export it where you paste the commands)',
  );
  return generated
    ? shellQuote(`${username}:${password}`)
    : `"${username.replace(/[\\"$`]/g, '\\$&')}:$VALIDATOR_PASSWORD"`;
}

async function main(): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env };
  const generatedPassword = env.WEBHOOK_SECRET_ARN === undefined && env.WEBHOOK_PASSWORD === undefined;
  if (env.WEBHOOK_SECRET_ARN === undefined) {
    env.WEBHOOK_USERNAME ??= 'portal';
    env.WEBHOOK_PASSWORD ??= randomToken(24);
  }
  // validateCredentials is on under npm start, with credentials of its own (never the Portal's).
  const generatedValidatorPassword =
    env.VALIDATOR_SECRET_ARN === undefined && env.VALIDATOR_PASSWORD === undefined;
  if (env.VALIDATOR_SECRET_ARN === undefined) {
    env.VALIDATOR_USERNAME ??= 'validator';
    env.VALIDATOR_PASSWORD ??= randomToken(24);
  }
  env.ALLOWED_USAGE_PLAN_IDS ??= '*';
  const { host, port, awsRegion } = loadLocalServerConfig(env);
  // The in-process ledger costs nothing to read: no cache, so a revoke shows at once.
  if (awsRegion === undefined) env.VALIDATOR_CACHE_SECONDS ??= '0';
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
  // In-process, tokens come from the local token endpoint, signed by a key of its own whose set it
  // serves as a pool does, and are verified the way the Cognito verifier checks a pool's.
  const tokenKeys = useAws ? undefined : LocalTokenKeys.generate(running.url);
  const backend: Backend = !useAws
    ? localBackend(config, { tokenVerifier: tokenKeys?.verifier() })
    : ledgerInMemory
      ? { ...awsAdaptersWithoutLedger(config, clients), ledger: new InMemoryLedger(config.ledger.instance) }
      : awsBackend(config, clients);
  const webhook = composeWebhook(config, backend, new Logger({ serviceName: 'credential-webhook' }));
  // With the in-process pool, the token URL given to developers answers too.
  served =
    tokenKeys !== undefined && backend.clients !== undefined && config.clientCredentials !== undefined
      ? withLocalTokenEndpoint(
          webhook,
          backend.clients,
          tokenKeys,
          config.clientCredentials.accessTokenValidityMinutes * 60,
        )
      : webhook;

  const clientCredentials = config.clientCredentials;
  // The local endpoint answers only for the in-process pool; against AWS, only a TOKEN_URL the user
  // set is a real Cognito domain.
  const tokenUrl =
    clientCredentials === undefined
      ? undefined
      : !useAws
        ? `${running.url}${LOCAL_TOKEN_PATH}`
        : process.env.TOKEN_URL !== undefined
          ? clientCredentials.tokenUrl
          : undefined;
  const lines = [
    `Credential webhook listening on ${running.url} (backend: ${useAws ? 'AWS SDK' : 'in-process'})`,
    `Credentials: ${describeKinds(config)}`,
  ];
  if (ledgerInMemory) lines.push(LEDGER_IN_MEMORY);
  if (config.auth.source === 'static') {
    const { username, password } = config.auth;
    lines.push(`Basic auth username: ${username}`);
    // A password the user chose is theirs to know; printing it would only copy it into terminals,
    // scrollback and CI logs. Only a generated one, which nobody else knows, is shown.
    lines.push(
      generatedPassword
        ? `Basic auth password: ${password} (generated; set WEBHOOK_PASSWORD to choose)`
        : 'Basic auth password: the one in WEBHOOK_PASSWORD (not printed; the commands read it, so export it where you paste them)',
    );
    const auth = generatedPassword
      ? shellQuote(`${username}:${password}`)
      : `"${username.replace(/[\\"$`]/g, '\\$&')}:$WEBHOOK_PASSWORD"`;
    const validatorAuth = describeValidator(config, generatedValidatorPassword, lines);
    lines.push(...tryIt({ url: running.url, auth, validatorAuth, config, tokenUrl }));
  } else {
    lines.push('Basic auth: the username and password in the secret WEBHOOK_SECRET_ARN names');
    describeValidator(config, generatedValidatorPassword, lines);
  }
  lines.push('Stop with Ctrl+C.');
  // One write, so whoever reads the output never sees half of it.
  console.log(lines.join('\n'));
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  if (error instanceof PortInUseError) {
    // The usual cause is another `npm start` still running: say how to pick another port.
    const other = error.port === 0 || error.port >= 65535 ? 3001 : error.port + 1;
    console.error(
      `Cannot listen on ${error.host}:${error.port}: the port is already in use. ` +
        `Choose another with PORT=${other} npm start, or PORT=0 for any free port.`,
    );
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
