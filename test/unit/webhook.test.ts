import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { CredentialService } from '../../lambda/credentials/credential-service';
import { ApiKeyCredentialSchema, ErrorResponseSchema } from '../../lambda/schemas';
import type { WebhookEvent } from '../../lambda/webhook';
import { basic, createRequest, event, PASSWORD, USERNAME } from '../support/events';
import { captureLogs } from '../support/logs';
import { localWebhook } from '../support/webhook';

/** Usage plans that exist in the in-memory API Gateway and are on the allow-list. */
const PLAN = '1el57v';
const OTHER_PLAN = 'p2other';
/** On the allow-list but absent from API Gateway (deleted by an administrator, say). */
const DELETED_PLAN = 'gone01';
/** Exists in API Gateway but is not on the allow-list. */
const FORBIDDEN_PLAN = 'internal9';
/** A REST API this deployment serves with client credentials. */
const CLIENT_API = 'cl1entapi';
const SOURCE_IP = '203.0.113.7';

function setup(options: { logger?: Logger; maxBodyBytes?: number } = {}) {
  return localWebhook({
    allowedUsagePlanIds: [PLAN, OTHER_PLAN, DELETED_PLAN],
    existingUsagePlanIds: [PLAN, OTHER_PLAN, FORBIDDEN_PLAN],
    clientCredentialApis: [CLIENT_API],
    ...options,
  });
}

/** The credential operations behind the HTTP layer, for a test to make them fail. */
const operations = CredentialService.prototype;

type Webhook = ReturnType<typeof setup>['webhook'];

const jsonHeaders = (extra: Record<string, string> = {}) => ({
  Authorization: basic(),
  'Content-Type': 'application/json',
  ...extra,
});

const health = (overrides: Partial<WebhookEvent> = {}): WebhookEvent =>
  event({ httpMethod: 'GET', path: '/v1/health', headers: { Authorization: basic() }, ...overrides });

const post = (path: string, json: unknown, overrides: Partial<WebhookEvent> = {}): WebhookEvent =>
  event({ path, json, ...overrides });

const body = (response: APIGatewayProxyResult): unknown => JSON.parse(response.body);
const errorBody = (response: APIGatewayProxyResult) => ErrorResponseSchema.parse(body(response));

async function issueKey(webhook: Webhook, plans: readonly string[] = [PLAN]) {
  const request = createRequest({ apis: [{ id: '5aba4csvd4', usagePlans: plans.map((id) => ({ id })) }] });
  const response = await webhook(post('/v1/createCredentials', request));
  return ApiKeyCredentialSchema.parse(body(response));
}

const keyRef = (credential: { apiKeyId: string; apiKey: string }) => ({
  credentialType: 'API_KEY',
  apiKeyId: credential.apiKeyId,
  apiKey: credential.apiKey,
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('GET /v1/health', () => {
  test('answers 204 with an empty body to valid Basic credentials', async () => {
    const response = await setup().webhook(health());

    expect(response).toMatchObject({ statusCode: 204, body: '' });
  });

  test('answers 401 with a Basic challenge without credentials', async () => {
    const response = await setup().webhook(health({ headers: {} }));

    expect(response.statusCode).toBe(401);
    expect(response.headers).toMatchObject({ 'WWW-Authenticate': expect.stringMatching(/^Basic /) });
    expect(errorBody(response).code).toBe('UNAUTHORIZED');
  });

  test('answers 401 to a wrong password', async () => {
    const response = await setup().webhook(health({ headers: { Authorization: basic(USERNAME, 'guess') } }));

    expect(response.statusCode).toBe(401);
  });
});

describe('POST /v1/createCredentials', () => {
  test('answers 200 with an API key credential', async () => {
    const response = await setup().webhook(post('/v1/createCredentials', createRequest()));

    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual({
      credentialType: 'API_KEY',
      apiKeyId: expect.stringMatching(/^[a-z0-9]+$/),
      apiKey: expect.stringMatching(/^[A-Za-z0-9]{20,}$/),
      customCredentials: { apiKeyHeader: 'x-api-key' },
    });
  });

  test('leaves the client-credentials fields out of an API key credential', async () => {
    const response = await setup().webhook(post('/v1/createCredentials', createRequest()));

    expect(Object.keys(body(response) as object).sort()).toEqual([
      'apiKey',
      'apiKeyId',
      'credentialType',
      'customCredentials',
    ]);
  });

  test('answers with a JSON content type', async () => {
    const response = await setup().webhook(post('/v1/createCredentials', createRequest()));

    expect(response.headers).toMatchObject({ 'Content-Type': 'application/json; charset=utf-8' });
  });

  test('attaches the new key to the requested usage plan', async () => {
    const { webhook, keys } = setup();

    const credential = await issueKey(webhook, [PLAN]);

    expect(await keys.listUsagePlansOfKey(credential.apiKeyId)).toEqual([PLAN]);
  });

  test('answers with client credentials, without API key fields, for an API configured for them', async () => {
    const request = createRequest({ apis: [{ id: CLIENT_API }] });

    const response = await setup().webhook(post('/v1/createCredentials', request));

    expect(response.statusCode).toBe(200);
    expect(Object.keys(body(response) as object).sort()).toEqual([
      'clientId',
      'clientSecret',
      'credentialType',
      'customCredentials',
    ]);
  });
});

describe('POST /v1/updateCredentials', () => {
  test('answers 204 with an empty body', async () => {
    const { webhook } = setup();
    const credential = await issueKey(webhook);

    const response = await webhook(
      post('/v1/updateCredentials', { ...createRequest(), ...keyRef(credential) }),
    );

    expect(response).toMatchObject({ statusCode: 204, body: '' });
  });

  test('moves the key to exactly the usage plans listed', async () => {
    const { webhook, keys } = setup();
    const credential = await issueKey(webhook, [PLAN]);
    const apis = [{ id: '5aba4csvd4', usagePlans: [{ id: OTHER_PLAN }] }];

    await webhook(post('/v1/updateCredentials', { ...createRequest({ apis }), ...keyRef(credential) }));

    expect(await keys.listUsagePlansOfKey(credential.apiKeyId)).toEqual([OTHER_PLAN]);
  });

  test('answers 404 CREDENTIAL_NOT_FOUND after the key was revoked', async () => {
    const { webhook } = setup();
    const credential = await issueKey(webhook);
    await webhook(post('/v1/revokeCredentials', keyRef(credential)));

    const response = await webhook(
      post('/v1/updateCredentials', { ...createRequest(), ...keyRef(credential) }),
    );

    expect(response.statusCode).toBe(404);
    expect(errorBody(response).code).toBe('CREDENTIAL_NOT_FOUND');
  });

  test('answers 400 naming apiKeyId when both apiKeyId and clientId are given', async () => {
    const response = await setup().webhook(
      post('/v1/updateCredentials', { apiKeyId: 'k1a2b3', clientId: 'c1d2e3' }),
    );

    expect(response.statusCode).toBe(400);
    expect(errorBody(response).details.map((detail) => detail.field)).toEqual(['apiKeyId']);
  });
});

describe('POST /v1/revokeCredentials', () => {
  test('answers 204 and deletes the key', async () => {
    const { webhook, keys } = setup();
    const credential = await issueKey(webhook);

    const response = await webhook(post('/v1/revokeCredentials', keyRef(credential)));

    expect(response).toMatchObject({ statusCode: 204, body: '' });
    expect(await keys.findKey(credential.apiKeyId)).toBeUndefined();
  });

  test('answers 204 again for a key already revoked', async () => {
    const { webhook } = setup();
    const credential = await issueKey(webhook);
    await webhook(post('/v1/revokeCredentials', keyRef(credential)));

    const response = await webhook(post('/v1/revokeCredentials', keyRef(credential)));

    expect(response.statusCode).toBe(204);
  });

  test('answers 404 CREDENTIAL_NOT_FOUND for a key tagged as the webhook’s that it did not record, and keeps it', async () => {
    const { webhook, keys } = setup();
    const { id } = await keys.createKey({
      name: 'hand-made',
      description: 'not issued by the webhook',
      tags: { 'sensedia:managed-by': 'credential-webhook' },
    });

    const response = await webhook(
      post('/v1/revokeCredentials', { credentialType: 'API_KEY', apiKeyId: id }),
    );

    expect(response.statusCode).toBe(404);
    expect(errorBody(response).code).toBe('CREDENTIAL_NOT_FOUND');
    expect(await keys.findKey(id)).toBeDefined();
  });

  test('answers 404 CREDENTIAL_NOT_FOUND for a client it did not issue', async () => {
    const response = await setup().webhook(
      post('/v1/revokeCredentials', { credentialType: 'CLIENT_CREDENTIALS', clientId: 'c1d2e3' }),
    );

    expect(response.statusCode).toBe(404);
    expect(errorBody(response).code).toBe('CREDENTIAL_NOT_FOUND');
  });
});

describe('routing', () => {
  test('answers 404 ROUTE_NOT_FOUND for an unknown path before asking for credentials', async () => {
    const response = await setup().webhook(event({ path: '/v1/deleteEverything', headers: {} }));

    expect(response.statusCode).toBe(404);
    expect(errorBody(response).code).toBe('ROUTE_NOT_FOUND');
  });

  test('answers 405 with Allow: POST to a GET of createCredentials', async () => {
    const response = await setup().webhook(event({ httpMethod: 'GET', path: '/v1/createCredentials' }));

    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ Allow: 'POST' });
  });

  test('answers 405 with Allow: GET to a POST of health', async () => {
    const response = await setup().webhook(health({ httpMethod: 'POST' }));

    expect(response.statusCode).toBe(405);
    expect(response.headers).toMatchObject({ Allow: 'GET' });
  });
});

describe('request bodies', () => {
  test('answers 415 to a body that is not declared JSON', async () => {
    const response = await setup().webhook(
      post('/v1/createCredentials', createRequest(), {
        headers: jsonHeaders({ 'Content-Type': 'text/plain' }),
      }),
    );

    expect(response.statusCode).toBe(415);
  });

  test('answers 400 MALFORMED_JSON to a broken body', async () => {
    const response = await setup().webhook(event({ body: '{"appName": "app",' }));

    expect(response.statusCode).toBe(400);
    expect(errorBody(response).code).toBe('MALFORMED_JSON');
  });

  test('answers 400 INVALID_REQUEST with details naming the bad fields', async () => {
    const request = createRequest({ apis: [{ id: '5aba4csvd4', usagePlans: [{ id: 'bad-id' }] }] });

    const response = await setup().webhook(post('/v1/createCredentials', request));

    expect(response.statusCode).toBe(400);
    expect(errorBody(response)).toMatchObject({
      code: 'INVALID_REQUEST',
      details: [{ field: 'apis.0.usagePlans.0.id', message: expect.any(String) }],
    });
  });

  test('answers 413 to a body over the configured limit', async () => {
    const request = createRequest({ appName: 'a'.repeat(200) });

    const response = await setup({ maxBodyBytes: 100 }).webhook(post('/v1/createCredentials', request));

    expect(response.statusCode).toBe(413);
  });

  test('checks credentials before reading the body', async () => {
    const response = await setup().webhook(
      event({ body: 'not json', headers: { 'Content-Type': 'text/plain' } }),
    );

    expect(response.statusCode).toBe(401);
  });
});

describe('refused requests', () => {
  test('answers 422 USAGE_PLAN_NOT_ALLOWED for a usage plan outside the allow-list', async () => {
    const request = createRequest({ apis: [{ id: '5aba4csvd4', usagePlans: [{ id: FORBIDDEN_PLAN }] }] });

    const response = await setup().webhook(post('/v1/createCredentials', request));

    expect(response.statusCode).toBe(422);
    expect(errorBody(response).code).toBe('USAGE_PLAN_NOT_ALLOWED');
  });

  test('creates no key for a usage plan outside the allow-list', async () => {
    const { webhook, keys } = setup();
    const createKey = jest.spyOn(keys, 'createKey');
    const request = createRequest({ apis: [{ id: '5aba4csvd4', usagePlans: [{ id: FORBIDDEN_PLAN }] }] });

    await webhook(post('/v1/createCredentials', request));

    expect(createKey).not.toHaveBeenCalled();
  });

  test('answers 422 USAGE_PLAN_NOT_FOUND and deletes the half-made key when a plan does not exist', async () => {
    const { webhook, keys } = setup();
    const createKey = jest.spyOn(keys, 'createKey');
    const request = createRequest({
      apis: [{ id: '5aba4csvd4', usagePlans: [{ id: PLAN }, { id: DELETED_PLAN }] }],
    });

    const response = await webhook(post('/v1/createCredentials', request));

    expect(errorBody(response).code).toBe('USAGE_PLAN_NOT_FOUND');
    const created = await createKey.mock.results[0]?.value;
    expect(created).toBeDefined();
    expect(await keys.findKey(created?.id ?? '')).toBeUndefined();
    expect(await keys.listUsagePlansOfKey(created?.id ?? '')).toEqual([]);
  });
});

describe('headers on every response', () => {
  test.each<[string, () => WebhookEvent]>([
    ['204 health', () => health()],
    ['200 create', () => post('/v1/createCredentials', createRequest())],
    ['401', () => health({ headers: {} })],
    ['404', () => event({ path: '/nowhere' })],
    ['405', () => event({ httpMethod: 'DELETE' })],
    [
      '415',
      () =>
        post('/v1/createCredentials', createRequest(), {
          headers: { Authorization: basic(), 'Content-Type': 'text/plain' },
        }),
    ],
    ['400', () => post('/v1/createCredentials', { appName: '' })],
    ['422', () => post('/v1/createCredentials', createRequest({ apis: [{ id: 'a1', usagePlans: [] }] }))],
  ])('%s carries Cache-Control: no-store and X-Correlation-Id', async (_case, request) => {
    const response = await setup().webhook(request());

    expect(response.headers).toMatchObject({ 'Cache-Control': 'no-store', 'X-Correlation-Id': 'req-1' });
  });

  test('a 500 carries them too', async () => {
    const { webhook } = setup();
    jest.spyOn(operations, 'create').mockRejectedValue(new Error('boom'));

    const response = await webhook(post('/v1/createCredentials', createRequest()));

    expect(response.headers).toMatchObject({ 'Cache-Control': 'no-store', 'X-Correlation-Id': 'req-1' });
  });
});

describe('correlation id', () => {
  test('is taken from a valid x-correlation-id request header', async () => {
    const response = await setup().webhook(
      health({ headers: { Authorization: basic(), 'x-correlation-id': 'portal-7f3a:approval.42' } }),
    );

    expect(response.headers).toMatchObject({ 'X-Correlation-Id': 'portal-7f3a:approval.42' });
  });

  test('is read from the header whatever the case of its name', async () => {
    const response = await setup().webhook(
      health({ headers: { Authorization: basic(), 'X-Correlation-ID': 'abc123' } }),
    );

    expect(response.headers).toMatchObject({ 'X-Correlation-Id': 'abc123' });
  });

  test.each([
    ['spaces', 'a b'],
    ['a line break', 'abc\r\nSet-Cookie: x=1'],
    ['more than 128 characters', 'a'.repeat(129)],
    ['nothing', ''],
  ])('falls back to the request id when the header holds %s', async (_problem, value) => {
    const response = await setup().webhook(
      health({ headers: { Authorization: basic(), 'x-correlation-id': value } }),
    );

    expect(response.headers).toMatchObject({ 'X-Correlation-Id': 'req-1' });
  });

  test('is the API Gateway request id when there is no header', async () => {
    const response = await setup().webhook(health({ requestContext: { requestId: 'c0ffee-42' } }));

    expect(response.headers).toMatchObject({ 'X-Correlation-Id': 'c0ffee-42' });
  });

  test('is a generated UUID when there is neither header nor request id', async () => {
    const response = await setup().webhook(health({ requestContext: undefined }));

    expect(response.headers?.['X-Correlation-Id']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  test('is on the request log line', async () => {
    const logs = captureLogs();
    const { webhook } = setup({ logger: new Logger({ logLevel: 'INFO' }) });

    await webhook(health({ headers: { Authorization: basic(), 'x-correlation-id': 'trace-1' } }));

    expect(logs.records()).toContainEqual(
      expect.objectContaining({ message: 'request', correlationId: 'trace-1' }),
    );
  });

  test('is removed from the logger once the request is answered', async () => {
    const logs = captureLogs();
    const logger = new Logger({ logLevel: 'INFO' });
    const { webhook } = setup({ logger });
    await webhook(health({ headers: { Authorization: basic(), 'x-correlation-id': 'trace-1' } }));

    logger.info('between requests');

    expect(logs.records().at(-1)).not.toHaveProperty('correlationId');
  });
});

describe('unexpected errors', () => {
  const SECRET_DETAIL = 'connect ECONNREFUSED 10.0.0.12:5432 user=admin password=hunter2';

  test('become a generic 500 INTERNAL_ERROR', async () => {
    const { webhook } = setup();
    jest.spyOn(operations, 'create').mockRejectedValue(new Error(SECRET_DETAIL));

    const response = await webhook(post('/v1/createCredentials', createRequest()));

    expect(response.statusCode).toBe(500);
    expect(errorBody(response)).toEqual({
      message: 'An unexpected error occurred.',
      code: 'INTERNAL_ERROR',
      details: [],
    });
  });

  test('do not leak their message into the response', async () => {
    const { webhook } = setup();
    jest.spyOn(operations, 'create').mockRejectedValue(new Error(SECRET_DETAIL));

    const response = await webhook(post('/v1/createCredentials', createRequest()));

    expect(response.body).not.toContain('hunter2');
  });

  test('a thrown non-Error becomes a 500 too', async () => {
    const { webhook } = setup();
    jest.spyOn(operations, 'revoke').mockRejectedValue('hunter2');

    const response = await webhook(post('/v1/revokeCredentials', { apiKeyId: 'k1a2b3' }));

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
  });

  test('are logged as errors for the operator', async () => {
    const logs = captureLogs();
    const { webhook } = setup({ logger: new Logger({ logLevel: 'INFO' }) });
    jest.spyOn(operations, 'create').mockRejectedValue(new Error('the database is down'));

    await webhook(post('/v1/createCredentials', createRequest()));

    expect(logs.records()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'unexpected error',
        error: expect.objectContaining({ message: 'the database is down' }),
      }),
    );
  });
});

describe('logging', () => {
  const loggedSetup = () => setup({ logger: new Logger({ logLevel: 'INFO' }) });

  test('logs a failed authentication with the source IP', async () => {
    const logs = captureLogs();
    const { webhook } = loggedSetup();

    await webhook(health({ headers: { Authorization: basic(USERNAME, 'guess') } }));

    expect(logs.records()).toContainEqual(
      expect.objectContaining({ level: 'WARN', message: 'authentication failed', sourceIp: SOURCE_IP }),
    );
  });

  test('logs an unknown source IP when API Gateway gives none', async () => {
    const logs = captureLogs();
    const { webhook } = loggedSetup();

    await webhook(health({ headers: {}, requestContext: { requestId: 'req-1' } }));

    expect(logs.records()).toContainEqual(
      expect.objectContaining({ message: 'authentication failed', sourceIp: 'unknown' }),
    );
  });

  test('never logs the password presented in a failed authentication', async () => {
    const logs = captureLogs();
    const { webhook } = loggedSetup();
    const presented = basic(USERNAME, 'my-wrong-but-real-password');

    await webhook(health({ headers: { Authorization: presented } }));

    expect(logs.text()).not.toContain('my-wrong-but-real-password');
    expect(logs.text()).not.toContain(presented.slice('Basic '.length));
  });

  test('never logs the webhook password or the issued API key on a successful create', async () => {
    const logs = captureLogs();
    const { webhook } = loggedSetup();

    const credential = await issueKey(webhook);

    expect(logs.text()).not.toContain(PASSWORD);
    expect(logs.text()).not.toContain(basic().slice('Basic '.length));
    expect(logs.text()).not.toContain(credential.apiKey);
  });

  test('logs one line per request with its operation, method and status', async () => {
    const logs = captureLogs();
    const { webhook } = loggedSetup();

    await webhook(post('/v1/createCredentials', createRequest()));

    expect(logs.records()).toEqual([
      expect.objectContaining({
        message: 'request',
        operation: 'createCredentials',
        method: 'POST',
        status: 200,
        durationMs: expect.any(Number),
      }),
    ]);
  });

  test('logs the operation as none for an unknown path', async () => {
    const logs = captureLogs();
    const { webhook } = loggedSetup();

    await webhook(event({ path: '/nowhere' }));

    expect(logs.records()).toContainEqual(
      expect.objectContaining({ message: 'request', operation: 'none', status: 404 }),
    );
  });
});
