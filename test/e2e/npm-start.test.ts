/** `npm start` as a new user runs it: the entry point prints what is needed to call it, and it answers. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function launch(env: Record<string, string>): ChildProcess {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(AWS_|WEBHOOK_|ALLOWED_|DEFAULT_|API_|USER_POOL|TOKEN_URL|LEDGER_)/.test(name),
    ),
  );
  return spawn(TSX, ['lambda/dev-server/main.ts'], { cwd: ROOT, env: { ...clean, PORT: '0', ...env } });
}

/** Collects the process's stdout until `done` says it has seen enough, or it exits. */
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

test('prints the URL, the generated Basic credentials and a curl line, then serves them', async () => {
  const child = launch({});
  try {
    const { stdout } = await output(child, (text) => text.includes('curl'));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    const username = /username: (\S+)/.exec(stdout)?.[1];
    const password = /password: (\S+)/.exec(stdout)?.[1];
    expect({ url, username, password }).toEqual({
      url: expect.any(String),
      username: 'portal',
      password: expect.stringMatching(/^[A-Za-z0-9]{24}$/),
    });
    expect(stdout).toContain(`curl -s -u '${username}:${password}'`);
    expect(stdout).toContain('(generated; set WEBHOOK_PASSWORD to choose)');

    const health = await fetch(`${url}/v1/health`, {
      headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    });
    expect(health.status).toBe(204);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('never prints a password the user chose in WEBHOOK_PASSWORD, and serves it', async () => {
  const chosen = 'my-own-Secret-4711';
  const child = launch({ WEBHOOK_PASSWORD: chosen });
  try {
    const { stdout, stderr } = await output(child, (text) => text.includes('"appName"'));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];

    expect(`${stdout}${stderr}`).not.toContain(chosen);
    expect(stdout).toContain('Basic auth username: portal');
    expect(stdout).toContain('Basic auth password: the one in WEBHOOK_PASSWORD (not printed)');
    // The curl line reads it from the variable the user set, so it still works when pasted.
    expect(stdout).toContain(`curl -s -u "portal:$WEBHOOK_PASSWORD"`);

    const health = await fetch(`${url}/v1/health`, {
      headers: { Authorization: `Basic ${Buffer.from(`portal:${chosen}`).toString('base64')}` },
    });
    expect(health.status).toBe(204);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('with client credentials, the token URL in the credential answers with a token', async () => {
  const child = launch({
    DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
    WEBHOOK_PASSWORD: 'chosen-password',
  });
  try {
    const { stdout } = await output(child, (text) => text.includes('curl'));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    const created = await fetch(`${url}/v1/createCredentials`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from('portal:chosen-password').toString('base64')}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ appName: 'my app', developer: 'dev@example.com', apis: [{ id: 'orders1' }] }),
    });
    const credential = (await created.json()) as {
      clientId: string;
      clientSecret: string;
      customCredentials: { tokenUrl: string };
    };
    // PORT=0: the server picked its port, and the token URL carries it.
    expect(credential.customCredentials.tokenUrl).toBe(`${url}/oauth2/token`);

    const token = await fetch(credential.customCredentials.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${credential.clientId}:${credential.clientSecret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({
      token_type: 'Bearer',
      scope: 'local-api/read local-api/write',
    });
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

// Nothing is sent to AWS at startup, so an endpoint nobody listens on is enough to pick the AWS backend.
const AWS_ENDPOINT = {
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'x',
  AWS_SECRET_ACCESS_KEY: 'x',
};
const LEDGER_IN_MEMORY = 'ledger: in memory (set LEDGER_TABLE to keep it in DynamoDB)';

test('with AWS but no LEDGER_TABLE, says the ledger is kept in memory', async () => {
  const child = launch(AWS_ENDPOINT);
  try {
    const { stdout } = await output(child, (text) => text.includes('curl'));
    expect(stdout).toContain('(backend: AWS SDK)');
    expect(stdout).toContain(LEDGER_IN_MEMORY);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);

test('with AWS and a LEDGER_TABLE, keeps the ledger in DynamoDB and says nothing of memory', async () => {
  const child = launch({ ...AWS_ENDPOINT, LEDGER_TABLE: 'webhook-ledger' });
  try {
    const { stdout } = await output(child, (text) => text.includes('curl'));
    expect(stdout).toContain('(backend: AWS SDK)');
    expect(stdout).not.toContain('ledger: in memory');
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);
