/**
 * The webhook asset's launcher, built as the construct builds it (lib/asset-build.ts: the bundle,
 * the launcher and the code cache), loaded in fresh Node processes of the runtime's line with
 * Lambda's node flags.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_FILE, CODE_CACHE_FILE, LAUNCHER_FILE } from '../../lambda/launch-files';
import { buildWebhookAsset } from '../../lib/asset-build';
import { lambdaNodeFlags, RUNTIME_NODE_MAJOR, runtimeNode } from '../../lib/code-cache';

const NODE = runtimeNode();
/** The Portal's Basic credentials, as the Secrets Manager stand-in holds them. */
const PORTAL = { username: 'portal', password: 'launch test password' };
const BASIC = `Basic ${Buffer.from(`${PORTAL.username}:${PORTAL.password}`).toString('base64')}`;

/** Secrets Manager on loopback: answers GetSecretValue with PORTAL and counts the calls. */
const secretsManager = {
  server: createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (request.url === '/init-ended') {
        secretsManager.calls.push('init ended');
        response.writeHead(204).end();
        return;
      }
      secretsManager.calls.push(String(request.headers['x-amz-target']));
      if (secretsManager.refuse > 0) {
        secretsManager.refuse -= 1;
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ __type: 'AccessDeniedException', message: 'not yet' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ Name: 'webhook-basic', SecretString: JSON.stringify(PORTAL) }));
    });
  }),
  /** Each call as it arrived, and when the probe said its init phase had ended. */
  calls: [] as string[],
  /** How many calls to come are refused (AccessDenied, which the SDK does not retry). */
  refuse: 0,
  url: '',
};

function env(endpoint: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL: endpoint,
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-basic',
    LEDGER_TABLE: 'webhook-ledger',
    ALLOWED_USAGE_PLAN_IDS: 'plan1',
  };
}

/**
 * Imports the launcher as Lambda does (its top-level work is the init phase), tells the stand-in
 * that init has ended, then sends one health request, with `authorization` if given.
 */
const PROBE = `
(async () => {
  const launcher = await import(require('node:url').pathToFileURL(process.argv[1]).href);
  await new Promise((resolve) =>
    require('node:http').get(process.env.AWS_ENDPOINT_URL + '/init-ended', (answer) => answer.resume().on('end', resolve)));
  const { authorization, timed } = JSON.parse(process.argv[2]);
  const event = { httpMethod: 'GET', path: '/v1/health', headers: authorization ? { Authorization: authorization } : {},
    body: null, isBase64Encoded: false };
  const context = timed ? { getRemainingTimeInMillis: () => 25000 } : {};
  try {
    const response = await launcher.handler(event, context);
    console.error(JSON.stringify({ codeCache: launcher.codeCache, status: response.statusCode }));
  } catch (error) {
    console.error(JSON.stringify({ codeCache: launcher.codeCache, stack: error.stack }));
  }
})();
`;

interface Probe {
  readonly codeCache?: string;
  readonly status?: number;
  readonly stack?: string;
}

interface ProbeOptions {
  readonly timed?: boolean;
  readonly authorization?: string;
}

async function probe(dir: string, flags: readonly string[], options: ProbeOptions = {}) {
  const request = { timed: options.timed ?? true, authorization: options.authorization };
  const child = spawn(NODE, [...flags, '-e', PROBE, path.join(dir, LAUNCHER_FILE), JSON.stringify(request)], {
    env: env(secretsManager.url),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const last = stderr.trim().split('\n').at(-1) ?? '';
  // Powertools writes warnings to stderr, the rest to stdout.
  const lines = `${stdout}\n${stderr}`.split('\n').filter((line) => line.startsWith('{"level"'));
  // The launcher's own line, apart from the webhook's request log and metrics.
  const notices = lines
    .filter((line) => line.includes('"code cache'))
    .map((line) => JSON.parse(line) as object);
  const warnings = lines.filter((line) => line.includes('"WARN"')).map((line) => JSON.parse(line) as object);
  return { exit, notices, warnings, report: JSON.parse(last) as Probe };
}

let asset = '';

beforeAll(async () => {
  const version = spawnSync(NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  if (Number(version.split('.')[0]) !== RUNTIME_NODE_MAJOR) {
    throw new Error(`the launcher tests need Node ${RUNTIME_NODE_MAJOR} (run npm ci), found ${version}`);
  }
  await new Promise<void>((resolve) => secretsManager.server.listen(0, '127.0.0.1', resolve));
  secretsManager.url = `http://127.0.0.1:${(secretsManager.server.address() as AddressInfo).port}`;
  asset = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-asset-'));
  const built = await buildWebhookAsset(asset);
  if (built.codeCache !== 'written') throw new Error('the asset was built without its code cache');
}, 120_000);

beforeEach(() => {
  secretsManager.calls.length = 0;
  secretsManager.refuse = 0;
});

afterAll(() => {
  secretsManager.server.close();
  if (asset !== '') fs.rmSync(asset, { recursive: true, force: true });
});

test('the code cache is accepted by the Node that built it, run with Lambda’s flags', async () => {
  const run = await probe(asset, lambdaNodeFlags(512));

  expect(run).toMatchObject({ exit: 0, notices: [], report: { codeCache: 'accepted', status: 401 } });
});

test('a cache V8 does not accept is ignored: the bundle compiles, answers, and the cold start says so', async () => {
  // Without --expose-gc V8's flag hash differs, as it would on another Node version.
  const run = await probe(asset, []);

  expect(run.exit).toBe(0);
  expect(run.report).toMatchObject({ codeCache: 'rejected', status: 401 });
  expect(run.notices).toEqual([
    {
      level: 'INFO',
      message: 'code cache not used by this Node version',
      codeCache: 'rejected',
      node: expect.stringMatching(/^v\d+\./),
    },
  ]);
});

test('without a cache file the launcher loads the bundle as require() would', async () => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-asset-bare-'));
  try {
    for (const file of [BUNDLE_FILE, `${BUNDLE_FILE}.map`, LAUNCHER_FILE]) {
      fs.copyFileSync(path.join(asset, file), path.join(bare, file));
    }
    const run = await probe(bare, lambdaNodeFlags(512));

    expect(fs.existsSync(path.join(bare, CODE_CACHE_FILE))).toBe(false);
    expect(run).toMatchObject({ exit: 0, notices: [], report: { codeCache: 'absent', status: 401 } });
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});

test('a stack trace through the bundle names the TypeScript source, read from the map when printed', async () => {
  // A context without getRemainingTimeInMillis makes lambda/handler.ts throw a TypeError.
  const run = await probe(asset, lambdaNodeFlags(512), { timed: false });

  const frames = (run.report.stack ?? '').split('\n');
  expect(frames[0]).toMatch(/^TypeError: .*getRemainingTimeInMillis/);
  expect(frames[1]).toMatch(/^ {4}at .*\blambda\/handler\.ts:\d+:\d+\)?$/);
  expect(frames.filter((frame) => frame.includes(`${BUNDLE_FILE}:`))).toEqual([]);
});

test('init fetches the Portal’s secret: the first request finds it cached and makes no AWS call', async () => {
  const run = await probe(asset, lambdaNodeFlags(512), { authorization: BASIC });

  expect(run).toMatchObject({ exit: 0, warnings: [], report: { codeCache: 'accepted', status: 204 } });
  expect(secretsManager.calls).toEqual(['secretsmanager.GetSecretValue', 'init ended']);
});

test('when init cannot fetch the secret it says so and ends; the first request fetches it itself', async () => {
  secretsManager.refuse = 1;

  const run = await probe(asset, lambdaNodeFlags(512), { authorization: BASIC });

  expect(run).toMatchObject({ exit: 0, report: { codeCache: 'accepted', status: 204 } });
  expect(run.warnings).toEqual([
    expect.objectContaining({
      level: 'WARN',
      message: 'init: the Basic-auth secret was not fetched; the first request will fetch it',
      error: 'UpstreamError',
      cause: 'AccessDeniedException',
    }),
  ]);
  expect(secretsManager.calls).toEqual([
    'secretsmanager.GetSecretValue',
    'init ended',
    'secretsmanager.GetSecretValue',
  ]);
});
