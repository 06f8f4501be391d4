/**
 * Real SDK clients pointed at the moto server of the integration tier, plus the few moto resources
 * the tests need (REST API stages, usage plans, secrets, user pools with scopes, ledger tables,
 * stray keys and clients), read-backs of moto's state that go around the code under test, and a
 * FaultInjector for the failures moto never produces (refusals, throttles, timeouts, lost answers).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type APIGatewayClient,
  APIGatewayServiceException,
  TooManyRequestsException as ApiGatewayTooManyRequestsException,
  type ApiKey,
  CreateApiKeyCommand,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetResourcesCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
  PutIntegrationCommand,
  PutMethodCommand,
} from '@aws-sdk/client-api-gateway';
import {
  AccessDeniedException as CognitoAccessDeniedException,
  type CognitoIdentityProviderClient,
  TooManyRequestsException as CognitoTooManyRequestsException,
  CreateResourceServerCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  type AttributeValue,
  CreateTableCommand,
  type DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  type SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';
import { type AwsClients, awsBackend } from '../../lambda/adapters/aws/backend';
import {
  apiGatewayClient,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from '../../lambda/adapters/aws/clients';
import {
  API_KEY_HASH_ATTRIBUTE,
  API_KEY_HASH_INDEX,
  PARTITION_KEY,
} from '../../lambda/adapters/aws/ledger-schema';
import { composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import type { Webhook } from '../../lambda/webhook';
import { PASSWORD, USERNAME } from '../support/events';

export const REGION = 'us-east-1';

/**
 * Time per attempt, and to connect, for clients aimed at moto. The handler's 3 s and 1 s suit AWS;
 * one moto serves the whole tier and, on a busy 2-core machine, accepts and answers a burst of
 * concurrent calls more slowly than that. A create whose attempt times out is an unknown outcome
 * (503) by design, so the tests would fail on the machine's load rather than on the code. What a
 * timeout does is tested against a server that never answers (timeouts.test.ts) and by injected
 * timeouts (FaultInjector); the request deadline is unchanged.
 */
export const MOTO_REQUEST_TIMEOUT_MS = 10_000;
const MOTO_CONNECTION_TIMEOUT_MS = 5_000;

/** The moto server's URL (set by the tier's globalSetup). */
export function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (endpoint === undefined) {
    throw new Error('MOTO_ENDPOINT is not set: run the integration project, whose globalSetup starts moto.');
  }
  return endpoint;
}

/** Dummy credentials: moto accepts any, and a real account's must never be picked up here. */
function useDummyCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

/** Client options for moto; clients are built the way the handler builds them (clients.ts). */
function motoOptions() {
  useDummyCredentials();
  return { endpoint: motoEndpoint(), region: REGION, requestTimeoutMs: MOTO_REQUEST_TIMEOUT_MS };
}

/** A client built by clients.ts, given moto's time to connect (see MOTO_REQUEST_TIMEOUT_MS). */
function forMoto<T extends { readonly config: { readonly requestHandler: unknown } }>(
  client: T,
  connectionTimeoutMs = MOTO_CONNECTION_TIMEOUT_MS,
): T {
  const handler = client.config.requestHandler as {
    updateHttpClientConfig?(key: 'connectionTimeout', value: number): void;
  };
  handler.updateHttpClientConfig?.('connectionTimeout', connectionTimeoutMs);
  return client;
}

export const motoApiGateway = (): APIGatewayClient => forMoto(apiGatewayClient(motoOptions()));

export const motoSecretsManager = (): SecretsManagerClient => forMoto(secretsManagerClient(motoOptions()));

export const motoCognito = (): CognitoIdentityProviderClient => forMoto(cognitoClient(motoOptions()));

/**
 * moto is not safe for concurrent DynamoDB requests, which DynamoDB is:
 * - it checks a write's condition and then writes, with no lock between, so two concurrent
 *   conditional writes to one item can both succeed;
 * - TransactWriteItems deep-copies the whole table first (to roll back a cancelled transaction),
 *   which fails with a 500 ("dictionary changed size during iteration") while another request
 *   writes to the table, and a rollback would undo the other requests' writes made meanwhile.
 * So DynamoDB clients aimed at moto take turns within a test file, as DynamoDB's isolation would
 * order them: a request on an item waits for the earlier requests on that item, and a transaction
 * for every earlier request on its tables (and they for it). Requests on different items still run
 * at once, and the code under test still sends them at once.
 */
class Turns {
  /** Per resource: the last exclusive request's end, and the ends of the shared ones since. */
  private readonly lastExclusive = new Map<string, Promise<unknown>>();
  private readonly sharedSince = new Map<string, Promise<unknown>[]>();

  /** Runs `task` once the earlier requests it conflicts with are done. */
  take<T>(exclusive: readonly string[], shared: readonly string[], task: () => Promise<T>): Promise<T> {
    const earlier = [
      ...[...exclusive, ...shared].map((resource) => this.lastExclusive.get(resource)),
      ...exclusive.flatMap((resource) => this.sharedSince.get(resource) ?? []),
    ];
    const result = Promise.all(earlier).then(task);
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    for (const resource of exclusive) {
      this.lastExclusive.set(resource, done);
      this.sharedSince.delete(resource);
    }
    for (const resource of shared)
      this.sharedSince.set(resource, [...(this.sharedSince.get(resource) ?? []), done]);
    // Forget what is done, so that the maps do not grow with every request of the file.
    void done.then(() => {
      for (const resource of exclusive)
        if (this.lastExclusive.get(resource) === done) this.lastExclusive.delete(resource);
      for (const resource of shared) {
        const left = (this.sharedSince.get(resource) ?? []).filter((end) => end !== done);
        if (left.length > 0) this.sharedSince.set(resource, left);
        else this.sharedSince.delete(resource);
      }
    });
    return result;
  }
}

const dynamoDbTurns = new Turns();

type ItemRequest = {
  readonly TableName?: string;
  readonly Item?: Record<string, AttributeValue>;
  readonly Key?: Record<string, AttributeValue>;
};

/** The resources a DynamoDB request takes: an item (table/pk) and its table, or whole tables. */
function resourcesOf(input: object): { exclusive: string[]; shared: string[] } {
  const transaction = (input as { TransactItems?: Array<Record<string, ItemRequest | undefined>> })
    .TransactItems;
  if (transaction !== undefined) {
    const tables = transaction.flatMap((operation) =>
      Object.values(operation).flatMap((request) =>
        request?.TableName === undefined ? [] : [request.TableName],
      ),
    );
    return { exclusive: [...new Set(tables)].map((table) => `table:${table}`), shared: [] };
  }
  const { TableName: table, Item, Key } = input as ItemRequest;
  const pk = Item?.pk?.S ?? Key?.pk?.S;
  if (table === undefined) return { exclusive: [], shared: [] };
  return pk === undefined
    ? { exclusive: [], shared: [`table:${table}`] }
    : { exclusive: [`item:${table}/${pk}`], shared: [`table:${table}`] };
}

/** Makes a DynamoDB client aimed at moto take turns with the others of the test file (see Turns). */
export function takingTurns<T extends StackedClient>(client: T): T {
  client.middlewareStack.add(
    (next) => (args) => {
      const { exclusive, shared } = resourcesOf(args.input);
      return dynamoDbTurns.take(exclusive, shared, () => next(args));
    },
    // After the retry middleware: each attempt waits for its turn, and is timed only once sent.
    { step: 'finalizeRequest', priority: 'low', name: 'takingTurnsAtMoto' },
  );
  return client;
}

export const motoDynamoDb = (): DynamoDBClient => takingTurns(forMoto(dynamoDbClient(motoOptions())));

/** Client factories for awsBackend() and the reconciler; `destroyAll` closes every client they built. */
export type MotoClientFactories = AwsClients & { destroyAll(): void };

/** The AWS services awsBackend() builds clients for, named as in AwsClients. */
export type AwsService = keyof AwsClients;

/** Any SDK v3 client: a test adds middleware to its stack. */
export interface StackedClient {
  readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
}

export interface MotoClientOptions {
  /** The SDK's attempts per call (the handler's clients make 3). */
  readonly maxAttempts?: number;
  /** Time per attempt (MOTO_REQUEST_TIMEOUT_MS unless given). */
  readonly requestTimeoutMs?: number;
  /** Time to connect (MOTO_CONNECTION_TIMEOUT_MS unless given). */
  readonly connectionTimeoutMs?: number;
  /** Called with every client built, before awsBackend() gets it: to record or fail its calls. */
  readonly instrument?: (client: StackedClient, service: AwsService) => void;
}

/** Client factories aimed at moto, with the attempts and timeouts tuned and each client instrumented. */
export function motoClientFactoriesWith(options: MotoClientOptions = {}): MotoClientFactories {
  const built: Array<{ destroy(): void }> = [];
  const clientOptions = () => ({
    ...motoOptions(),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
  });
  const track = <T extends StackedClient & { destroy(): void }>(service: AwsService, client: T): T => {
    options.instrument?.(client, service);
    built.push(client);
    return client;
  };
  const connect = options.connectionTimeoutMs;
  return {
    apiGateway: () => track('apiGateway', forMoto(apiGatewayClient(clientOptions()), connect)),
    cognito: () => track('cognito', forMoto(cognitoClient(clientOptions()), connect)),
    secretsManager: () => track('secretsManager', forMoto(secretsManagerClient(clientOptions()), connect)),
    dynamoDb: () => track('dynamoDb', takingTurns(forMoto(dynamoDbClient(clientOptions()), connect))),
    destroyAll: () => {
      for (const client of built.splice(0)) client.destroy();
    },
  };
}

/**
 * The clients a test file arranges moto's state with and reads it back with, apart from the
 * clients the code under test builds, and the factories that build those.
 */
export interface MotoTestClients {
  readonly apiGateway: APIGatewayClient;
  readonly cognito: CognitoIdentityProviderClient;
  readonly dynamoDb: DynamoDBClient;
  readonly secretsManager: SecretsManagerClient;
  /** motoClientFactoriesWith(options), closed with the rest; may be called inside a test. */
  readonly factories: (options?: MotoClientOptions) => MotoClientFactories;
}

/**
 * Call it at the top of a test file or describe block: it registers the afterAll that closes every
 * client it gives, so that no open socket keeps jest waiting after the tests.
 */
export function motoTestClients(): MotoTestClients {
  const readers = {
    apiGateway: motoApiGateway(),
    cognito: motoCognito(),
    dynamoDb: motoDynamoDb(),
    secretsManager: motoSecretsManager(),
  };
  const given: MotoClientFactories[] = [];
  afterAll(() => {
    for (const client of Object.values(readers)) client.destroy();
    for (const factories of given.splice(0)) factories.destroyAll();
  });
  return {
    ...readers,
    factories: (options) => {
      const made = motoClientFactoriesWith(options);
      given.push(made);
      return made;
    },
  };
}

/** The webhook wired as the Lambda wires it (handler.ts): configured by `env`, on `clients`. */
export function wiredWebhook(
  env: Readonly<Record<string, string>>,
  clients: AwsClients,
  logger: Logger = new Logger({ logLevel: 'SILENT' }),
): Webhook {
  const config = loadConfig(env);
  return composeWebhook(config, awsBackend(config, clients), logger);
}

/**
 * How an AWS call fails: refused (a non-retryable 4xx such as AccessDenied), throttled on every
 * attempt, or timed out on every attempt before AWS acted on it.
 */
export const FAULT_KINDS = ['refused', 'throttled', 'timed out'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** In every injected AWS message: AWS's wording names accounts and ARNs, which a response must not. */
export const INJECTED_AWS_DETAIL = 'arn:aws:iam::123456789012:role/fault-injected';

const refusedMessage = `User: ${INJECTED_AWS_DETAIL} is not authorized to perform this action`;
const throttledMessage = `Rate exceeded for ${INJECTED_AWS_DETAIL}`;

/** The exception the service's SDK client raises for a fault of this kind (a new one per attempt). */
function injectedError(service: AwsService, kind: FaultKind): Error {
  if (kind === 'timed out') return timeoutError();
  const refused = { name: 'AccessDeniedException', $fault: 'client', message: refusedMessage } as const;
  switch (service) {
    case 'apiGateway':
      return kind === 'refused'
        ? new APIGatewayServiceException({ ...refused, $metadata: { httpStatusCode: 403 } })
        : new ApiGatewayTooManyRequestsException({
            message: throttledMessage,
            $metadata: { httpStatusCode: 429 },
          });
    case 'cognito':
      return kind === 'refused'
        ? new CognitoAccessDeniedException({ message: refusedMessage, $metadata: { httpStatusCode: 403 } })
        : new CognitoTooManyRequestsException({
            message: throttledMessage,
            $metadata: { httpStatusCode: 400 },
          });
    case 'dynamoDb':
      return kind === 'refused'
        ? new DynamoDBServiceException({ ...refused, $metadata: { httpStatusCode: 400 } })
        : new ProvisionedThroughputExceededException({
            message: throttledMessage,
            $metadata: { httpStatusCode: 400 },
          });
    case 'secretsManager':
      return new SecretsManagerServiceException(
        kind === 'refused'
          ? { ...refused, $metadata: { httpStatusCode: 400 } }
          : {
              name: 'ThrottlingException',
              $fault: 'client',
              message: throttledMessage,
              $metadata: { httpStatusCode: 400 },
            },
      );
  }
}

/** What @smithy/node-http-handler throws when an attempt gets no answer in time. */
function timeoutError(): Error {
  return Object.assign(
    new Error(`@smithy/node-http-handler - the request socket timed out (${INJECTED_AWS_DETAIL}).`),
    { name: 'TimeoutError' },
  );
}

/**
 * Records the AWS calls of the clients it instruments and fails the ones it is told to. A call is
 * one send of a command, named "<command>#<n>" (its nth send, counted from 1, across all clients);
 * "<command>#*" names every send of it. A failed call is failed inside the SDK's retry loop, on
 * every attempt, before the request leaves: what reaches the code under test is what survives the
 * SDK's retries, and AWS (moto) never acts on the failed call. A call whose answer is lost reaches
 * moto, which acts on it, and its first attempt then times out as if the answer never came back;
 * the SDK's further attempts (if it makes any) get moto's answers. Every other call reaches moto.
 */
export class FaultInjector {
  /** The calls sent, in the order they were sent. */
  readonly calls: string[] = [];
  private readonly targets = new Map<string, FaultKind | 'answer lost'>();
  private readonly attempted = new Map<string, number>();
  private readonly sent = new Map<string, number>();
  /** The inputs of the calls picked to fail (one input object travels through all attempts). */
  private readonly doomed = new WeakMap<
    object,
    { readonly call: string; readonly kind: FaultKind | 'answer lost' }
  >();

  /** Makes `call` ("<command>#<n>", or "<command>#*" for every send) fail with `kind` when it is sent. */
  fail(call: string, kind: FaultKind): void {
    this.targets.set(call, kind);
  }

  /** Lets `call` reach AWS, then loses the answer to its first attempt (a timeout). */
  loseAnswer(call: string): void {
    this.targets.set(call, 'answer lost');
  }

  /** Lets every call sent from now on through. */
  heal(): void {
    this.targets.clear();
  }

  /** The attempts the SDK made at a failed call (or at a call whose answer was lost). */
  attempts(call: string): number {
    return this.attempted.get(call) ?? 0;
  }

  /** The calls of one command sent so far, e.g. sends('DeleteApiKey') → ['DeleteApiKey#1', …]. */
  sends(command: string): string[] {
    return this.calls.filter((call) => call.startsWith(`${command}#`));
  }

  /** Adds the middleware to a client; pass as MotoClientOptions.instrument. */
  readonly instrument = (client: StackedClient, service: AwsService): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
        const nth = (this.sent.get(command) ?? 0) + 1;
        this.sent.set(command, nth);
        const call = `${command}#${nth}`;
        this.calls.push(call);
        const kind = this.targets.get(call) ?? this.targets.get(`${command}#*`);
        if (kind !== undefined) this.doomed.set(args.input, { call, kind });
        return next(args);
      },
      { step: 'initialize', name: 'recordCall' },
    );
    // After the retry middleware (finalizeRequest, high), so it runs once per attempt.
    client.middlewareStack.add(
      (next) => async (args) => {
        const fault = this.doomed.get(args.input);
        if (fault === undefined) return next(args);
        const attempt = this.attempts(fault.call) + 1;
        this.attempted.set(fault.call, attempt);
        if (fault.kind !== 'answer lost') throw injectedError(service, fault.kind);
        const answered = await next(args);
        if (attempt > 1) return answered;
        throw timeoutError();
      },
      { step: 'finalizeRequest', priority: 'low', name: 'injectFault' },
    );
  };
}

/** A name no other test (or test file sharing this moto) uses. */
export const unique = (prefix: string): string => `${prefix}${randomUUID().replaceAll('-', '')}`;

/**
 * A REST API with one stage per usage plan, and the plans: `count` plan ids. Each plan covers its
 * own API stage, as AWS requires of plans that share a key.
 */
export async function createUsagePlans(client: APIGatewayClient, count: number): Promise<string[]> {
  const api = await client.send(new CreateRestApiCommand({ name: unique('api') }));
  const restApiId = required(api.id, 'REST API id');
  const resources = await client.send(new GetResourcesCommand({ restApiId }));
  const rootId = required(resources.items?.find((resource) => resource.path === '/')?.id, 'root resource');
  // A deployment needs at least one method.
  await client.send(
    new PutMethodCommand({
      restApiId,
      resourceId: rootId,
      httpMethod: 'GET',
      authorizationType: 'NONE',
      apiKeyRequired: true,
    }),
  );
  await client.send(
    new PutIntegrationCommand({ restApiId, resourceId: rootId, httpMethod: 'GET', type: 'MOCK' }),
  );
  const deployment = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'stage0' }));
  const deploymentId = required(deployment.id, 'deployment id');
  const planIds: string[] = [];
  for (let index = 0; index < count; index++) {
    const stage = `stage${index}`;
    if (index > 0) await client.send(new CreateStageCommand({ restApiId, stageName: stage, deploymentId }));
    const plan = await client.send(
      new CreateUsagePlanCommand({ name: unique('plan'), apiStages: [{ apiId: restApiId, stage }] }),
    );
    planIds.push(required(plan.id, 'usage plan id'));
  }
  return planIds;
}

/** The key as moto holds it (value included); rejects with NotFoundException when it is gone. */
export async function readKey(client: APIGatewayClient, keyId: string): Promise<ApiKey> {
  return client.send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true }));
}

/** Ids of the keys named exactly `name` (`nameQuery` is a prefix match). */
export async function keyIdsNamed(client: APIGatewayClient, name: string): Promise<string[]> {
  const page = await client.send(new GetApiKeysCommand({ nameQuery: name, includeValues: false }));
  return (page.items ?? []).filter((key) => key.name === name).map((key) => key.id ?? '');
}

/** The keys whose name starts with `prefix`, values included (moto's GetApiKeys has no paging). */
export async function keysNamedWithPrefix(client: APIGatewayClient, prefix: string): Promise<ApiKey[]> {
  const page = await client.send(
    new GetApiKeysCommand({ nameQuery: prefix, includeValues: true, limit: 500 }),
  );
  return page.items ?? [];
}

/** Ids of the usage plans the key is bound to, sorted, as GetUsagePlans(keyId) lists them. */
export async function planIdsOfKey(client: APIGatewayClient, keyId: string): Promise<string[]> {
  const page = await client.send(new GetUsagePlansCommand({ keyId, limit: 500 }));
  return (page.items ?? []).map((plan) => plan.id ?? '').sort();
}

/** Ids of the keys bound to a usage plan, as GetUsagePlanKeys lists them. */
export async function keyIdsOfPlan(client: APIGatewayClient, usagePlanId: string): Promise<string[]> {
  const page = await client.send(new GetUsagePlanKeysCommand({ usagePlanId, limit: 500 }));
  return (page.items ?? []).map((key) => key.id ?? '');
}

/** The usage plans (of `planIds`) whose key list holds the key, sorted. */
export async function plansListingKey(
  client: APIGatewayClient,
  planIds: readonly string[],
  keyId: string,
): Promise<string[]> {
  const listed = await Promise.all(
    planIds.map(async (planId) => ((await keyIdsOfPlan(client, planId)).includes(keyId) ? [planId] : [])),
  );
  return listed.flat().sort();
}

/**
 * Makes the `nth` call (1-based) of `commandName` on this client fail with `error` before it is
 * sent: moto never refuses a binding or throttles, so such failures are injected. The middleware
 * runs in the initialize step, ahead of the retry middleware, so the SDK does not retry it.
 */
export function failNthCall(client: APIGatewayClient, commandName: string, nth: number, error: Error): void {
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === commandName && ++calls === nth) throw error;
      return next(args);
    },
    { step: 'initialize', name: `fail-${commandName}-${nth}` },
  );
}

/** A new secret holding `value` verbatim; resolves with its ARN. */
export async function createSecret(client: SecretsManagerClient, value: string): Promise<string> {
  const secret = await client.send(
    new CreateSecretCommand({ Name: unique('webhook/basic-'), SecretString: value }),
  );
  return required(secret.ARN, 'secret ARN');
}

/** A new secret holding the Portal's Basic credentials (USERNAME and PASSWORD); resolves with its ARN. */
export const createPortalSecret = (client: SecretsManagerClient): Promise<string> =>
  createSecret(client, JSON.stringify({ username: USERNAME, password: PASSWORD }));

/** A user pool with one resource server defining `scopeNames`; `scopes` are their full names. */
export interface ScopedUserPool {
  readonly userPoolId: string;
  /** "<resource server identifier>/<scope name>", in the order of `scopeNames`. */
  readonly scopes: string[];
}

/** A new user pool (its own, so tests sharing moto never see each other's clients) with scopes. */
export async function createUserPoolWithScopes(
  client: CognitoIdentityProviderClient,
  scopeNames: readonly string[],
): Promise<ScopedUserPool> {
  const pool = await client.send(new CreateUserPoolCommand({ PoolName: unique('pool') }));
  const userPoolId = required(pool.UserPool?.Id, 'user pool id');
  const identifier = unique('api');
  await client.send(
    new CreateResourceServerCommand({
      UserPoolId: userPoolId,
      Identifier: identifier,
      Name: identifier,
      Scopes: scopeNames.map((name) => ({ ScopeName: name, ScopeDescription: `${name} access` })),
    }),
  );
  return { userPoolId, scopes: scopeNames.map((name) => `${identifier}/${name}`) };
}

/** The app client as moto holds it; rejects with ResourceNotFoundException when it is gone. */
export async function readClient(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string,
): Promise<UserPoolClientType> {
  const described = await client.send(
    new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
  );
  return required(described.UserPoolClient, 'app client');
}

/** Ids of the app clients of the pool named exactly `name`. */
export async function clientIdsNamed(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  name: string,
): Promise<string[]> {
  return (await clientsNamedWithPrefix(client, userPoolId, name))
    .filter((found) => found.name === name)
    .map((found) => found.id);
}

/**
 * A new table shaped as the stack's ledger table (partition key `pk`, on-demand, the index on the
 * API-key hash that validateCredentials queries), which holds the ledger's entries and the app
 * records of idempotent create; resolves with its name.
 */
export async function createLedgerTable(client: DynamoDBClient): Promise<string> {
  const tableName = unique('ledger');
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: PARTITION_KEY, AttributeType: 'S' },
        { AttributeName: API_KEY_HASH_ATTRIBUTE, AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: API_KEY_HASH_INDEX,
          KeySchema: [{ AttributeName: API_KEY_HASH_ATTRIBUTE, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return tableName;
}

/** createLedgerTable under the table's earlier name. */
export const createIdempotencyTable = createLedgerTable;

/**
 * The marker prefix of the deployment whose ledger is `tableName`: the first 8 hex digits of the
 * SHA-256 of the name (computed here, not by the code under test, to pin the format).
 */
export function instanceOfTable(tableName: string): string {
  return createHash('sha256').update(tableName).digest('hex').slice(0, 8);
}

/** A ledger id as the webhook makes them (16 of [a-z0-9]), for resources the tests mark themselves. */
export function randomLedgerId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 16);
}

/** A ledger entry as DynamoDB holds it, read around the code under test. */
export interface LedgerItem {
  readonly pk: string;
  readonly ledgerId: string;
  readonly state: string | undefined;
  readonly appName: string | undefined;
  readonly credentialId: string | undefined;
  /** API keys: the plans the entry lists; app clients: the scopes. */
  readonly grants: string[];
  readonly expiresAt: number | undefined;
}

/** The ledger entries of a table (items with a ledgerId; app records have none). */
export async function ledgerItems(client: DynamoDBClient, tableName: string): Promise<LedgerItem[]> {
  const strings = (value: AttributeValue | undefined) =>
    (value?.L ?? []).flatMap((item) => (item.S === undefined ? [] : [item.S]));
  return (await tableItems(client, tableName)).flatMap((item) =>
    item.ledgerId?.S === undefined
      ? []
      : [
          {
            pk: item.pk?.S ?? '',
            ledgerId: item.ledgerId.S,
            state: item.state?.S,
            appName: item.appName?.S,
            credentialId: item.credentialId?.S,
            grants: strings(item.usagePlanIds ?? item.scopes),
            expiresAt: item.expiresAt?.N === undefined ? undefined : Number(item.expiresAt.N),
          },
        ],
  );
}

/** The ledger entries recorded for the app named `appName`. */
export async function ledgerItemsOfApp(
  client: DynamoDBClient,
  tableName: string,
  appName: string,
): Promise<LedgerItem[]> {
  return (await ledgerItems(client, tableName)).filter((item) => item.appName === appName);
}

/** Every item of a table, as DynamoDB holds it. */
export async function tableItems(
  client: DynamoDBClient,
  tableName: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

/** The tag that holds a key's marker, and the tag IAM checks before the webhook may change a key. */
const MARKER_TAG_NAME = 'sensedia:ledger-id';
const MANAGED_BY_TAGS = { 'sensedia:managed-by': 'credential-webhook' } as const;

/**
 * A key made around the webhook: tagged as the webhook's, with `marker` ("<instance>.<ledgerId>")
 * in its marker tag when given, and a value of its own. Resolves with its id.
 */
export async function createTaggedKey(
  client: APIGatewayClient,
  options: { readonly name?: string; readonly marker?: string } = {},
): Promise<string> {
  const key = await client.send(
    new CreateApiKeyCommand({
      name: options.name ?? unique('stray'),
      enabled: true,
      tags: {
        ...MANAGED_BY_TAGS,
        ...(options.marker !== undefined && { [MARKER_TAG_NAME]: options.marker }),
      },
    }),
  );
  return required(key.id, 'API key id');
}

/** Binds a key to a usage plan around the webhook (as an administrator could). */
export async function bindKeyToPlan(client: APIGatewayClient, usagePlanId: string, keyId: string) {
  await client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId, keyType: 'API_KEY' }));
}

/**
 * An app client made around the webhook: a client-credentials client with a secret, the kind the
 * webhook issues, named `name`. Resolves with its id.
 */
export async function createPoolClient(
  client: CognitoIdentityProviderClient,
  pool: ScopedUserPool,
  name: string,
): Promise<string> {
  const created = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: pool.userPoolId,
      ClientName: name,
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: pool.scopes,
    }),
  );
  return required(created.UserPoolClient?.ClientId, 'app client id');
}

/** The app clients of the pool whose name starts with `prefix`: id and name. */
export async function clientsNamedWithPrefix(
  client: CognitoIdentityProviderClient,
  userPoolId: string,
  prefix: string,
): Promise<Array<{ readonly id: string; readonly name: string }>> {
  const found: Array<{ id: string; name: string }> = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken: nextToken }),
    );
    for (const listed of page.UserPoolClients ?? []) {
      const name = listed.ClientName ?? '';
      if (name.startsWith(prefix)) found.push({ id: listed.ClientId ?? '', name });
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return found;
}

/**
 * The name the webhook gives an app's client: "<app> - <developer> cw=<instance>.<ledgerId>"; the
 * pattern of it for the app, to match names whose ledger id is not known in advance.
 */
export function clientNamePattern(appName: string, developer: string, instance: string): RegExp {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${literal(`${appName} - ${developer} cw=${instance}.`)}[a-z0-9]{16}$`);
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`moto did not return the ${what}`);
  return value;
}
