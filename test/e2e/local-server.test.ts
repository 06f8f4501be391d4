/**
 * The local server over real HTTP on loopback, playing the Portal's sequence and its bad inputs.
 * The server is the same webhook Lambda runs, with the in-process backend.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { localBackend } from '../../lambda/adapters/local/backend';
import { composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import { type RunningServer, startServer } from '../../lambda/dev-server/server';
import { basic, createRequest, PASSWORD, USERNAME } from '../support/events';

const silent = new Logger({ logLevel: 'SILENT' });

async function start(env: Record<string, string> = {}): Promise<RunningServer> {
  const config = loadConfig({
    WEBHOOK_USERNAME: USERNAME,
    WEBHOOK_PASSWORD: PASSWORD,
    ALLOWED_USAGE_PLAN_IDS: 'plan1,plan2,plan3',
    ...env,
  });
  return startServer(composeWebhook(config, localBackend(config), silent), { port: 0 });
}

interface Reply {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

async function call(
  server: RunningServer,
  path: string,
  options: { method?: string; body?: string | unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const body =
    options.body === undefined || typeof options.body === 'string'
      ? options.body
      : JSON.stringify(options.body);
  const response = await fetch(`${server.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { Authorization: basic(), 'Content-Type': 'application/json', ...options.headers },
    ...(body !== undefined && { body }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

describe('API keys: the Portal sequence', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  test('health, create, update, revoke, revoke again, update after revoke', async () => {
    const health = await call(server, '/v1/health');
    expect(health.status).toBe(204);
    expect(health.text).toBe('');
    expect(health.headers.get('cache-control')).toBe('no-store');

    const app = createRequest({ apis: [{ id: 'api1', usagePlans: [{ id: 'plan1' }] }] });
    const created = await call(server, '/v1/createCredentials', { body: app });
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const credential = created.json as Record<string, unknown>;
    expect(credential).toEqual({
      credentialType: 'API_KEY',
      apiKeyId: expect.stringMatching(/^[a-z0-9]{10}$/),
      apiKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
      customCredentials: { apiKeyHeader: 'x-api-key' },
    });

    const stored = { ...credential, ...app };
    const updated = await call(server, '/v1/updateCredentials', {
      body: { ...stored, apis: [{ id: 'api1', usagePlans: [{ id: 'plan2' }, { id: 'plan3' }] }] },
    });
    expect(updated.status).toBe(204);

    expect((await call(server, '/v1/revokeCredentials', { body: stored })).status).toBe(204);
    expect((await call(server, '/v1/revokeCredentials', { body: stored })).status).toBe(204);

    const afterRevoke = await call(server, '/v1/updateCredentials', { body: stored });
    expect(afterRevoke.status).toBe(404);
    expect(afterRevoke.json).toMatchObject({ code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('two creates give two distinct keys', async () => {
    const [a, b] = await Promise.all([
      call(server, '/v1/createCredentials', {
        body: createRequest({ appSlug: 'a1', apis: [{ id: 'x', usagePlans: [{ id: 'plan1' }] }] }),
      }),
      call(server, '/v1/createCredentials', {
        body: createRequest({ appSlug: 'b1', apis: [{ id: 'x', usagePlans: [{ id: 'plan1' }] }] }),
      }),
    ]);
    expect((a.json as { apiKey: string }).apiKey).not.toBe((b.json as { apiKey: string }).apiKey);
  });

  test('a usage plan outside the allow-list is refused with 422', async () => {
    const reply = await call(server, '/v1/createCredentials', {
      body: createRequest({ apis: [{ id: 'api1', usagePlans: [{ id: 'plan1' }, { id: 'other' }] }] }),
    });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({ code: 'USAGE_PLAN_NOT_ALLOWED', details: [] });
    expect((reply.json as { message: string }).message).toContain('other');
  });
});

describe('bad input gets a 4xx in the error format', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  const errorShape = { message: expect.any(String), code: expect.any(String), details: expect.any(Array) };

  test.each([
    ['malformed JSON', '{"appName": ', 400, 'MALFORMED_JSON'],
    ['a JSON array', '[1,2]', 400, 'INVALID_REQUEST'],
    ['JSON null', 'null', 400, 'INVALID_REQUEST'],
    ['an empty body', '', 400, 'MALFORMED_JSON'],
    ['a bare string', '"hello"', 400, 'INVALID_REQUEST'],
    ['wrong types', JSON.stringify({ appName: 1, developer: [], apis: 'x' }), 400, 'INVALID_REQUEST'],
    [
      'control characters',
      JSON.stringify(createRequest({ appName: 'evil\u0000name' })),
      400,
      'INVALID_REQUEST',
    ],
    [
      'an absurdly long string',
      JSON.stringify(createRequest({ appName: 'x'.repeat(10_000) })),
      400,
      'INVALID_REQUEST',
    ],
    [
      'a body over the limit',
      JSON.stringify(createRequest({ appName: 'x'.repeat(70_000) })),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
  ])('%s', async (_name, body, status, code) => {
    const reply = await call(server, '/v1/createCredentials', { method: 'POST', body });
    expect(reply.status).toBe(status);
    expect(reply.json).toEqual({ ...errorShape, code });
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  test('missing fields are each named in details', async () => {
    const reply = await call(server, '/v1/createCredentials', { body: {} });
    expect(reply.status).toBe(400);
    const fields = (reply.json as { details: { field: string }[] }).details.map((d) => d.field);
    expect(fields.sort()).toEqual(['apis', 'appName', 'developer']);
  });

  test('a body over the transport cap is refused without reaching the webhook', async () => {
    const reply = await call(server, '/v1/createCredentials', { body: 'x'.repeat(2 * 1024 * 1024) });
    expect(reply.status).toBe(413);
    expect(reply.json).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  test('a non-JSON content type is 415', async () => {
    const reply = await call(server, '/v1/createCredentials', {
      body: JSON.stringify(createRequest()),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(reply.status).toBe(415);
    expect(reply.json).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  test('a JSON content type with a charset is accepted', async () => {
    const reply = await call(server, '/v1/createCredentials', {
      body: createRequest(),
      headers: { 'Content-Type': 'application/json; charset=UTF-8' },
    });
    expect(reply.status).toBe(422); // valid JSON; the example's plan is not on this allow-list
  });

  test.each([
    ['no header', undefined],
    ['a Bearer token', 'Bearer abc.def.ghi'],
    ['a wrong password', basic(USERNAME, 'wrong')],
    ['a wrong username', basic('someone', PASSWORD)],
    ['garbage', 'Basic !!!'],
  ])('%s is 401 with WWW-Authenticate', async (_name, authorization) => {
    const headers: Record<string, string> =
      authorization === undefined ? {} : { Authorization: authorization };
    const response = await fetch(`${server.url}/v1/health`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await response.json()).toEqual({ ...errorShape, code: 'UNAUTHORIZED' });
  });

  test('an unknown path is 404 and a wrong method 405 with Allow', async () => {
    const unknown = await call(server, '/v2/createCredentials', { body: createRequest() });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ ...errorShape, code: 'ROUTE_NOT_FOUND' });

    const wrong = await call(server, '/v1/createCredentials', { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.json).toEqual({ ...errorShape, code: 'METHOD_NOT_ALLOWED' });
  });

  test('the server keeps serving after bad input', async () => {
    await call(server, '/v1/createCredentials', { body: '{"__proto__": {"polluted": true}, "appName": 1}' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await call(server, '/v1/health')).status).toBe(204);
  });
});

describe('a repeated create with the same appSlug', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  const app = createRequest({
    appSlug: 'shared-slug',
    developer: 'owner@example.com',
    apis: [{ id: 'api1', usagePlans: [{ id: 'plan1' }] }],
  });

  test('from another developer is 409 APP_SLUG_CONFLICT, and the owner keeps their key', async () => {
    const first = await call(server, '/v1/createCredentials', { body: app });
    expect(first.status).toBe(200);
    const { apiKeyId, apiKey } = first.json as { apiKeyId: string; apiKey: string };

    const other = await call(server, '/v1/createCredentials', {
      body: {
        ...app,
        developer: 'someone-else@example.org',
        apis: [{ id: 'api1', usagePlans: [{ id: 'plan2' }] }],
      },
    });
    expect(other.status).toBe(409);
    expect(other.json).toEqual({ message: expect.any(String), code: 'APP_SLUG_CONFLICT', details: [] });
    expect(other.text).not.toContain(apiKey);
    expect(other.text).not.toContain(apiKeyId);
    expect(other.text).not.toContain('owner@example.com');

    // The owner's retry still gets their key.
    const repeat = await call(server, '/v1/createCredentials', { body: app });
    expect(repeat.status).toBe(200);
    expect(repeat.json).toMatchObject({ apiKeyId, apiKey });
  });

  test('from the same developer with other details updates and returns the same key', async () => {
    const own = { ...app, appSlug: 'own-slug' };
    const first = await call(server, '/v1/createCredentials', { body: own });
    const repeat = await call(server, '/v1/createCredentials', {
      body: { ...own, appName: 'renamed', apis: [{ id: 'api1', usagePlans: [{ id: 'plan2' }] }] },
    });
    expect(repeat.status).toBe(200);
    expect((repeat.json as { apiKeyId: string }).apiKeyId).toBe(
      (first.json as { apiKeyId: string }).apiKeyId,
    );
  });
});

describe('the security review’s refusals and the missing Content-Type', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());

  test.each([
    ['a right-to-left override in appName', { appName: 'invoice\u202efdp.exe' }, 'appName'],
    ['a zero-width space in developer', { developer: 'dev\u200b@example.com' }, 'developer'],
    ['a C1 control in appName', { appName: 'app\u0085name' }, 'appName'],
    ['a tag character in appName', { appName: 'app\u{e0041}' }, 'appName'],
    ['a space in appSlug', { appSlug: 'my app' }, 'appSlug'],
  ])('%s is 400 INVALID_REQUEST naming the field', async (_name, fields, field) => {
    const reply = await call(server, '/v1/createCredentials', {
      body: createRequest({ apis: [{ id: 'api1', usagePlans: [{ id: 'plan1' }] }], ...fields }),
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'INVALID_REQUEST', details: [{ field }] });
  });

  test('a JSON body without any Content-Type is accepted', async () => {
    // A byte body: fetch adds no Content-Type of its own (a string body would get text/plain).
    const response = await fetch(`${server.url}/v1/createCredentials`, {
      method: 'POST',
      headers: { Authorization: basic() },
      body: Buffer.from(
        JSON.stringify(createRequest({ apis: [{ id: 'api1', usagePlans: [{ id: 'plan1' }] }] })),
      ),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ credentialType: 'API_KEY' });
  });
});

describe('client credentials: the Portal sequence', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start({
      DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
      USER_POOL_ID: 'local_LocalPool',
      TOKEN_URL: 'http://127.0.0.1:3000/oauth2/token',
      DEFAULT_SCOPES: 'orders/read',
      API_SCOPES: '{"payments1":["payments/read","payments/write"]}',
    });
  });
  afterAll(() => server.close());

  test('create returns a client with its token endpoint and scopes; update, revoke, revoke again, 404', async () => {
    const created = await call(server, '/v1/createCredentials', {
      body: createRequest({ apis: [{ id: 'orders1' }, { id: 'payments1' }] }),
    });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      credentialType: 'CLIENT_CREDENTIALS',
      clientId: expect.stringMatching(/^[a-z0-9]{26}$/),
      clientSecret: expect.stringMatching(/^[A-Za-z0-9]{51}$/),
      customCredentials: {
        tokenUrl: 'http://127.0.0.1:3000/oauth2/token',
        grantType: 'client_credentials',
        scopes: ['orders/read', 'payments/read', 'payments/write'],
        accessTokenValiditySeconds: 3600,
      },
    });
    const stored = { ...(created.json as object), ...createRequest() };

    const updated = await call(server, '/v1/updateCredentials', {
      body: { ...stored, apis: [{ id: 'orders1' }] },
    });
    expect(updated.status).toBe(204);
    expect((await call(server, '/v1/revokeCredentials', { body: stored })).status).toBe(204);
    expect((await call(server, '/v1/revokeCredentials', { body: stored })).status).toBe(204);
    const afterRevoke = await call(server, '/v1/updateCredentials', { body: stored });
    expect(afterRevoke.status).toBe(404);
  });

  test('APIs that need different credential types are refused with 422', async () => {
    const mixed = await start({
      DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
      API_CREDENTIAL_TYPES: '{"keyed1":"API_KEY"}',
      USER_POOL_ID: 'local_LocalPool',
      TOKEN_URL: 'https://auth.example.com/oauth2/token',
      DEFAULT_SCOPES: 'orders/read',
    });
    try {
      const reply = await call(mixed, '/v1/createCredentials', {
        body: createRequest({ apis: [{ id: 'orders1' }, { id: 'keyed1', usagePlans: [{ id: 'plan1' }] }] }),
      });
      expect(reply.status).toBe(422);
      expect(reply.json).toMatchObject({ code: 'MIXED_CREDENTIAL_TYPES' });
      expect((reply.json as { message: string }).message).toContain('keyed1');
    } finally {
      await mixed.close();
    }
  });
});
