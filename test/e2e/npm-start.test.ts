/**
 * `npm start` as a new user runs it: the entry point prints what is needed to call it, the commands
 * it prints work when pasted into a shell, and a port already taken is said in one line.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { LocalTokenKeys } from '../../lambda/adapters/local/local-token-keys';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const READY = 'Stop with Ctrl+C.';

/** The environment without any setting of the webhook's, so the defaults a new user sees apply. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !/^(AWS_|WEBHOOK_|VALIDATOR_|ALLOWED_|DEFAULT_|API_|USER_POOL|TOKEN_URL|LEDGER_|PORT$|HOST$)/.test(
          entry[0],
        ),
    ),
  );
}

function launch(env: Record<string, string>): ChildProcess {
  return spawn(TSX, ['lambda/dev-server/main.ts'], { cwd: ROOT, env: { ...cleanEnv(), PORT: '0', ...env } });
}

/** Collects the process's output until `done` says stdout has all it needs, or the process exits. */
function output(
  child: ChildProcess,
  done: (text: string) => boolean,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (done(stdout)) resolve({ stdout, stderr, code: null });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => resolve({ stdout, stderr, code }));
  });
}

/** Starts it and waits for the whole banner. */
async function started(env: Record<string, string>): Promise<{ child: ChildProcess; stdout: string }> {
  const child = launch(env);
  const { stdout, stderr, code } = await output(child, (text) => text.includes(READY));
  if (code !== null) throw new Error(`npm start exited with ${code}:\n${stdout}${stderr}`);
  return { child, stdout };
}

/**
 * The printed commands as a shell script: the indented lines between "Try it" and the last line
 * (labels stand on lines of their own at the margin).
 */
function printedCommands(stdout: string): string {
  const block = stdout.slice(stdout.indexOf('Try it'), stdout.indexOf(READY)).split('\n');
  return block.filter((line) => line.startsWith('  ')).join('\n');
}

/** Runs the script with sh, as pasted into a terminal; resolves with the lines it printed. */
function paste(script: string, env: Record<string, string> = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], { env: { ...cleanEnv(), ...env }, timeout: 20_000 }, (error, stdout) =>
      error === null ? resolve(stdout.trimEnd().split('\n')) : reject(error),
    );
  });
}

const listeningUrl = (stdout: string) => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];

const apiKey = (line: string | undefined) =>
  expect(JSON.parse(line ?? 'null')).toEqual({
    credentialType: 'API_KEY',
    apiKeyId: expect.any(String),
    apiKey: expect.any(String),
    customCredentials: { apiKeyHeader: 'x-api-key' },
  });

const client = (line: string | undefined, tokenUrl: string) =>
  expect(JSON.parse(line ?? 'null')).toMatchObject({
    credentialType: 'CLIENT_CREDENTIALS',
    clientId: expect.any(String),
    clientSecret: expect.any(String),
    customCredentials: { tokenUrl },
  });

const token = (line: string | undefined) =>
  expect(JSON.parse(line ?? 'null')).toEqual({
    access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    token_type: 'Bearer',
    expires_in: 3600,
    scope: 'local-api/read local-api/write',
  });

const validKey = (line: string | undefined) =>
  expect(JSON.parse(line ?? 'null')).toEqual({
    valid: true,
    message: 'Token is valid',
    credentialType: 'API_KEY',
    apiKeyId: expect.any(String),
    appSlug: 'my-app',
  });

/** The API-key sequence's answers: the key, its validation, then 204 for update, revoke and health. */
function expectKeySequence(printed: readonly string[]): void {
  apiKey(printed[0]);
  validKey(printed[1]);
  expect(printed.slice(2, 5)).toEqual(['204', '204', '204']);
}

const validToken = (line: string | undefined, appSlug: string) =>
  expect(JSON.parse(line ?? 'null')).toEqual({
    valid: true,
    message: 'Token is valid',
    credentialType: 'CLIENT_CREDENTIALS',
    clientId: expect.any(String),
    appSlug,
    scopes: ['local-api/read', 'local-api/write'],
  });

beforeAll(() => {
  // The printed commands are curl lines: without curl they cannot be checked, which must not pass.
  const curl = spawnSync('curl', ['--version']);
  if (curl.status !== 0) throw new Error('these tests run the printed curl commands: install curl');
});

test('prints the URL, the kind, the generated Basic credentials and commands that work as pasted', async () => {
  const { child, stdout } = await started({});
  try {
    const url = listeningUrl(stdout);
    const username = /^Basic auth username: (\S+)/m.exec(stdout)?.[1];
    const password = /^Basic auth password: (\S+)/m.exec(stdout)?.[1];
    const validator = /^validateCredentials Basic auth username: (\S+)/m.exec(stdout)?.[1];
    const validatorPassword = /^validateCredentials Basic auth password: (\S+)/m.exec(stdout)?.[1];
    expect({ url, username, password, validator, validatorPassword }).toEqual({
      url: expect.any(String),
      username: 'portal',
      password: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
      validator: 'validator',
      validatorPassword: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
    });
    expect(validatorPassword).not.toBe(password);
    expect(stdout).toContain('(generated; set WEBHOOK_PASSWORD to choose)');
    expect(stdout).toContain('(generated; set VALIDATOR_PASSWORD to choose)');
    expect(stdout).toContain(`curl -s -u '${validator}:${validatorPassword}'`);
    expect(stdout).toContain('Credentials: API keys for every API');
    expect(stdout).toContain(`curl -s -u '${username}:${password}'`);
    for (const path of [
      'createCredentials',
      'validateCredentials',
      'updateCredentials',
      'revokeCredentials',
      'health',
    ]) {
      expect(stdout).toContain(`${url}/v1/${path}`);
    }
    expect(stdout).not.toContain('oauth2/token');

    // create (the credential, so 200), validate (200, valid), update, revoke and health (204 each),
    // in the printed order.
    const printed = await paste(printedCommands(stdout));
    expect(printed).toHaveLength(5);
    expectKeySequence(printed);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('never prints a password the user chose in WEBHOOK_PASSWORD; its commands read the variable', async () => {
  const chosen = 'my-own-Secret-4711';
  const child = launch({ WEBHOOK_PASSWORD: chosen });
  try {
    const { stdout, stderr } = await output(child, (text) => text.includes(READY));

    expect(`${stdout}${stderr}`).not.toContain(chosen);
    expect(stdout).toContain('Basic auth username: portal');
    expect(stdout).toContain('Basic auth password: the one in WEBHOOK_PASSWORD (not printed;');
    // The commands read it from the variable the user set, so they still work when pasted.
    expect(stdout).toContain(`curl -s -u "portal:$WEBHOOK_PASSWORD"`);

    const printed = await paste(printedCommands(stdout), { WEBHOOK_PASSWORD: chosen });
    expect(printed).toHaveLength(5);
    expectKeySequence(printed);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('never prints a validator password the user chose in VALIDATOR_PASSWORD; the validate command reads it', async () => {
  const chosen = 'my-own-Validator-4711';
  const child = launch({ VALIDATOR_PASSWORD: chosen, VALIDATOR_USERNAME: 'checker' });
  try {
    const { stdout, stderr } = await output(child, (text) => text.includes(READY));

    expect(`${stdout}${stderr}`).not.toContain(chosen);
    expect(stdout).toContain('validateCredentials Basic auth username: checker');
    expect(stdout).toContain(
      'validateCredentials Basic auth password: the one in VALIDATOR_PASSWORD (not printed;',
    );
    expect(stdout).toContain(`curl -s -u "checker:$VALIDATOR_PASSWORD"`);

    const printed = await paste(printedCommands(stdout), { VALIDATOR_PASSWORD: chosen });
    apiKey(printed[0]);
    validKey(printed[1]);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('with client credentials, says so and prints a token request that answers with a token', async () => {
  const { child, stdout } = await started({ DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS' });
  try {
    const url = listeningUrl(stdout);
    expect(stdout).toContain('Credentials: client credentials for every API');
    // PORT=0: the server picked its port, and the token URL carries it.
    expect(stdout).toContain(`-d grant_type=client_credentials ${url}/oauth2/token`);

    // create, token, validate the token, update, revoke, health.
    const printed = await paste(printedCommands(stdout));
    expect(printed).toHaveLength(6);
    client(printed[0], `${url}/oauth2/token`);
    token(printed[1]);
    validToken(printed[2], 'my-app');
    expect(printed.slice(3)).toEqual(['204', '204', '204']);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('with client credentials for some APIs only, names them and prints both flows', async () => {
  const { child, stdout } = await started({ API_CREDENTIAL_TYPES: '{"orders1":"CLIENT_CREDENTIALS"}' });
  try {
    const url = listeningUrl(stdout);
    expect(stdout).toContain('Credentials: API keys; client credentials for API orders1');

    // The key's create, validate, update, revoke, health; then the client's create, token, validate.
    const printed = await paste(printedCommands(stdout));
    expect(printed).toHaveLength(8);
    expectKeySequence(printed);
    client(printed[5], `${url}/oauth2/token`);
    token(printed[6]);
    validToken(printed[7], 'my-client-app');
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('invalid configuration stops it with a message naming the variable', async () => {
  const child = launch({ DEFAULT_CREDENTIAL_TYPE: 'PASSWORDS' });
  const { stderr, code } = await output(child, () => false);
  expect(code).toBe(1);
  expect(stderr).toContain('DEFAULT_CREDENTIAL_TYPE');
}, 30_000);

describe('a port already in use', () => {
  let occupied: Server;
  let port = 0;
  beforeAll(async () => {
    occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    const address = occupied.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    port = address.port;
  });
  afterAll(() => new Promise<void>((resolve) => occupied.close(() => resolve())));

  test('is said in one line with how to choose another, and exits non-zero without a stack trace', async () => {
    // Through npm itself, as the user runs it: nothing npm adds may hide the line.
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      env: { ...cleanEnv(), PORT: String(port), npm_config_update_notifier: 'false' },
    });
    const { stdout, stderr, code } = await output(child, () => false);

    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr.trim().split('\n')[0]).toBe(
      `Cannot listen on 127.0.0.1:${port}: the port is already in use. ` +
        `Choose another with PORT=${port + 1} npm start, or PORT=0 for any free port.`,
    );
    expect(`${stdout}${stderr}`).not.toMatch(/^\s+at /m);
    expect(stdout).not.toContain('listening');
  }, 30_000);
});

// Nothing is sent to AWS at startup, so an endpoint nobody listens on is enough to pick the AWS backend.
const AWS_ENDPOINT = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
};
const LEDGER_IN_MEMORY = 'ledger: in memory (set LEDGER_TABLE to keep it in DynamoDB)';

test('with AWS but no LEDGER_TABLE, says the ledger is kept in memory', async () => {
  const { child, stdout } = await started(AWS_ENDPOINT);
  try {
    expect(stdout).toContain('(backend: AWS SDK)');
    expect(stdout).toContain(LEDGER_IN_MEMORY);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('with AWS and a LEDGER_TABLE, keeps the ledger in DynamoDB and says nothing of memory', async () => {
  const { child, stdout } = await started({ ...AWS_ENDPOINT, LEDGER_TABLE: 'webhook-ledger' });
  try {
    expect(stdout).toContain('(backend: AWS SDK)');
    expect(stdout).not.toContain('ledger: in memory');
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

describe('validateCredentials, as a backend calls it under npm start', () => {
  let child: ChildProcess;
  let url = '';
  let portal = '';
  let validator = '';

  const basicOf = (username: string | undefined, password: string | undefined) =>
    `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  beforeAll(async () => {
    const run = await started({ API_CREDENTIAL_TYPES: '{"orders1":"CLIENT_CREDENTIALS"}' });
    child = run.child;
    url = listeningUrl(run.stdout) ?? '';
    portal = basicOf('portal', /^Basic auth password: (\S+)/m.exec(run.stdout)?.[1]);
    validator = basicOf(
      'validator',
      /^validateCredentials Basic auth password: (\S+)/m.exec(run.stdout)?.[1],
    );
  }, 30_000);

  afterAll(() => {
    child.kill('SIGTERM');
  });

  const post = (path: string, authorization: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function validate(body: unknown): Promise<unknown> {
    const response = await post('/v1/validateCredentials', validator, body);
    expect({ status: response.status, cacheControl: response.headers.get('cache-control') }).toEqual({
      status: 200,
      cacheControl: 'no-store',
    });
    return response.json();
  }

  const app = (appSlug: string, api: Record<string, unknown>) => ({
    appName: appSlug,
    appSlug,
    developer: 'dev@example.com',
    apis: [api],
  });

  async function issueClient(appSlug: string): Promise<{ clientId: string; accessToken: string }> {
    const created = await post('/v1/createCredentials', portal, app(appSlug, { id: 'orders1' }));
    const { clientId, clientSecret } = (await created.json()) as { clientId: string; clientSecret: string };
    const answer = await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: {
        Authorization: basicOf(clientId, clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    const { access_token: accessToken } = (await answer.json()) as { access_token: string };
    return { clientId, accessToken };
  }

  test('an API key just created is valid; once revoked, it is REVOKED', async () => {
    const created = await post(
      '/v1/createCredentials',
      portal,
      app('key-app', { id: 'keys1', usagePlans: [{ id: 'p1' }] }),
    );
    const key = (await created.json()) as { apiKeyId: string; apiKey: string };

    expect(await validate({ apiKey: key.apiKey })).toEqual({
      valid: true,
      message: 'Token is valid',
      credentialType: 'API_KEY',
      apiKeyId: key.apiKeyId,
      appSlug: 'key-app',
    });
    expect((await post('/v1/revokeCredentials', portal, key)).status).toBe(204);
    expect(await validate({ apiKey: key.apiKey })).toEqual({
      valid: false,
      message: 'Token is not valid: it was revoked',
      reason: 'REVOKED',
    });
  });

  test("a token from the local token endpoint is valid, with the client's scopes; once revoked, REVOKED", async () => {
    const { clientId, accessToken } = await issueClient('client-app');

    expect(await validate({ accessToken })).toEqual({
      valid: true,
      message: 'Token is valid',
      credentialType: 'CLIENT_CREDENTIALS',
      clientId,
      appSlug: 'client-app',
      scopes: ['local-api/read', 'local-api/write'],
    });
    expect((await post('/v1/revokeCredentials', portal, { clientId })).status).toBe(204);
    expect(await validate({ accessToken })).toMatchObject({ valid: false, reason: 'REVOKED' });
  });

  test("a token signed by another key is FORGED, whether it names the server's key or its own", async () => {
    const { clientId, accessToken } = await issueClient('forged-app');
    const [header, payload] = accessToken.split('.');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const resigned = `${header}.${payload}.${sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
    const ownKey = LocalTokenKeys.generate(url).sign({
      clientId,
      scopes: ['local-api/read'],
      expiresInSeconds: 600,
    });

    for (const forged of [resigned, ownKey]) {
      expect(await validate({ accessToken: forged })).toEqual({
        valid: false,
        message: "Token is not valid: it was not signed by this deployment's token issuer",
        reason: 'FORGED',
      });
    }
  });

  test('garbage is MALFORMED; a key of the right shape that was never issued is UNKNOWN', async () => {
    expect(await validate({ accessToken: 'not-a-token' })).toMatchObject({
      valid: false,
      reason: 'MALFORMED',
    });
    expect(await validate({ apiKey: 'short' })).toMatchObject({ valid: false, reason: 'MALFORMED' });
    expect(await validate({ apiKey: 'A'.repeat(40) })).toEqual({
      valid: false,
      message: 'Token is not valid: this deployment did not issue it',
      reason: 'UNKNOWN',
    });
  });

  test("the Portal's credentials do not open validateCredentials, nor the validator's the Portal's routes", async () => {
    expect((await post('/v1/validateCredentials', portal, { apiKey: 'A'.repeat(40) })).status).toBe(401);
    expect((await post('/v1/createCredentials', validator, app('x', { id: 'keys1' }))).status).toBe(401);
  });
});
