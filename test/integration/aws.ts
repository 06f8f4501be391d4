/**
 * Real SDK clients pointed at the moto server of the integration tier, plus the few moto resources
 * the tests need (REST API stages, usage plans, secrets, user pools with scopes), read-backs of
 * moto's state that go around the code under test, and a FaultInjector for the failures moto never
 * produces (refusals, throttles, timeouts).
 */
import { randomUUID } from 'node:crypto';
import {
  type APIGatewayClient,
  APIGatewayServiceException,
  TooManyRequestsException as ApiGatewayTooManyRequestsException,
  type ApiKey,
  CreateDeploymentCommand,
  CreateRestApiCommand,
  CreateStageCommand,
  CreateUsagePlanCommand,
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
import {
  apiGatewayClient,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from '../../lambda/adapters/aws/clients';
import type { AwsClients } from '../../lambda/compose';

export const REGION = 'us-east-1';

function motoEndpoint(): string {
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
  return { endpoint: motoEndpoint(), region: REGION };
}

export const motoApiGateway = (): APIGatewayClient => apiGatewayClient(motoOptions());

export const motoSecretsManager = (): SecretsManagerClient => secretsManagerClient(motoOptions());

export const motoCognito = (): CognitoIdentityProviderClient => cognitoClient(motoOptions());

export const motoDynamoDb = (): DynamoDBClient => dynamoDbClient(motoOptions());

/** Client factories for awsBackend(), aimed at moto; `destroyAll` closes every client they built. */
export function motoClientFactories(): AwsClients & { destroyAll(): void } {
  const built: Array<{ destroy(): void }> = [];
  const track = <T extends { destroy(): void }>(client: T): T => {
    built.push(client);
    return client;
  };
  return {
    apiGateway: () => track(motoApiGateway()),
    cognito: () => track(motoCognito()),
    secretsManager: () => track(motoSecretsManager()),
    dynamoDb: () => track(motoDynamoDb()),
    destroyAll: () => {
      for (const client of built.splice(0)) client.destroy();
    },
  };
}

/** The AWS services awsBackend() builds clients for, named as in AwsClients. */
export type AwsService = keyof AwsClients;

/** Any SDK v3 client: a test adds middleware to its stack. */
export interface StackedClient {
  readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
}

export interface MotoClientOptions {
  /** The SDK's attempts per call (the handler's clients make 3). */
  readonly maxAttempts?: number;
  /** Called with every client built, before awsBackend() gets it: to record or fail its calls. */
  readonly instrument?: (client: StackedClient, service: AwsService) => void;
}

/** motoClientFactories() with the attempts per call tuned and each client instrumented. */
export function motoClientFactoriesWith(options: MotoClientOptions): AwsClients & { destroyAll(): void } {
  const built: Array<{ destroy(): void }> = [];
  const clientOptions = () => ({
    ...motoOptions(),
    ...(options.maxAttempts !== undefined && { maxAttempts: options.maxAttempts }),
  });
  const track = <T extends StackedClient & { destroy(): void }>(service: AwsService, client: T): T => {
    options.instrument?.(client, service);
    built.push(client);
    return client;
  };
  return {
    apiGateway: () => track('apiGateway', apiGatewayClient(clientOptions())),
    cognito: () => track('cognito', cognitoClient(clientOptions())),
    secretsManager: () => track('secretsManager', secretsManagerClient(clientOptions())),
    dynamoDb: () => track('dynamoDb', dynamoDbClient(clientOptions())),
    destroyAll: () => {
      for (const client of built.splice(0)) client.destroy();
    },
  };
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
  if (kind === 'timed out') {
    // What @smithy/node-http-handler throws when an attempt gets no answer in time.
    return Object.assign(
      new Error(`@smithy/node-http-handler - the request socket timed out (${INJECTED_AWS_DETAIL}).`),
      { name: 'TimeoutError' },
    );
  }
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

/**
 * Records the AWS calls of the clients it instruments and fails the ones it is told to. A call is
 * one send of a command, named "<command>#<n>" (its nth send, counted from 1, across all clients).
 * The fault is thrown inside the SDK's retry loop, on every attempt of that call, before the
 * request leaves: what reaches the code under test is what survives the SDK's retries, and AWS
 * (moto) never acts on the failed call. Every other call reaches moto.
 */
export class FaultInjector {
  /** The calls sent, in the order they were sent. */
  readonly calls: string[] = [];
  private readonly targets = new Map<string, FaultKind>();
  private readonly attempted = new Map<string, number>();
  private readonly sent = new Map<string, number>();
  /** The inputs of the calls picked to fail (one input object travels through all attempts). */
  private readonly doomed = new WeakMap<object, { readonly call: string; readonly kind: FaultKind }>();

  /** Makes `call` fail with `kind` when it is sent. */
  fail(call: string, kind: FaultKind): void {
    this.targets.set(call, kind);
  }

  /** Lets every call sent from now on through. */
  heal(): void {
    this.targets.clear();
  }

  /** The attempts the SDK made at a failed call. */
  attempts(call: string): number {
    return this.attempted.get(call) ?? 0;
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
        const kind = this.targets.get(call);
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
        this.attempted.set(fault.call, this.attempts(fault.call) + 1);
        throw injectedError(service, fault.kind);
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
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken: nextToken }),
    );
    for (const found of page.UserPoolClients ?? []) {
      if (found.ClientName === name) ids.push(found.ClientId ?? '');
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return ids;
}

/** A new table shaped as the stack's idempotency table (partition key `pk`, on-demand); resolves with its name. */
export async function createIdempotencyTable(client: DynamoDBClient): Promise<string> {
  const tableName = unique('idempotency');
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return tableName;
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

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`moto did not return the ${what}`);
  return value;
}
