/**
 * The one full synth: `cdk synth` through the CLI, offline, as cdk.json configures it (real esbuild
 * bundling, CloudFormation validation and cdk-nag on), then cfn-lint on the template, both via
 * scripts/cfn-lint.sh. The two bundles it produced (webhook and reconciler) are checked too.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { CODE_CACHE_FILE, LAUNCHER_FILE } from '../../lambda/launch-files';
import { lambdaNodeFlags, runtimeNode } from '../../lib/code-cache';
import { CredentialWebhookStack } from '../../lib/credential-webhook-stack';
import { EVERY_OPTION, fastApp, PLAN_A, TEST_ENV } from './support';

const ROOT = path.join(__dirname, '..', '..');
const CFN_LINT = path.join(ROOT, '.venv', 'bin', 'cfn-lint');
const MISSING_CFN_LINT = `cfn-lint is not installed (${CFN_LINT}); run: bash scripts/python-tools.sh`;

let outDir = '';
let synth: { status: number | null; output: string } = { status: null, output: '' };

const WEBHOOK_ENTRY = 'lambda/handler.ts';
const WEBHOOK_ENV = {
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-basic',
  VALIDATOR_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-validator',
  LEDGER_TABLE: 'webhook-ledger',
  ALLOWED_USAGE_PLAN_IDS: PLAN_A,
};
const RECONCILER_ENTRY = 'lambda/reconciler/handler.ts';

/** The asset directories of the cloud assembly that hold a bundle (an index.js). */
function bundleDirs(): string[] {
  return fs
    .readdirSync(outDir)
    .filter((name) => name.startsWith('asset.') && fs.existsSync(path.join(outDir, name, 'index.js')))
    .map((name) => path.join(outDir, name));
}

function sourceMap(dir: string): { sources: string[]; sourcesContent?: unknown } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'index.js.map'), 'utf8')) as {
    sources: string[];
    sourcesContent?: unknown;
  };
}

/** The bundle built from `entry`, found by its source map. */
function bundleDir(entry: string): string {
  const dirs = bundleDirs().filter((dir) => sourceMap(dir).sources.some((source) => source.endsWith(entry)));
  if (dirs.length !== 1 || dirs[0] === undefined)
    throw new Error(`expected one bundle of ${entry}, found ${dirs.length}`);
  return dirs[0];
}

/** Loads a bundle in a fresh Node process with `env` and reports what type `handler` has. */
function loadBundle(dir: string, env: Record<string, string>) {
  const loaded = spawnSync(
    process.execPath,
    ['-e', 'process.stdout.write(typeof require(process.argv[1]).handler)', path.join(dir, 'index.js')],
    { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env } },
  );
  return { status: loaded.status, stdout: loaded.stdout, stderr: loaded.stderr };
}

/** The event-stream serde, required only when an event-stream operation runs (never, here). */
const DEFERRED_EVENT_STREAMS =
  /Promise\.resolve\(\)\.then\(\(\)=>\w+\(require\("@smithy\/core\/event-streams"\)\)\)/;

/** Modules a bundle still requires at run time instead of carrying them. */
function externalRequires(code: string): string[] {
  const external =
    /require\(["'](@aws-sdk\/client-[^"']+|@smithy\/[^"']+|@aws-lambda-powertools\/[^"']+|zod[^"']*)["']\)/g;
  return code.match(external) ?? [];
}

beforeAll(() => {
  if (!fs.existsSync(CFN_LINT)) throw new Error(MISSING_CFN_LINT);
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-synth-'));
  // As in CI: no AWS credentials or profile to find.
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, ...env } = process.env;
  const result = spawnSync('bash', ['scripts/cfn-lint.sh', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 170_000,
    env,
  });
  synth = { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}, 180_000);

afterAll(() => {
  if (outDir !== '') fs.rmSync(outDir, { recursive: true, force: true });
});

describe('cdk synth', () => {
  test('runs offline and its template passes cfn-lint', () => {
    expect(synth).toEqual({ status: 0, output: expect.stringContaining('cfn-lint: 1 template(s) passed') });
  });

  test('bundles two functions: the webhook and the reconciler', () => {
    const dirs = bundleDirs();

    expect(dirs).toHaveLength(2);
    expect(new Set([bundleDir(WEBHOOK_ENTRY), bundleDir(RECONCILER_ENTRY)]).size).toBe(2);
  });

  test('bundles the AWS SDK clients and every dependency instead of loading them at run time', () => {
    const code = fs.readFileSync(path.join(bundleDir(WEBHOOK_ENTRY), 'index.js'), 'utf8');

    // The one module left out is the event-stream serde, required lazily (an import() turned into a
    // deferred require) for event-stream operations, which the webhook never calls.
    expect(externalRequires(code)).toEqual(['require("@smithy/core/event-streams")']);
    expect(code).toMatch(DEFERRED_EVENT_STREAMS);
    // No import() is left: it would go through Node's ESM loader, which the launcher's vm.Script lacks.
    expect(code).not.toMatch(/\bimport\(/);
    // The operations of every client the adapters use are in the bundle itself (Query: validateCredentials'
    // lookup in the API-key hash index).
    const operations = ['CreateApiKey', 'CreateUserPoolClient', 'GetSecretValue', 'PutItem', 'Query'];
    expect(operations.filter((operation) => !code.includes(`"${operation}"`))).toEqual([]);
  });

  test('leaves out the schemas of the operations the webhook never sends (lib/sdk-tree-shaking.ts)', () => {
    const code = fs.readFileSync(path.join(bundleDir(WEBHOOK_ENTRY), 'index.js'), 'utf8');

    // Routes of API Gateway operations the webhook sends, and of some it never does.
    const sent = ['"/apikeys"', '"/usageplans/{usagePlanId}/keys"', '"/apikeys/{apiKey}"'];
    const unsent = ['"/vpclinks/{vpcLinkId}"', '"/restapis/{restApiId}/deployments"', '"/domainnames"'];
    expect(sent.filter((route) => !code.includes(route))).toEqual([]);
    expect(unsent.filter((route) => code.includes(route))).toEqual([]);
  });

  test('bundles the reconciler with its dependencies and the operations it calls', () => {
    const code = fs.readFileSync(path.join(bundleDir(RECONCILER_ENTRY), 'index.js'), 'utf8');

    expect(externalRequires(code)).toEqual(['require("@smithy/core/event-streams")']);
    expect(code).toMatch(DEFERRED_EVENT_STREAMS);
    expect(code).not.toMatch(/\bimport\(/);
    const operations = ['GetApiKeys', 'GetUsagePlanKeys', 'ListUserPoolClients', 'Scan'];
    expect(operations.filter((operation) => !code.includes(`"${operation}"`))).toEqual([]);
  });

  test('minifies both bundles and maps them back to the sources without embedding them', () => {
    for (const entry of [WEBHOOK_ENTRY, RECONCILER_ENTRY]) {
      const dir = bundleDir(entry);
      const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');

      const lines = code.split('\n');
      expect(code.length / lines.length).toBeGreaterThan(1000);
      expect(sourceMap(dir).sourcesContent).toBeUndefined();
    }
  });

  test('ships the webhook with its launcher and a code cache that this Node accepts', () => {
    const dir = bundleDir(WEBHOOK_ENTRY);
    // Imported as Lambda imports an ES module; its init-phase secret fetch meets a closed port at once.
    const loaded = spawnSync(
      runtimeNode(),
      [
        ...lambdaNodeFlags(512),
        '-e',
        'import(require("node:url").pathToFileURL(process.argv[1]).href)' +
          '.then((l) => process.stdout.write(typeof l.handler + " " + l.codeCache))',
        path.join(dir, LAUNCHER_FILE),
      ],
      {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
          ...WEBHOOK_ENV,
        },
      },
    );

    expect(fs.existsSync(path.join(dir, CODE_CACHE_FILE))).toBe(true);
    expect({ status: loaded.status, stdout: loaded.stdout }).toEqual({
      status: 0,
      stdout: 'function accepted',
    });
    // The reconciler keeps the plain bundle: its cold start is nobody's wait.
    expect(fs.existsSync(path.join(bundleDir(RECONCILER_ENTRY), LAUNCHER_FILE))).toBe(false);
  });

  test('produces a webhook handler that loads and exports `handler`', () => {
    const loaded = loadBundle(bundleDir(WEBHOOK_ENTRY), WEBHOOK_ENV);

    expect(loaded).toEqual({ status: 0, stdout: 'function', stderr: expect.any(String) });
  });

  test('produces a reconciler handler that loads and exports `handler`', () => {
    const loaded = loadBundle(bundleDir(RECONCILER_ENTRY), {
      LEDGER_TABLE: 'webhook-ledger',
      ALLOWED_USAGE_PLAN_IDS: PLAN_A,
    });

    expect(loaded).toEqual({ status: 0, stdout: 'function', stderr: expect.any(String) });
  });
});

describe('cfn-lint', () => {
  test('passes the template of a client-credentials deployment with every option on', () => {
    const stack = new CredentialWebhookStack(fastApp(), 'Variant', {
      env: TEST_ENV,
      ...EVERY_OPTION,
    });
    const file = path.join(outDir, 'Variant.template.json');
    fs.writeFileSync(file, JSON.stringify(Template.fromStack(stack).toJSON()));

    const lint = spawnSync(CFN_LINT, [file], { encoding: 'utf8', timeout: 120_000 });

    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}` }).toEqual({
      status: 0,
      output: '',
    });
  }, 120_000);
});
