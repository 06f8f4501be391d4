/**
 * Creates whose answer is lost: AWS did the work, the webhook never heard. A retry must not make a
 * second credential. API keys carry a value of the webhook's own (unique per Region), so a retried
 * CreateApiKey conflicts and the key is adopted; Cognito clients cannot be found again, so a
 * CreateUserPoolClient is retried only when throttled.
 */
import { createServer, type Server } from 'node:http';
import { ApiGatewayKeyIssuer } from '../../lambda/adapters/aws/api-gateway-key-issuer';
import { cognitoClient } from '../../lambda/adapters/aws/clients';
import { CognitoClientIssuer } from '../../lambda/adapters/aws/cognito-client-issuer';
import { ClientRefusedError } from '../../lambda/credentials/ports';
import { ThrottledError, UnavailableError } from '../../lambda/errors';
import {
  clientIdsNamed,
  createUserPoolWithScopes,
  keyIdsNamed,
  motoApiGateway,
  motoCognito,
  REGION,
  unique,
} from './aws';

test('a CreateApiKey whose answer is lost and which the SDK retries leaves exactly one key, the one returned', async () => {
  const client = motoApiGateway();
  const reader = motoApiGateway();
  let dropped = false;
  // After the first attempt reached moto, pretend its answer never came back: the SDK retries.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'CreateApiKeyCommand' && !dropped) {
        dropped = true;
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
      }
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'loseFirstAnswer' },
  );
  const name = unique('lost-answer ');

  const key = await new ApiGatewayKeyIssuer(client).createKey({ name, description: 'd', tags: {} });

  expect(dropped).toBe(true);
  expect(await keyIdsNamed(reader, name)).toEqual([key.id]);
  client.destroy();
  reader.destroy();
});

test('a CreateUserPoolClient whose answer is lost is not retried: the pool holds one client, not two', async () => {
  const cognito = motoCognito();
  const reader = motoCognito();
  const pool = await createUserPoolWithScopes(reader, ['read']);
  let dropped = false;
  cognito.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'CreateUserPoolClientCommand' && !dropped) {
        dropped = true;
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $metadata: {} });
      }
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'loseFirstAnswer' },
  );
  const name = unique('lost client ');

  // moto returns no CreationDate, so the adoption of the client made is unit-tested
  // (cognito-client-issuer.test.ts); here: the create was not repeated.
  await new CognitoClientIssuer(cognito, pool.userPoolId)
    .createClient({ name, scopes: pool.scopes, accessTokenValidityMinutes: 60 })
    .catch(() => undefined);

  expect(dropped).toBe(true);
  expect(await clientIdsNamed(reader, pool.userPoolId, name)).toHaveLength(1);
  cognito.destroy();
  reader.destroy();
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

  test('a 5xx (the client may exist) is not retried, and answers 503', async () => {
    answer = { status: 500, type: 'InternalErrorException' };

    const error = await issuer()
      .createClient({ name: 'app - dev', scopes: ['api/read'], accessTokenValidityMinutes: 60 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnavailableError);
    expect(String((error as Error).cause)).toContain('app - dev');
    // Created once; then the pool is searched for the client it may have made (that fails too here).
    expect(requests.filter((target) => target === 'CreateUserPoolClient')).toEqual(['CreateUserPoolClient']);
    expect(requests.slice(1).every((target) => target === 'ListUserPoolClients')).toBe(true);
  });

  test('a throttled create was not executed and is retried', async () => {
    answer = { status: 400, type: 'TooManyRequestsException' };

    const error = await issuer()
      .createClient({ name: 'app - dev', scopes: ['api/read'], accessTokenValidityMinutes: 60 })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ThrottledError);
    expect(requests).toEqual(['CreateUserPoolClient', 'CreateUserPoolClient', 'CreateUserPoolClient']);
  }, 30_000);

  test('a refusal still reads as the refusal it is', async () => {
    answer = { status: 400, type: 'ScopeDoesNotExistException' };

    const error = await issuer()
      .createClient({ name: 'app - dev', scopes: ['api/none'], accessTokenValidityMinutes: 60 })
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
