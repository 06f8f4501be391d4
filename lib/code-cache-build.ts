/**
 * The webhook asset's V8 code cache (`index.js.v8cache`), written by lib/asset-build.ts once the
 * bundle and the launcher are in the asset directory. With a Node of the runtime's line, a fresh
 * process (Lambda's V8 flags) loads the bundle through the launcher, answers one create of an API
 * key against a stand-in for AWS on loopback, and saves what V8 compiled. The stand-in answers only
 * what that create asks; nothing leaves the machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CODE_CACHE_FILE, LAUNCHER_FILE } from '../lambda/launch-files';
import { lambdaNodeFlags, RUNTIME_NODE_MAJOR, runtimeNode } from './code-cache';

const WARM_UP = { username: 'warm-up', password: 'warm-up password, not a secret' } as const;
const PLAN = 'warmupplan';
const KEY_ID = 'warmupkey1';

type Json = Record<string, unknown>;

/** The answers one create of an API key needs, by AWS operation. */
function answer(request: IncomingMessage): { status: number; body: Json; type?: string } {
  const target = String(request.headers['x-amz-target'] ?? '');
  if (target === 'secretsmanager.GetSecretValue') {
    return { status: 200, body: { Name: 'warm-up', SecretString: JSON.stringify(WARM_UP) } };
  }
  if (target.startsWith('DynamoDB_')) return { status: 200, body: {} };
  if (request.method === 'POST' && request.url === '/apikeys') {
    return {
      status: 201,
      body: { id: KEY_ID, value: 'w'.repeat(40), name: 'warm-up', enabled: true, createdDate: 0 },
    };
  }
  if (request.method === 'POST' && request.url === `/usageplans/${PLAN}/keys`) {
    return { status: 201, body: { id: KEY_ID, type: 'API_KEY', name: 'warm-up' } };
  }
  return {
    status: 404,
    body: { message: `not part of the warm-up: ${target || request.url}` },
    type: 'NotFoundException',
  };
}

function respond(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  request.on('end', () => {
    const { status, body, type } = answer(request);
    response.writeHead(status, {
      'content-type': 'application/json',
      ...(type !== undefined && { 'x-amzn-errortype': type }),
    });
    response.end(JSON.stringify(body));
  });
}

/** Loads the bundle through the launcher, answers the create, writes the cache (in the child). */
const WARM_UP_SCRIPT = `
(async () => {
  const launcher = await import(require('node:url').pathToFileURL(process.argv[1]).href);
  const context = { awsRequestId: 'warm-up', functionName: 'warm-up', functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:warm-up', memoryLimitInMB: '512',
    logGroupName: 'warm-up', logStreamName: 'warm-up', getRemainingTimeInMillis: () => 25000 };
  const response = await launcher.handler(JSON.parse(process.argv[2]), context);
  if (response.statusCode !== 200) throw new Error('warm-up create answered ' + response.statusCode + ': ' + response.body);
  launcher.writeCodeCache();
  process.exit(0);
})().catch((error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exit(1); });
`;

const createEvent = {
  httpMethod: 'POST',
  path: '/v1/createCredentials',
  headers: {
    Authorization: `Basic ${Buffer.from(`${WARM_UP.username}:${WARM_UP.password}`).toString('base64')}`,
    'Content-Type': 'application/json',
  },
  body: JSON.stringify({
    appName: 'warm-up',
    appSlug: 'warm-up',
    developer: 'warm-up@example.com',
    apis: [{ id: 'warmupapi', usagePlans: [{ id: PLAN }] }],
  }),
  isBase64Encoded: false,
  requestContext: { requestId: 'warm-up' },
};

function warmUp(node: string, launcher: string, endpoint: string): Promise<void> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'warm-up',
    AWS_SECRET_ACCESS_KEY: 'warm-up',
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${RUNTIME_NODE_MAJOR}.x`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:warm-up-AbCdEf',
    LEDGER_TABLE: 'warm-up',
    ALLOWED_USAGE_PLAN_IDS: PLAN,
    POWERTOOLS_SERVICE_NAME: 'credential-webhook',
    POWERTOOLS_METRICS_NAMESPACE: 'CredentialWebhook',
  };
  const args = [...lambdaNodeFlags(512), '-e', WARM_UP_SCRIPT, launcher, JSON.stringify(createEvent)];
  return new Promise((resolve, reject) => {
    const child = spawn(node, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`code cache warm-up failed (${code}):\n${stderr}`)),
    );
  });
}

export async function buildCodeCache(assetDir: string): Promise<'written' | 'skipped'> {
  const launcher = path.join(assetDir, LAUNCHER_FILE);
  const node = runtimeNode();
  const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  if (Number(version.split('.')[0]) !== RUNTIME_NODE_MAJOR) {
    console.warn(
      `code cache: left out; it needs Node ${RUNTIME_NODE_MAJOR} (npm i) to build, found ${version || node}`,
    );
    return 'skipped';
  }
  const server = createServer(respond);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await warmUp(node, launcher, `http://127.0.0.1:${port}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  if (!existsSync(path.join(assetDir, CODE_CACHE_FILE))) throw new Error('code cache: not written');
  return 'written';
}
