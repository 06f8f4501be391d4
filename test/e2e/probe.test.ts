/**
 * `npm run probe` against `npm start` (the dev server, in-process backend), both credential kinds:
 * every required and recommended check passes, and what the probe created is revoked.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProbeJson } from '../../scripts/probe/json';
import { cleanEnv, type DevServer, outputOf, startDevServer } from '../support/dev-server';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const PASSWORD = 'probe-e2e-password';
const VALIDATOR_PASSWORD = 'probe-e2e-validator-password';
const VALIDATOR_FLAGS = ['--validator-username', 'validator', '--validator-password', VALIDATOR_PASSWORD];

/** `npm start` with the probe's credentials, both of them. */
function startServer(env: Record<string, string>): Promise<DevServer> {
  return startDevServer({
    env: {
      ...cleanEnv(),
      WEBHOOK_PASSWORD: PASSWORD,
      VALIDATOR_USERNAME: 'validator',
      VALIDATOR_PASSWORD,
      ...env,
    },
    username: 'portal',
    password: PASSWORD,
  });
}

/** Runs a command of the repository (the probe, or the package's bin) and waits for it. */
const run = (command: string, args: readonly string[]) =>
  outputOf(spawn(command, args, { cwd: ROOT, env: cleanEnv() }));

const everyCheck = (report: ProbeJson) =>
  Object.fromEntries(report.checks.map((check) => [check.id, check.outcome]));

describe('against npm start issuing API keys', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startServer({});
  }, 40_000);
  afterAll(() => server.stop());

  test('npm run probe passes every check and prints the table', async () => {
    const { code, stdout } = await run('npm', [
      'run',
      '--silent',
      'probe',
      '--',
      server.url,
      '--username',
      'portal',
      '--password',
      PASSWORD,
      '--kind',
      'api-key',
      ...VALIDATOR_FLAGS,
    ]);
    expect(stdout).toMatch(/^CHECK +KIND +RESULT +LATENCY/m);
    expect(stdout).toMatch(/^validate\.issued +RECOMMENDED +PASS/m);
    expect(stdout).toMatch(/^validate\.portal-refused +RECOMMENDED +PASS/m);
    expect(stdout).toMatch(/^validate\.revoked +RECOMMENDED +PASS/m);
    expect(stdout).not.toContain(VALIDATOR_PASSWORD);
    expect(stdout).toMatch(/^create +REQUIRED +PASS +\d+ ms +POST \/v1\/createCredentials → 200/m);
    expect(stdout).toMatch(/^create\.repeat +RECOMMENDED +PASS/m);
    expect(stdout).toMatch(/cleanup: the probe created 1 credential\(s\) \(\w+\); 1 revoked by the run/);
    expect(stdout).toContain('RESULT: PASS');
    expect(stdout).not.toContain(PASSWORD);
    expect(code).toBe(0);
  }, 30_000);
});

describe('against npm start issuing client credentials', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startServer({ DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS' });
  }, 40_000);
  afterAll(() => server.stop());

  test('npx credential-webhook probe passes, with a token from the tokenUrl; --json and --junit', async () => {
    const junit = join(mkdtempSync(join(tmpdir(), 'probe-')), 'probe.xml');
    const { code, stdout, stderr } = await run(process.execPath, [
      'scripts/credential-webhook.cjs',
      'probe',
      server.url,
      '--username',
      'portal',
      '--password',
      PASSWORD,
      '--kind',
      'client-credentials',
      ...VALIDATOR_FLAGS,
      '--json',
      '--junit',
      junit,
    ]);
    const report = JSON.parse(stdout) as ProbeJson;
    expect(everyCheck(report)).toEqual({
      health: 'pass',
      'auth.missing': 'pass',
      'auth.wrong-password': 'pass',
      'auth.malformed': 'pass',
      'auth.bearer': 'pass',
      create: 'pass',
      'create.repeat': 'pass',
      token: 'pass',
      'check-url.issued': 'skip',
      'validate.issued': 'pass',
      'validate.portal-refused': 'pass',
      update: 'pass',
      'update.unknown': 'pass',
      revoke: 'pass',
      'revoke.repeat': 'pass',
      'update.revoked': 'pass',
      'token.revoked': 'pass',
      'validate.revoked': 'pass',
      'check-url.revoked': 'skip',
      'error-format': 'pass',
      'www-authenticate': 'pass',
      'cache-control': 'pass',
    });
    expect(report).toMatchObject({ kind: 'client-credentials', passed: true, interrupted: false });
    expect(report.checks.find((check) => check.id === 'token')?.calls[0]).toMatchObject({
      method: 'POST',
      target: `${server.url}/oauth2/token`,
      status: 200,
    });
    expect(report.cleanup).toEqual({ created: [expect.any(String)], revokedByCleanup: [], failed: [] });
    expect(stderr).toMatch(/cleanup: the probe created 1 credential/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(
      /<testsuite name="credential-webhook probe \(required\)" tests="13" failures="0" errors="0" skipped="2"/,
    );
    expect(xml).toMatch(/<testsuite name="credential-webhook probe \(recommended\)" tests="9" failures="0"/);
    expect(code).toBe(0);
  }, 30_000);

  test('without --kind, it probes the kind the webhook issues', async () => {
    const { code, stdout } = await run(TSX, [
      'scripts/probe.ts',
      server.url,
      '--username',
      'portal',
      '--password',
      PASSWORD,
      '--json',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'client-credentials', passed: true });
    expect(code).toBe(0);
  }, 30_000);

  test('a wrong password for the probe: the refusals pass, create fails, exit 1', async () => {
    const { code, stdout } = await run(TSX, [
      'scripts/probe.ts',
      server.url,
      '--username',
      'portal',
      '--password',
      'not-the-password',
    ]);
    expect(stdout).toMatch(
      /^FAIL create \(required\): .*answered 401 UNAUTHORIZED, expected 200; are --username and --password right\?/m,
    );
    expect(stdout).toContain('cleanup: the probe created no credential');
    expect(code).toBe(1);
  }, 30_000);
});
