/**
 * A loopback HTTP proxy between real AWS SDK v3 clients (their `endpoint` pointed here) and moto,
 * that injects the faults moto never produces, on the wire, where the SDK's own retries, timeouts
 * and error parsing meet them as they would meet AWS's:
 * - `drop`: forwarded, moto acts, then the connection is cut without an answer (a lost answer);
 * - `delay`: held past the SDK's 3 s per-attempt timeout, then forwarded (it lands after the SDK
 *   gave up on that attempt, maybe after its retry did the same work; the answer goes nowhere);
 * - `error-before`: a 500 instead of forwarding (AWS failed before acting);
 * - `error-after`: forwarded, moto acts, and its answer is replaced by a 500;
 * - `throttle`: refused in the service's own throttling wire format (not forwarded).
 * Which request gets which fault is drawn from a seeded PRNG, one stream per operation, so that
 * the nth call of an operation meets the same fault on every run whatever the interleaving.
 * It also fills in what moto leaves out that the code under test reads (a client's CreationDate),
 * and `adoptNodeErrors` undoes what jest's vm context does to the errors of a cut connection.
 */
import {
  createServer,
  request as forwardRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

export const PROXY_FAULTS = ['drop', 'delay', 'error-before', 'error-after', 'throttle'] as const;
export type ProxyFault = (typeof PROXY_FAULTS)[number];

/** Probability of each fault per request (attempt); they add up to at most 1. */
export type FaultRates = Partial<Record<ProxyFault, number>>;

/** Rates for the operations named (by AWS operation name, e.g. "CreateApiKey"), or for every one. */
export interface FaultRule {
  readonly rates: FaultRates;
  readonly operations?: readonly string[];
}

export type AwsService = 'apigateway' | 'cognito' | 'dynamodb' | 'secretsmanager';

export interface FaultProxyOptions {
  /** moto's endpoint, e.g. http://127.0.0.1:5000. */
  readonly target: string;
  readonly seed: number;
  /** How long a delayed request is held before it is forwarded: past the SDK's 3 s per attempt. */
  readonly delayMs?: number;
}

/** A fault the proxy injected: which operation, which call of it (1-based), what fault. */
export interface InjectedFault {
  readonly operation: string;
  readonly nth: number;
  readonly fault: ProxyFault;
}

/** API Gateway's REST operations the webhook and the reconciler use (others keep method and path). */
const REST_OPERATIONS: ReadonlyArray<readonly [string, RegExp, string]> = [
  ['POST', /^\/apikeys$/, 'CreateApiKey'],
  ['GET', /^\/apikeys$/, 'GetApiKeys'],
  ['GET', /^\/apikeys\/[^/]+$/, 'GetApiKey'],
  ['PATCH', /^\/apikeys\/[^/]+$/, 'UpdateApiKey'],
  ['DELETE', /^\/apikeys\/[^/]+$/, 'DeleteApiKey'],
  ['GET', /^\/usageplans$/, 'GetUsagePlans'],
  ['POST', /^\/usageplans\/[^/]+\/keys$/, 'CreateUsagePlanKey'],
  ['GET', /^\/usageplans\/[^/]+\/keys$/, 'GetUsagePlanKeys'],
  ['DELETE', /^\/usageplans\/[^/]+\/keys\/[^/]+$/, 'DeleteUsagePlanKey'],
];

const TARGET_SERVICES: ReadonlyArray<readonly [string, AwsService]> = [
  ['DynamoDB_20120810.', 'dynamodb'],
  ['AWSCognitoIdentityProviderService.', 'cognito'],
  ['secretsmanager.', 'secretsmanager'],
];

/** The service and operation of a request: JSON protocols name it in X-Amz-Target, REST by route. */
export function operationOf(request: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): {
  service: AwsService;
  name: string;
} {
  const target = String(request.headers['x-amz-target'] ?? '');
  for (const [prefix, service] of TARGET_SERVICES) {
    if (target.startsWith(prefix)) return { service, name: target.slice(prefix.length) };
  }
  const method = request.method ?? 'GET';
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const known = REST_OPERATIONS.find(([m, route]) => m === method && route.test(path));
  return { service: 'apigateway', name: known?.[2] ?? `${method} ${path}` };
}

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a: a stream seed per (seed, operation). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

const json = (status: number, contentType: string, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': contentType, ...headers },
  body: Buffer.from(JSON.stringify(body)),
});

const JSON_CONTENT: Record<Exclude<AwsService, 'apigateway'>, string> = {
  dynamodb: 'application/x-amz-json-1.0',
  cognito: 'application/x-amz-json-1.1',
  secretsmanager: 'application/x-amz-json-1.1',
};

/** Throttling as each service puts it on the wire (the SDK reads x-amzn-ErrorType or __type). */
function throttled(service: AwsService): Answer {
  const message = 'Rate exceeded (injected by the fault proxy)';
  switch (service) {
    case 'apigateway':
      return json(429, 'application/json', { message }, { 'x-amzn-ErrorType': 'TooManyRequestsException' });
    case 'cognito':
      return json(400, JSON_CONTENT.cognito, { __type: 'TooManyRequestsException', message });
    case 'dynamodb':
      return json(400, JSON_CONTENT.dynamodb, {
        __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
        message,
      });
    case 'secretsmanager':
      return json(400, JSON_CONTENT.secretsmanager, { __type: 'ThrottlingException', message });
  }
}

/** A 500 in each service's format (its modelled internal error where it has one). */
function internalError(service: AwsService): Answer {
  const message = 'Internal failure (injected by the fault proxy)';
  switch (service) {
    case 'apigateway':
      return json(500, 'application/json', { message }, { 'x-amzn-ErrorType': 'InternalFailure' });
    case 'cognito':
      return json(500, JSON_CONTENT.cognito, { __type: 'InternalErrorException', message });
    case 'dynamodb':
      return json(500, JSON_CONTENT.dynamodb, {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message,
      });
    case 'secretsmanager':
      return json(500, JSON_CONTENT.secretsmanager, { __type: 'InternalServiceError', message });
  }
}

const readBody = (stream: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Hop-by-hop headers, and the length (recomputed when a body is patched). */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * moto checks a DynamoDB write's condition and then writes with no lock between, and a cancelled
 * transaction rolls its table back to a copy taken when it started (undoing others' writes made
 * meanwhile); DynamoDB does neither. The SDK clients take turns (test/integration/aws.ts), but a
 * request the proxy delays past the client's timeout lands after the client has let the next one
 * go. So the proxy, which sees when each request really reaches moto, hands moto DynamoDB requests
 * one at a time, for every proxy of the process: one serial order, as DynamoDB's isolation gives.
 */
let dynamoDbQueue: Promise<unknown> = Promise.resolve();

function dynamoDbAtMoto<T>(send: () => Promise<T>): Promise<T> {
  const turn = dynamoDbQueue.then(send);
  dynamoDbQueue = turn.catch(() => undefined);
  return turn;
}

export class FaultProxy {
  private server: Server | undefined;
  private url: string | undefined;
  private rules: readonly FaultRule[] = [];
  private readonly streams = new Map<string, () => number>();
  private readonly seen = new Map<string, number>();
  private calls = new Map<string, number>();
  private faults: InjectedFault[] = [];
  /** Requests not yet done with moto (delayed ones included). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Epoch seconds at which each app client was first seen created (moto does not say). */
  private readonly clientCreatedAt = new Map<string, number>();
  private readonly delayMs: number;

  constructor(private readonly options: FaultProxyOptions) {
    this.delayMs = options.delayMs ?? 4_000;
  }

  async start(): Promise<string> {
    const server = createServer((request, response) => {
      // A client that gave up (timeout) closes its socket; writes after that are expected to fail.
      response.on('error', () => undefined);
      const handled = this.handle(request, response).catch(() => {
        if (!response.headersSent && !response.destroyed) response.writeHead(502).end();
      });
      const tracked = handled.finally(() => this.inFlight.delete(tracked));
      this.inFlight.add(tracked);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  /** The endpoint to give SDK clients. */
  get endpoint(): string {
    if (this.url === undefined) throw new Error('the fault proxy is not started');
    return this.url;
  }

  /** From now on, each request meets the first rule naming its operation (or naming none). */
  setRates(rules: FaultRule | readonly FaultRule[]): void {
    this.rules = Array.isArray(rules) ? rules : [rules as FaultRule];
  }

  /** No more faults: every request is forwarded and answered. */
  calm(): void {
    this.rules = [];
  }

  /** Resolves once every request received so far is done with moto (every delayed one has landed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Requests per operation since the start or the last resetCounts(). */
  callCounts(): ReadonlyMap<string, number> {
    return new Map(this.calls);
  }

  /** The faults injected since the start or the last resetCounts(). */
  injected(): readonly InjectedFault[] {
    return [...this.faults];
  }

  /** Starts the counts afresh (the PRNG streams go on: faults stay a function of the seed). */
  resetCounts(): void {
    this.calls = new Map();
    this.faults = [];
  }

  async stop(): Promise<void> {
    await this.settled();
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private draw(operation: string): { nth: number; fault: ProxyFault | undefined } {
    let stream = this.streams.get(operation);
    if (stream === undefined) {
      stream = mulberry32(hash(`${this.options.seed}:${operation}`));
      this.streams.set(operation, stream);
    }
    const nth = (this.seen.get(operation) ?? 0) + 1;
    this.seen.set(operation, nth);
    // One draw per request whatever the rules, so the nth call's draw never depends on the phase.
    const roll = stream();
    const rule = this.rules.find((r) => r.operations === undefined || r.operations.includes(operation));
    let threshold = 0;
    for (const fault of PROXY_FAULTS) {
      threshold += rule?.rates[fault] ?? 0;
      if (roll < threshold) return { nth, fault };
    }
    return { nth, fault: undefined };
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const { service, name } = operationOf(request);
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    const { nth, fault } = this.draw(name);
    if (fault !== undefined) this.faults.push({ operation: name, nth, fault });

    const answer = (reply: Answer) => {
      if (response.destroyed || request.socket.destroyed) return;
      response.writeHead(reply.status, { ...reply.headers, 'content-length': String(reply.body.length) });
      response.end(reply.body);
    };
    switch (fault) {
      case 'throttle':
        return answer(throttled(service));
      case 'error-before':
        return answer(internalError(service));
      case 'error-after':
        await this.forward(request, body, name);
        return answer(internalError(service));
      case 'drop':
        await this.forward(request, body, name);
        request.socket.destroy();
        return;
      case 'delay':
        await sleep(this.delayMs);
        return answer(await this.forward(request, body, name));
      case undefined:
        return answer(await this.forward(request, body, name));
    }
  }

  /**
   * Sends the request to moto as it came; resolves with moto's answer, buffered. DynamoDB requests
   * reach moto one at a time (see dynamoDbAtMoto).
   */
  private async forward(request: IncomingMessage, body: Buffer, operation: string): Promise<Answer> {
    const send = () => this.send(request, body);
    const answer = String(request.headers['x-amz-target'] ?? '').startsWith('DynamoDB_')
      ? await dynamoDbAtMoto(send)
      : await send();
    return this.withCreationDate(operation, answer);
  }

  private send(request: IncomingMessage, body: Buffer): Promise<Answer> {
    const target = new URL(this.options.target);
    return new Promise<Answer>((resolve, reject) => {
      const outgoing = forwardRequest(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.url,
          headers: { ...request.headers, 'content-length': String(body.length) },
        },
        (incoming) => {
          readBody(incoming).then((received) => {
            const headers: Record<string, string> = {};
            for (const [key, value] of Object.entries(incoming.headers)) {
              if (value !== undefined && !NOT_FORWARDED.has(key)) headers[key] = String(value);
            }
            resolve({ status: incoming.statusCode ?? 502, headers, body: received });
          }, reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /**
   * moto's DescribeUserPoolClient has no CreationDate, which the reconciler reads to judge a
   * client's age: the proxy notes when it first saw each client created and supplies it, in epoch
   * seconds as Cognito's JSON does.
   */
  private withCreationDate(operation: string, answer: Answer): Answer {
    if (answer.status !== 200) return answer;
    if (operation === 'CreateUserPoolClient') {
      const clientId = parseClient(answer.body)?.ClientId;
      if (typeof clientId === 'string' && !this.clientCreatedAt.has(clientId)) {
        this.clientCreatedAt.set(clientId, Date.now() / 1000);
      }
      return answer;
    }
    if (operation !== 'DescribeUserPoolClient') return answer;
    const client = parseClient(answer.body);
    const createdAt =
      typeof client?.ClientId === 'string' ? this.clientCreatedAt.get(client.ClientId) : undefined;
    if (client === undefined || client.CreationDate !== undefined || createdAt === undefined) return answer;
    return {
      ...answer,
      body: Buffer.from(JSON.stringify({ UserPoolClient: { ...client, CreationDate: createdAt } })),
    };
  }
}

function parseClient(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { UserPoolClient?: Record<string, unknown> };
    return parsed.UserPoolClient;
  } catch {
    return undefined;
  }
}

/**
 * Jest runs a test file in a vm context, where errors made by Node's own modules (the reset socket
 * of a `drop`) are not `instanceof Error`. The SDK then replaces such an error with a plain one that
 * has lost its name and code ("AWS SDK error wrapper for ..."), which the webhook rightly cannot
 * tell from a refusal (502, not 503). In Lambda there is one realm: this middleware, innermost in
 * the retry loop, copies each such error into this realm so that the code under test sees what it
 * would see there.
 */
export function adoptNodeErrors(client: {
  readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
}): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error || typeof error !== 'object' || error === null) throw error;
        const { name, message } = error as { name?: unknown; message?: unknown };
        throw Object.assign(new Error(String(message)), error, { name: String(name ?? 'Error') });
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'adoptNodeErrors' },
  );
}

/** Starts a proxy to `target`; stop it with `stop()`. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new FaultProxy(options);
  await proxy.start();
  return proxy;
}
