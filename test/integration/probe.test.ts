/**
 * `npm run probe --stack` against `npm start` on the AWS SDK adapters, aimed at moto: the probe reads
 * the stack's outputs (CloudFormation) and the Basic secret (Secrets Manager) through moto with its
 * real clients (AWS_ENDPOINT_URL), then plays the Portal's calls. The protected URL and the token
 * endpoint are stand-ins that ask moto, as API Gateway and the Cognito domain would.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DescribeUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { ProbeJson } from '../../scripts/probe/json';
import { type ChildOutput, cleanEnv, type DevServer, outputOf, startDevServer } from '../support/dev-server';
import { PASSWORD, USERNAME } from '../support/events';
import {
  createLedgerTable,
  createPortalSecret,
  createSecret,
  createUsagePlans,
  createUserPoolWithScopes,
  keyIdsOfPlan,
  motoEndpoint,
  motoTestClients,
  REGION,
  readClient,
  readKey,
  type ScopedUserPool,
  unique,
} from './aws';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
/** The REST API whose apps get client credentials (API_CREDENTIAL_TYPES); any other gets API keys. */
const CLIENT_CREDENTIALS_API = 'ordersapi';

const moto = motoTestClients();
const { apiGateway, cognito, dynamoDb, secretsManager } = moto;
const cloudFormation = new CloudFormationClient({
  endpoint: motoEndpoint(),
  region: REGION,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

/** The environment for a child aimed at moto: no real account's settings, dummy credentials. */
function motoEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...cleanEnv(),
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...extra,
  };
}

interface Running {
  readonly url: string;
  stop(): Promise<void>;
}

/** `npm start` on the AWS SDK adapters (AWS_ENDPOINT_URL: moto). */
const startServer = (env: Record<string, string>): Promise<DevServer> =>
  startDevServer({ env: motoEnv(env), username: USERNAME, password: PASSWORD, readyWithinMs: 60_000 });

async function listen(server: Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Access tokens the token endpoint stand-in issued: the protected API's authorizer accepts them. */
const accessTokens = new Set<string>();

/**
 * As API Gateway: a key opens the API when it is enabled and bound to a usage plan (as a usage plan
 * does), a bearer token when the token endpoint issued it (as a Cognito authorizer would).
 */
function protectedApi(planIds: readonly string[]): Server {
  return createHttpServer(async (request, response) => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) {
      response.writeHead(accessTokens.has(bearer) ? 200 : 401, { 'Content-Type': 'application/json' });
      response.end('{}');
      return;
    }
    const value = request.headers['x-api-key'];
    const keys = await apiGateway.send(new GetApiKeysCommand({ includeValues: true, limit: 500 }));
    const key = (keys.items ?? []).find((item) => item.value === value && item.enabled === true);
    const bound =
      key?.id !== undefined &&
      (await Promise.all(planIds.map((plan) => keyIdsOfPlan(apiGateway, plan)))).some((ids) =>
        ids.includes(key.id ?? ''),
      );
    response.writeHead(bound ? 200 : 403, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ message: bound ? 'ok' : 'Forbidden' }));
  });
}

async function form(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** As the Cognito domain's /oauth2/token (which moto does not serve): checks the client in moto. */
function tokenEndpoint(pool: ScopedUserPool): Server {
  return createHttpServer(async (request, response) => {
    const grant = (await form(request)).get('grant_type');
    const [id = '', secret = ''] = Buffer.from(
      (request.headers.authorization ?? '').replace(/^Basic /, ''),
      'base64',
    )
      .toString('utf8')
      .split(':')
      .map(decodeURIComponent);
    const client = await cognito
      .send(new DescribeUserPoolClientCommand({ UserPoolId: pool.userPoolId, ClientId: id }))
      .then((found) => found.UserPoolClient)
      .catch(() => undefined);
    const valid = grant === 'client_credentials' && client !== undefined && client.ClientSecret === secret;
    const token = randomBytes(16).toString('hex');
    if (valid) accessTokens.add(token);
    response.writeHead(valid ? 200 : 400, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    });
    response.end(
      JSON.stringify(
        valid ? { access_token: token, token_type: 'Bearer', expires_in: 3600 } : { error: 'invalid_client' },
      ),
    );
  });
}

/**
 * A stack whose outputs are those of lib/credential-webhook-stack.ts. CloudFormation (and moto)
 * wants one resource at least: a wait condition handle, which creates nothing.
 */
async function createStack(outputs: Record<string, string>): Promise<string> {
  const stackName = unique('probe-stack-').slice(0, 60);
  await cloudFormation.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify({
        Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { Value: value }])),
      }),
    }),
  );
  return stackName;
}

function probe(args: readonly string[]): Promise<ChildOutput> {
  // No AWS_REGION: --region must be what the clients use.
  return outputOf(spawn(TSX, ['scripts/probe.ts', ...args], { cwd: ROOT, env: motoEnv() }));
}

let plans: string[];
let pool: ScopedUserPool;
let secretArn: string;
/** The validator's Basic secret: validateCredentials answers from the DynamoDB ledger in moto. */
let validatorSecretArn: string;
let webhook: Running;
let protectedUrl: Running;
let tokens: Running;

beforeAll(async () => {
  plans = await createUsagePlans(apiGateway, 2);
  pool = await createUserPoolWithScopes(cognito, ['read', 'write']);
  secretArn = await createPortalSecret(secretsManager);
  validatorSecretArn = await createSecret(
    secretsManager,
    JSON.stringify({ username: 'validator', password: 'probe integration validator password' }),
  );
  protectedUrl = await listen(protectedApi(plans));
  tokens = await listen(tokenEndpoint(pool));
  webhook = await startServer({
    WEBHOOK_SECRET_ARN: secretArn,
    VALIDATOR_SECRET_ARN: validatorSecretArn,
    // A revoke must show within the probe's --max-wait of 20 s; the 30 s default cache is unit-tested.
    VALIDATOR_CACHE_SECONDS: '0',
    LEDGER_TABLE: await createLedgerTable(dynamoDb),
    ALLOWED_USAGE_PLAN_IDS: plans.join(','),
    API_CREDENTIAL_TYPES: JSON.stringify({ [CLIENT_CREDENTIALS_API]: 'CLIENT_CREDENTIALS' }),
    USER_POOL_ID: pool.userPoolId,
    TOKEN_URL: `${tokens.url}/oauth2/token`,
    DEFAULT_SCOPES: pool.scopes.join(' '),
  });
}, 90_000);

afterAll(async () => {
  await webhook?.stop();
  await protectedUrl?.stop();
  await tokens?.stop();
  cloudFormation.destroy();
});

test('--stack: API keys bound to the usage plans open the protected URL until revoked; validateCredentials agrees', async () => {
  const stack = await createStack({
    WebhookBaseUrl: `${webhook.url}/`,
    BasicAuthSecretArn: secretArn,
    ValidatorSecretArn: validatorSecretArn,
  });
  const { code, stdout, stderr } = await probe([
    '--stack',
    stack,
    '--region',
    REGION,
    '--kind',
    'api-key',
    '--usage-plan',
    plans[0] ?? '',
    '--usage-plan',
    plans[1] ?? '',
    '--check-url',
    `${protectedUrl.url}/orders`,
    '--max-wait',
    '20',
    '--json',
  ]);
  const report = JSON.parse(stdout) as ProbeJson;
  expect({ failed: report.checks.filter((check) => check.outcome !== 'pass'), stderr }).toEqual({
    failed: [],
    stderr: expect.stringContaining('cleanup'),
  });
  expect(report).toMatchObject({ baseUrl: `${webhook.url}/`, kind: 'api-key', passed: true });
  // Found by the hash of its value in the ledger table's index, then refused once revoked.
  const validations = report.checks
    .filter((check) => check.id.startsWith('validate.'))
    .map((check) => check.id);
  expect(validations).toEqual(['validate.issued', 'validate.portal-refused', 'validate.revoked']);
  expect(code).toBe(0);
  // The key the probe made is gone from API Gateway.
  const [keyId = ''] = report.cleanup.created;
  await expect(readKey(apiGateway, keyId)).rejects.toMatchObject({ name: 'NotFoundException' });
}, 120_000);

test('--stack: client credentials get a token at the TokenEndpoint, and none once revoked', async () => {
  const stack = await createStack({
    WebhookBaseUrl: webhook.url,
    BasicAuthSecretArn: secretArn,
    TokenEndpoint: `${tokens.url}/oauth2/token`,
  });
  const { code, stdout } = await probe([
    '--stack',
    stack,
    '--region',
    REGION,
    '--api',
    CLIENT_CREDENTIALS_API,
    '--check-url',
    `${protectedUrl.url}/orders`,
    '--max-wait',
    '20',
    '--json',
  ]);
  const report = JSON.parse(stdout) as ProbeJson;
  expect(report.checks.filter((check) => check.outcome === 'fail')).toEqual([]);
  expect(report).toMatchObject({ kind: 'client-credentials', passed: true });
  const outcome = (id: string) => report.checks.find((check) => check.id === id)?.outcome;
  expect([outcome('token'), outcome('check-url.issued'), outcome('token.revoked')]).toEqual([
    'pass',
    'pass',
    'pass',
  ]);
  // A token issued before the revoke stays valid until it expires: that check is not made.
  expect(outcome('check-url.revoked')).toBe('skip');
  expect(code).toBe(0);
  const [clientId = ''] = report.cleanup.created;
  await expect(readClient(cognito, pool.userPoolId, clientId)).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
  });
}, 120_000);

test('--stack naming a stack without the Basic secret output: exit 2, naming the output', async () => {
  const stack = await createStack({ WebhookBaseUrl: webhook.url });
  const { code, stderr } = await probe(['--stack', stack, '--region', REGION]);
  expect(stderr).toContain(`stack ${stack} has no output BasicAuthSecretArn`);
  expect(code).toBe(2);
}, 60_000);

test('--stack naming no stack: exit 2, saying it cannot be read', async () => {
  const { code, stderr } = await probe(['--stack', unique('missing'), '--region', REGION]);
  expect(stderr).toMatch(/cannot read stack missing\w+: /);
  expect(code).toBe(2);
}, 60_000);
