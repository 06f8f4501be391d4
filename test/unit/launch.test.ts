/**
 * The webhook asset's launcher, built as the construct builds it (lib/asset-build.ts: the bundle,
 * the launcher and the code cache), loaded in fresh Node processes of the runtime's line with
 * Lambda's node flags.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BUNDLE_FILE, CODE_CACHE_FILE, LAUNCHER_FILE } from '../../lambda/launch-files';
import { buildWebhookAsset } from '../../lib/asset-build';
import { lambdaNodeFlags, RUNTIME_NODE_MAJOR, runtimeNode } from '../../lib/code-cache';

const NODE = runtimeNode();
const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-basic',
  LEDGER_TABLE: 'webhook-ledger',
  ALLOWED_USAGE_PLAN_IDS: 'plan1',
};

/** Loads the launcher, sends one request with no Authorization (answered without AWS), reports. */
const PROBE = `
const launcher = require(process.argv[1]);
const event = { httpMethod: 'GET', path: '/v1/health', headers: {}, body: null, isBase64Encoded: false };
const context = JSON.parse(process.argv[2]);
if (context.timed) context.getRemainingTimeInMillis = () => 25000;
launcher.handler(event, context).then(
  (response) => console.error(JSON.stringify({ codeCache: launcher.codeCache, status: response.statusCode })),
  (error) => console.error(JSON.stringify({ codeCache: launcher.codeCache, stack: error.stack })),
);
`;

interface Probe {
  readonly codeCache?: string;
  readonly status?: number;
  readonly stack?: string;
}

function probe(dir: string, flags: readonly string[], context: object = { timed: true }) {
  const result = spawnSync(
    NODE,
    [...flags, '-e', PROBE, path.join(dir, LAUNCHER_FILE), JSON.stringify(context)],
    { encoding: 'utf8', env: ENV, timeout: 30_000 },
  );
  const last = result.stderr.trim().split('\n').at(-1) ?? '';
  // The launcher's own line, apart from the webhook's request log and metrics.
  const notices = result.stdout
    .split('\n')
    .filter((line) => line.includes('"code cache'))
    .map((line) => JSON.parse(line) as object);
  return { exit: result.status, notices, report: JSON.parse(last) as Probe };
}

let asset = '';

beforeAll(async () => {
  const version = spawnSync(NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  if (Number(version.split('.')[0]) !== RUNTIME_NODE_MAJOR) {
    throw new Error(`the launcher tests need Node ${RUNTIME_NODE_MAJOR} (run npm ci), found ${version}`);
  }
  asset = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-asset-'));
  const built = await buildWebhookAsset(asset);
  if (built.codeCache !== 'written') throw new Error('the asset was built without its code cache');
}, 120_000);

afterAll(() => {
  if (asset !== '') fs.rmSync(asset, { recursive: true, force: true });
});

test('the code cache is accepted by the Node that built it, run with Lambda’s flags', () => {
  const run = probe(asset, lambdaNodeFlags(512));

  expect(run).toEqual({ exit: 0, notices: [], report: { codeCache: 'accepted', status: 401 } });
});

test('a cache V8 does not accept is ignored: the bundle compiles, answers, and the cold start says so', () => {
  // Without --expose-gc V8's flag hash differs, as it would on another Node version.
  const run = probe(asset, []);

  expect(run.exit).toBe(0);
  expect(run.report).toEqual({ codeCache: 'rejected', status: 401 });
  expect(run.notices).toEqual([
    {
      level: 'INFO',
      message: 'code cache not used by this Node version',
      codeCache: 'rejected',
      node: expect.stringMatching(/^v\d+\./),
    },
  ]);
});

test('without a cache file the launcher loads the bundle as require() would', () => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-asset-bare-'));
  try {
    for (const file of [BUNDLE_FILE, `${BUNDLE_FILE}.map`, LAUNCHER_FILE]) {
      fs.copyFileSync(path.join(asset, file), path.join(bare, file));
    }
    const run = probe(bare, lambdaNodeFlags(512));

    expect(fs.existsSync(path.join(bare, CODE_CACHE_FILE))).toBe(false);
    expect(run).toEqual({ exit: 0, notices: [], report: { codeCache: 'absent', status: 401 } });
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});

test('a stack trace through the bundle names the TypeScript source, read from the map when printed', () => {
  // A context without getRemainingTimeInMillis makes lambda/handler.ts throw a TypeError.
  const run = probe(asset, lambdaNodeFlags(512), { timed: false });

  const frames = (run.report.stack ?? '').split('\n');
  expect(frames[0]).toMatch(/^TypeError: .*getRemainingTimeInMillis/);
  expect(frames[1]).toMatch(/^ {4}at .*\blambda\/handler\.ts:\d+:\d+\)?$/);
  expect(frames.filter((frame) => frame.includes(`${BUNDLE_FILE}:`))).toEqual([]);
});
