/**
 * The probe judges the contract, not this implementation: a tiny webhook in the test answers like
 * the contract except for one defect each, and the probe must fail (exit 1) naming that check, and
 * still revoke every credential it made the webhook issue.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { main } from '../../scripts/probe';
import type { ProbeJson } from '../../scripts/probe/json';
import { outputOf } from '../support/dev-server';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const USERNAME = 'portal';
const PASSWORD = 'fake-webhook-password';

type Defect =
  | 'none'
  /** update answers 200 instead of 204 */
  | 'wrong-status'
  /** revoke answers 204 with a body */
  | 'body-on-204'
  /** any password is taken */
  | 'password-unchecked'
  /** revoke answers 204 and the key keeps working */
  | 'revoke-keeps'
  /** the first revoke answers 500 (and revokes nothing) */
  | 'revoke-fails-once'
  /** a 401 in plain text */
  | 'plain-401';

interface FakeWebhook {
  readonly url: string;
  /** Keys issued and not revoked, by id: their values. */
  readonly live: Map<string, string>;
  /** Every key ever issued. */
  readonly issued: string[];
  /** Calls of the protected URL so far. */
  protectedCalls: number;
  close(): Promise<void>;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

function refuse(response: ServerResponse, status: number, code: string, extra: Record<string, string> = {}) {
  response.writeHead(status, { ...JSON_HEADERS, ...extra });
  response.end(JSON.stringify({ message: code.toLowerCase(), code, details: [] }));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** An API-key webhook after the contract, with `defect`, and a protected URL its keys open. */
async function startFake(defect: Defect): Promise<FakeWebhook> {
  const live = new Map<string, string>();
  const issued: string[] = [];
  const bySlug = new Map<string, string>();
  let revokesFailed = 0;
  const expected = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
  const authorized = (header: string | undefined) =>
    defect === 'password-unchecked'
      ? header?.startsWith(`Basic ${Buffer.from(`${USERNAME}:`).toString('base64').slice(0, 6)}`) === true
      : header === expected;

  const fake: FakeWebhook = {
    url: '',
    live,
    issued,
    protectedCalls: 0,
    close: async () => undefined,
  };
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    if (path === '/protected') {
      fake.protectedCalls++;
      const key = request.headers['x-api-key'];
      const open = typeof key === 'string' && [...live.values()].includes(key);
      response.writeHead(open ? 200 : 403, { 'Content-Type': 'text/plain' });
      response.end(open ? 'ok' : 'forbidden');
      return;
    }
    if (!authorized(request.headers.authorization)) {
      if (defect === 'plain-401') {
        response.writeHead(401, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-store' });
        response.end('Unauthorized');
        return;
      }
      refuse(response, 401, 'UNAUTHORIZED', { 'WWW-Authenticate': 'Basic realm="fake"' });
      return;
    }
    const body = await readJson(request);
    const keyId = typeof body.apiKeyId === 'string' ? body.apiKeyId : '';
    const noContent = () => {
      response.writeHead(204, { 'Cache-Control': 'no-store' });
      response.end();
    };
    if (request.method === 'GET' && path === '/v1/health') return noContent();
    if (request.method !== 'POST') return refuse(response, 405, 'METHOD_NOT_ALLOWED');
    if (path === '/v1/createCredentials') {
      const slug = String(body.appSlug ?? '');
      let id = bySlug.get(slug);
      if (id === undefined || !live.has(id)) {
        id = randomBytes(5).toString('hex');
        live.set(id, randomBytes(20).toString('hex'));
        issued.push(id);
        bySlug.set(slug, id);
      }
      response.writeHead(200, JSON_HEADERS);
      response.end(
        JSON.stringify({
          credentialType: 'API_KEY',
          apiKeyId: id,
          apiKey: live.get(id),
          customCredentials: { apiKeyHeader: 'x-api-key' },
        }),
      );
      return;
    }
    if (path === '/v1/updateCredentials') {
      if (!live.has(keyId)) return refuse(response, 404, 'CREDENTIAL_NOT_FOUND');
      if (defect === 'wrong-status') {
        response.writeHead(200, JSON_HEADERS);
        response.end('{}');
        return;
      }
      return noContent();
    }
    if (path === '/v1/revokeCredentials') {
      if (!live.has(keyId) && !issued.includes(keyId)) return refuse(response, 404, 'CREDENTIAL_NOT_FOUND');
      if (defect === 'revoke-fails-once' && revokesFailed++ === 0) return refuse(response, 500, 'INTERNAL');
      if (defect !== 'revoke-keeps') live.delete(keyId);
      if (defect === 'body-on-204') {
        response.writeHead(204, { ...JSON_HEADERS, 'Content-Length': '2' });
        response.end('{}');
        return;
      }
      return noContent();
    }
    refuse(response, 404, 'NOT_FOUND');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

interface Run {
  readonly code: number;
  readonly report: ProbeJson;
  readonly stderr: string;
}

/** The probe in process, with --json so that the report can be read back. */
async function probe(fake: FakeWebhook, extra: readonly string[] = []): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    [fake.url, '--username', USERNAME, '--password', PASSWORD, '--json', '--max-wait', '1', ...extra],
    {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stderr += text;
      },
      env: {},
      interrupt: new AbortController().signal,
      pollIntervalMs: 50,
    },
  );
  return { code, report: JSON.parse(stdout) as ProbeJson, stderr };
}

const outcomes = (report: ProbeJson) =>
  Object.fromEntries(report.checks.map((result) => [result.id, result.outcome]));

const failed = (report: ProbeJson, level: 'required' | 'recommended') =>
  report.checks
    .filter((result) => result.level === level && result.outcome === 'fail')
    .map((result) => result.id);

let fake: FakeWebhook | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

test('a webhook after the contract passes, with --check-url', async () => {
  fake = await startFake('none');
  const { code, report } = await probe(fake, ['--check-url', `${fake.url}/protected`]);
  expect(failed(report, 'required')).toEqual([]);
  expect(failed(report, 'recommended')).toEqual([]);
  expect(outcomes(report)).toMatchObject({ 'check-url.issued': 'pass', 'check-url.revoked': 'pass' });
  expect(code).toBe(0);
  expect(fake.live.size).toBe(0);
});

test.each([
  ['wrong-status', 'update', /answered 200, expected 204/],
  ['body-on-204', 'revoke', /a body on a 204/],
  ['password-unchecked', 'auth.wrong-password', /issued a credential/],
  ['plain-401', 'error-format', /401: body is not a JSON object/],
] as const)('%s: exits 1, naming the failing check %s', async (defect, check, reason) => {
  fake = await startFake(defect);
  const { code, report } = await probe(fake);
  expect(code).toBe(1);
  expect(failed(report, 'required')).toEqual([check]);
  expect(report.checks.find((result) => result.id === check)?.reason).toMatch(reason);
  expect(fake.live.size).toBe(0);
});

test('a revoke that does not revoke: the protected URL still opens, exit 1', async () => {
  fake = await startFake('revoke-keeps');
  const { code, report } = await probe(fake, ['--check-url', `${fake.url}/protected`]);
  expect(code).toBe(1);
  expect(failed(report, 'required')).toEqual(['check-url.revoked']);
  expect(report.checks.find((result) => result.id === 'check-url.revoked')?.reason).toMatch(
    /still answered 200 .* after the revoke, expected 401 or 403/,
  );
  // Polled until --max-wait: more than one call.
  expect(report.checks.find((result) => result.id === 'check-url.revoked')?.calls.length).toBeGreaterThan(1);
  // Recommended: a revoked credential should be unknown to update.
  expect(failed(report, 'recommended')).toEqual(['update.revoked']);
});

test('a password that is not checked: the credentials the refusals issued are revoked by the cleanup', async () => {
  fake = await startFake('password-unchecked');
  const { report, stderr } = await probe(fake);
  // The wrong password, the malformed header would not pass the fake's prefix check; the wrong password did.
  expect(fake.issued.length).toBe(2);
  expect(fake.live.size).toBe(0);
  expect(report.cleanup.created).toEqual(expect.arrayContaining(fake.issued));
  expect(report.cleanup.revokedByCleanup).toHaveLength(1);
  expect(report.cleanup.failed).toEqual([]);
  expect(stderr).toMatch(/cleanup: the probe created 2 credential\(s\).*1 revoked by the cleanup/);
});

test('a revoke that fails mid-way: the cleanup revokes the credential', async () => {
  fake = await startFake('revoke-fails-once');
  const { code, report } = await probe(fake);
  expect(code).toBe(1);
  expect(failed(report, 'required')).toContain('revoke');
  expect(fake.issued).toHaveLength(1);
  expect(fake.live.size).toBe(0);
  expect(report.cleanup.revokedByCleanup).toEqual(fake.issued);
});

test('usage errors exit 2 with the usage text', async () => {
  const errors: string[] = [];
  const io = {
    stdout: () => undefined,
    stderr: (text: string) => void errors.push(text),
    env: {},
    interrupt: new AbortController().signal,
  };
  expect(await main([], io)).toBe(2);
  expect(await main(['http://127.0.0.1:1', '--password', 'p'], io)).toBe(2);
  expect(
    await main(['http://127.0.0.1:1', '--username', 'u', '--password', 'p', '--kind', 'oauth'], io),
  ).toBe(2);
  expect(await main(['http://127.0.0.1:1', '--username', 'u', '--password', 'p', '--verbose'], io)).toBe(2);
  expect(await main(['not a url', '--username', 'u', '--password', 'p'], io)).toBe(2);
  expect(errors.join('')).toMatch(/unknown option: --verbose[\s\S]*Usage:/);
});

/** Collects a child's output until it exits. */

test('the command exits 2 on a usage error', async () => {
  const child = spawn(TSX, ['scripts/probe.ts', '--kind', 'api-key'], { cwd: ROOT, env: { ...process.env } });
  const { code, stderr } = await outputOf(child);
  expect(code).toBe(2);
  expect(stderr).toContain('give the webhook base URL, or --stack <StackName>');
  expect(stderr).toContain('Usage:');
}, 30_000);

test('interrupted (SIGTERM) while waiting for propagation: revokes what it created, says so, exits 1', async () => {
  fake = await startFake('none');
  const running = fake;
  // A protected URL that never opens: the probe polls it until interrupted.
  const child = spawn(
    TSX,
    [
      'scripts/probe.ts',
      running.url,
      '--username',
      USERNAME,
      '--password',
      PASSWORD,
      '--check-url',
      `${running.url}/never`,
      '--max-wait',
      '600',
    ],
    { cwd: ROOT, env: { ...process.env } },
  );
  const done = outputOf(child);
  // Interrupt once the credential exists and the probe is polling.
  while (running.live.size === 0 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGTERM');
  const { code, stdout, stderr } = await done;
  expect(code).toBe(1);
  expect(running.issued).toHaveLength(1);
  expect(running.live.size).toBe(0);
  expect(stderr).toContain('SIGTERM: stopping, revoking what the probe created');
  expect(stdout).toMatch(/1 revoked by the cleanup/);
  expect(stdout).toContain('interrupted: the remaining checks did not run');
}, 60_000);
