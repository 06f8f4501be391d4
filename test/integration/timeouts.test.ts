/**
 * A hung dependency: a loopback server that accepts connections and never answers. Every attempt
 * times out, retries stop at the request's deadline, and the caller gets a 503 in the error format;
 * a create that never got an answer may have been made, and says so.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { ApiGatewayKeyIssuer } from '../../lambda/adapters/aws/api-gateway-key-issuer';
import { apiGatewayClient } from '../../lambda/adapters/aws/clients';
import { OutcomeUnknownError } from '../../lambda/credentials/ports';
import { withDeadline } from '../../lambda/deadline';
import { UnavailableError } from '../../lambda/errors';
import { REGION } from './aws';

let server: Server;
let endpoint: string;
let attempts = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  server = createServer((socket) => {
    attempts++;
    sockets.add(socket); // held open, never answered
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  attempts = 0;
});

test('a call that never gets an answer becomes a 503 after its attempts time out', async () => {
  const client = apiGatewayClient({ endpoint, region: REGION, requestTimeoutMs: 150, maxAttempts: 2 });
  const issuer = new ApiGatewayKeyIssuer(client);

  const failure = await issuer.findKey('k1').catch((error: unknown) => error);

  expect(failure).toBeInstanceOf(UnavailableError);
  expect(failure).toMatchObject({
    status: 503,
    code: 'UPSTREAM_UNAVAILABLE',
    headers: { 'Retry-After': '5' },
  });
  expect(attempts).toBe(2);
  client.destroy();
});

test('no attempt starts after the request deadline, whatever maxAttempts allows', async () => {
  const client = apiGatewayClient({ endpoint, region: REGION, requestTimeoutMs: 100, maxAttempts: 5 });
  const issuer = new ApiGatewayKeyIssuer(client);

  const failure = await withDeadline(150, () => issuer.deleteKey('k1')).catch((error: unknown) => error);

  expect(failure).toBeInstanceOf(UnavailableError);
  expect(attempts).toBeGreaterThanOrEqual(1);
  expect(attempts).toBeLessThan(5);
  client.destroy();
}, 15_000);

test('a deadline already spent makes no attempt at all', async () => {
  const client = apiGatewayClient({ endpoint, region: REGION, requestTimeoutMs: 150, maxAttempts: 3 });
  const issuer = new ApiGatewayKeyIssuer(client);

  const failure = await withDeadline(0, () => issuer.findKey('k1')).catch((error: unknown) => error);

  expect(failure).toBeInstanceOf(UnavailableError);
  expect(attempts).toBe(0);
  client.destroy();
});

test('a create that never gets an answer is an unknown outcome, carrying the 503', async () => {
  const client = apiGatewayClient({ endpoint, region: REGION, requestTimeoutMs: 150, maxAttempts: 2 });
  const issuer = new ApiGatewayKeyIssuer(client);

  const failure = await issuer
    .createKey({ name: 'app (dev)', description: 'd', tags: {} })
    .catch((error: unknown) => error);

  expect(failure).toBeInstanceOf(OutcomeUnknownError);
  expect((failure as OutcomeUnknownError).cause).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
  expect(attempts).toBe(2);
  client.destroy();
});
