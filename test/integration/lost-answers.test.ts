/**
 * Calls whose answer is lost: AWS (moto) did the work, the webhook never heard. A retry must not
 * make a second credential, and nothing may be left that the ledger cannot account for.
 * - CreateApiKey: the key carries a value of the webhook's own (unique per Region), so the SDK's
 *   retry conflicts instead of making a second key; the key cannot be found without listing every
 *   key, so the request answers 503 and the key, marked with its abandoned ledger entry, is the
 *   reconciler's to remove.
 * - CreateUserPoolClient: not retried (it would make a second client); the client carrying the
 *   create's marker is found in the pool and adopted.
 * - The ledger's DynamoDB writes: retried by the SDK, and each recognises its own earlier write.
 * The answers are lost by FaultInjector.loseAnswer (the call reaches moto, its first attempt then
 * times out); moto itself never loses one.
 */
import { createServer, type Server } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { ApiGatewayKeyIssuer } from '../../lambda/adapters/aws/api-gateway-key-issuer';
import { cognitoClient } from '../../lambda/adapters/aws/clients';
import { CognitoClientIssuer } from '../../lambda/adapters/aws/cognito-client-issuer';
import { loadReconcilerConfig } from '../../lambda/config';
import { ClientRefusedError, OutcomeUnknownError } from '../../lambda/credentials/ports';
import { ThrottledError, UnavailableError } from '../../lambda/errors';
import { composeReconciler } from '../../lambda/reconciler/compose';
import {
  ApiKeyCredentialSchema,
  ClientCredentialSchema,
  type CreateCredentialsRequest,
  ErrorResponseSchema,
} from '../../lambda/schemas';
import { createRequest, event, PASSWORD, USERNAME } from '../support/events';
import {
  clientIdsNamed,
  clientsNamedWithPrefix,
  createLedgerTable,
  createUsagePlans,
  createUserPoolWithScopes,
  FaultInjector,
  instanceOfTable,
  keyIdsNamed,
  ledgerItemsOfApp,
  type MotoClientFactories,
  motoTestClients,
  planIdsOfKey,
  REGION,
  randomLedgerId,
  readClient,
  readKey,
  type ScopedUserPool,
  unique,
  wiredWebhook,
} from './aws';

const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
/** A lost answer is a timeout: the SDK backs off before it retries. */
const CASE_TIMEOUT_MS = 30_000;

/** For arranging and reading back moto's state, apart from the clients the code under test builds. */
const moto = motoTestClients();
const { apiGateway, cognito, dynamoDb } = moto;

/** Client factories whose calls go through `faults`. */
const faulty = (faults: FaultInjector) => moto.factories({ instrument: faults.instrument });

/** A webhook issuing API keys in `plans` and app clients in `pool`, its ledger in `tableName`. */
function webhookOn(
  clients: MotoClientFactories,
  deployment: { tableName: string; plans: readonly string[]; pool: ScopedUserPool },
  logger?: Logger,
) {
  return wiredWebhook(
    {
      WEBHOOK_USERNAME: USERNAME,
      WEBHOOK_PASSWORD: PASSWORD,
      LEDGER_TABLE: deployment.tableName,
      ALLOWED_USAGE_PLAN_IDS: deployment.plans.join(','),
      API_CREDENTIAL_TYPES: JSON.stringify({ orders1: 'CLIENT_CREDENTIALS' }),
      USER_POOL_ID: deployment.pool.userPoolId,
      TOKEN_URL,
      DEFAULT_SCOPES: deployment.pool.scopes.join(' '),
    },
    clients,
    logger,
  );
}

/** A deployment of its own: ledger table, two usage plans, a user pool. */
async function deployment() {
  const [tableName, plans, pool] = await Promise.all([
    createLedgerTable(dynamoDb),
    createUsagePlans(apiGateway, 2),
    createUserPoolWithScopes(cognito, ['read']),
  ]);
  return { tableName, plans, pool, instance: instanceOfTable(tableName) };
}

const keyApp = (plans: readonly string[]): CreateCredentialsRequest =>
  createRequest({
    appName: unique('app'),
    appSlug: unique('slug'),
    developer: DEVELOPER,
    apis: [{ id: 'restapi1', usagePlans: plans.map((id) => ({ id })) }],
  });

const clientApp = (): CreateCredentialsRequest =>
  createRequest({
    appName: unique('app'),
    appSlug: unique('slug'),
    developer: DEVELOPER,
    apis: [{ id: 'orders1' }],
  });

const keyNameOf = (request: CreateCredentialsRequest) => `${request.appName} (${DEVELOPER})`;

describe('CreateApiKey whose answer is lost', () => {
  test('the SDK retry conflicts instead of making a second key: the outcome is reported unknown', async () => {
    const faults = new FaultInjector();
    const clients = faulty(faults);
    faults.loseAnswer('CreateApiKey#1');
    const name = unique('lost-answer ');
    const marker = `${instanceOfTable(unique('table'))}.${randomLedgerId()}`;

    const error = await new ApiGatewayKeyIssuer(clients.apiGateway())
      .createKey({ name, description: 'd', tags: { 'sensedia:ledger-id': marker } })
      .catch((caught: unknown) => caught);

    expect(faults.sends('CreateApiKey')).toEqual(['CreateApiKey#1']);
    expect(faults.attempts('CreateApiKey#1')).toBe(2);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).cause).toBeInstanceOf(UnavailableError);
    const keyIds = await keyIdsNamed(apiGateway, name);
    expect(keyIds).toHaveLength(1);
    expect((await readKey(apiGateway, keyIds[0] ?? '')).tags).toEqual({ 'sensedia:ledger-id': marker });
  });

  test(
    'the request answers 503; the reconciler removes the key, and the retry leaves exactly one live key',
    async () => {
      const { tableName, plans, pool, instance } = await deployment();
      const faults = new FaultInjector();
      const logger = new Logger({ logLevel: 'SILENT' });
      const warnings = jest.spyOn(logger, 'warn');
      const webhook = webhookOn(faulty(faults), { tableName, plans, pool }, logger);
      const request = keyApp(plans);
      faults.loseAnswer('CreateApiKey#1');

      const failed = await webhook(event({ json: request }));

      expect(failed.statusCode).toBe(503);
      expect(ErrorResponseSchema.parse(JSON.parse(failed.body)).code).toBe('UPSTREAM_UNAVAILABLE');
      const [orphan = ''] = await keyIdsNamed(apiGateway, keyNameOf(request));
      const [abandoned] = await ledgerItemsOfApp(dynamoDb, tableName, request.appName);
      expect(abandoned?.state).toBe('abandoned');
      expect((await readKey(apiGateway, orphan)).tags).toMatchObject({
        'sensedia:ledger-id': `${instance}.${abandoned?.ledgerId}`,
      });
      expect(warnings).toHaveBeenCalledWith(
        'API key create got no answer: the reconciler will remove the API key if it was made',
        { ledgerId: abandoned?.ledgerId, error: expect.any(String) },
      );

      faults.heal();
      const retried = await webhook(event({ json: request }));
      const reconcilerClients = moto.factories();
      const reconciler = composeReconciler(
        loadReconcilerConfig({ LEDGER_TABLE: tableName, ALLOWED_USAGE_PLAN_IDS: plans.join(',') }),
        reconcilerClients,
        { graceSeconds: 0 },
      );
      const report = await reconciler.run();

      expect(retried.statusCode).toBe(200);
      const key = ApiKeyCredentialSchema.parse(JSON.parse(retried.body));
      expect(report.findings).toContainEqual(
        expect.objectContaining({ credentialId: orphan, action: 'delete', outcome: 'done' }),
      );
      expect(await keyIdsNamed(apiGateway, keyNameOf(request))).toEqual([key.apiKeyId]);
      expect(await readKey(apiGateway, key.apiKeyId)).toMatchObject({ value: key.apiKey });
      expect(await planIdsOfKey(apiGateway, key.apiKeyId)).toEqual([...plans].sort());
    },
    CASE_TIMEOUT_MS,
  );
});

describe('CreateUserPoolClient whose answer is lost', () => {
  test('is not retried: the client carrying the marker is found in the pool and adopted', async () => {
    const pool = await createUserPoolWithScopes(cognito, ['read']);
    const faults = new FaultInjector();
    const clients = faulty(faults);
    faults.loseAnswer('CreateUserPoolClient#1');
    const marker = `${instanceOfTable(unique('table'))}.${randomLedgerId()}`;
    const name = `lost client cw=${marker}`;

    const adopted = await new CognitoClientIssuer(clients.cognito(), pool.userPoolId).createClient({
      name,
      marker,
      scopes: pool.scopes,
      accessTokenValidityMinutes: 60,
    });

    expect(faults.attempts('CreateUserPoolClient#1')).toBe(1);
    expect(faults.sends('CreateUserPoolClient')).toEqual(['CreateUserPoolClient#1']);
    expect(await clientIdsNamed(cognito, pool.userPoolId, name)).toEqual([adopted.clientId]);
    expect(await readClient(cognito, pool.userPoolId, adopted.clientId)).toMatchObject({
      ClientSecret: adopted.clientSecret,
    });
  });

  test(
    'through the webhook: 200 with the adopted client, recorded as issued, the only one of the app',
    async () => {
      const { tableName, plans, pool } = await deployment();
      const faults = new FaultInjector();
      const webhook = webhookOn(faulty(faults), { tableName, plans, pool });
      const request = clientApp();
      faults.loseAnswer('CreateUserPoolClient#1');

      const response = await webhook(event({ json: request }));

      expect(response.statusCode).toBe(200);
      const client = ClientCredentialSchema.parse(JSON.parse(response.body));
      const clients = await clientsNamedWithPrefix(cognito, pool.userPoolId, `${request.appName} - `);
      expect(clients.map((found) => found.id)).toEqual([client.clientId]);
      expect(await readClient(cognito, pool.userPoolId, client.clientId)).toMatchObject({
        ClientSecret: client.clientSecret,
      });
      expect(await ledgerItemsOfApp(dynamoDb, tableName, request.appName)).toMatchObject([
        { state: 'issued', credentialId: client.clientId },
      ]);
    },
    CASE_TIMEOUT_MS,
  );
});

describe("the ledger's writes whose answer is lost are retried by the SDK and recognised", () => {
  test.each([
    ['PutItem#1', 'the claim'],
    ['PutItem#2', 'the intent'],
    ['TransactWriteItems#1', 'the issue'],
  ])(
    '%s (%s): the create answers 200 with the one key, recorded once, and a repeat returns it',
    async (call) => {
      const { tableName, plans, pool } = await deployment();
      const faults = new FaultInjector();
      const webhook = webhookOn(faulty(faults), { tableName, plans, pool });
      const request = keyApp(plans);
      faults.loseAnswer(call);

      const response = await webhook(event({ json: request }));

      expect(faults.attempts(call)).toBe(2);
      expect(response.statusCode).toBe(200);
      const key = ApiKeyCredentialSchema.parse(JSON.parse(response.body));
      expect(await keyIdsNamed(apiGateway, keyNameOf(request))).toEqual([key.apiKeyId]);
      expect(await ledgerItemsOfApp(dynamoDb, tableName, request.appName)).toMatchObject([
        { state: 'issued', credentialId: key.apiKeyId },
      ]);
      const repeat = await webhook(event({ json: request }));
      expect(JSON.parse(repeat.body)).toEqual(key);
    },
    CASE_TIMEOUT_MS,
  );
});

describe('CreateUserPoolClient against a server that answers every request the same way', () => {
  let server: Server;
  let endpoint: string;
  let answer: { status: number; type: string };
  const requests: string[] = [];

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    server = createServer((request, response) => {
      requests.push(String(request.headers['x-amz-target']).split('.').pop() ?? '');
      request.resume();
      response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: answer.type, message: 'injected' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    endpoint = `http://127.0.0.1:${address.port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    requests.length = 0;
  });

  const issuer = () =>
    new CognitoClientIssuer(cognitoClient({ endpoint, region: REGION, maxAttempts: 3 }), 'us-east-1_Pool1');

  const marker = '0a1b2c3d.abcdefgh01234567';
  const newClient = (scope: string) => ({
    name: `app - dev cw=${marker}`,
    marker,
    scopes: [scope],
    accessTokenValidityMinutes: 60,
  });

  test('a 5xx (the client may exist) is not retried; the pool is searched, and the outcome is unknown (503)', async () => {
    answer = { status: 500, type: 'InternalErrorException' };

    const error = await issuer()
      .createClient(newClient('api/read'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).cause).toBeInstanceOf(UnavailableError);
    // Created once; then the pool is searched for the client it may have made (that fails too here).
    expect(requests[0]).toBe('CreateUserPoolClient');
    expect(requests.slice(1)).toEqual(['ListUserPoolClients', 'ListUserPoolClients', 'ListUserPoolClients']);
  });

  test('a throttled create was not executed and is retried', async () => {
    answer = { status: 400, type: 'TooManyRequestsException' };

    const error = await issuer()
      .createClient(newClient('api/read'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ThrottledError);
    expect(requests).toEqual(['CreateUserPoolClient', 'CreateUserPoolClient', 'CreateUserPoolClient']);
  }, 30_000);

  test('a refusal still reads as the refusal it is', async () => {
    answer = { status: 400, type: 'ScopeDoesNotExistException' };

    const error = await issuer()
      .createClient(newClient('api/none'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ClientRefusedError);
    expect(error).toMatchObject({ reason: 'scope-not-found' });
    expect(requests).toEqual(['CreateUserPoolClient']);
  });

  test('other calls are still retried on a 5xx', async () => {
    answer = { status: 500, type: 'InternalErrorException' };

    await issuer()
      .findClient('client1')
      .catch(() => undefined);

    expect(requests).toEqual(['DescribeUserPoolClient', 'DescribeUserPoolClient', 'DescribeUserPoolClient']);
  });
});
