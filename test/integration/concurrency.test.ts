/**
 * Concurrency against moto through the real SDK adapters, the webhook wired as the Lambda wires
 * it (Secrets Manager, the DynamoDB idempotency store, API Gateway): 100 creates for distinct apps
 * at once, then 100 revokes of what they issued at once. One webhook serves them all, so its
 * clients and their connection pools are shared, as in a warm container; each request caps its own
 * fan-out (MAX_PARALLEL_AWS_CALLS). Concurrent identical creates (exactly one key) are covered in
 * idempotency.test.ts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { awsBackend, composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import { ApiKeyCredentialSchema } from '../../lambda/schemas';
import type { Webhook } from '../../lambda/webhook';
import { createRequest, event, PASSWORD, USERNAME } from '../support/events';
import {
  createIdempotencyTable,
  createSecret,
  createUsagePlans,
  keyIdsOfPlan,
  keysNamedWithPrefix,
  motoApiGateway,
  motoClientFactoriesWith,
  motoDynamoDb,
  motoSecretsManager,
  type StackedClient,
  unique,
} from './aws';

const APPS = 100;
const DEVELOPER = 'dev@example.com';
/** 100 requests of 6 AWS calls each against one moto on 2 cores take a few seconds. */
const BATCH_TIMEOUT_MS = 45_000;

/** For arranging and reading back moto's state, apart from the clients the webhook builds. */
const apiGateway = motoApiGateway();
const dynamoDb = motoDynamoDb();
const secretsManager = motoSecretsManager();
/** AWS calls of the webhook in flight now, and at most so far: proof that the requests overlap. */
const inFlight = { now: 0, peak: 0 };
const countInFlight = (client: StackedClient): void => {
  client.middlewareStack.add(
    (next) => async (args) => {
      inFlight.peak = Math.max(inFlight.peak, ++inFlight.now);
      try {
        return await next(args);
      } finally {
        inFlight.now--;
      }
    },
    { step: 'initialize', name: 'countInFlight' },
  );
};
const webhookClients = motoClientFactoriesWith({ instrument: countInFlight });
let webhook: Webhook;
/** Usage plans of this file's own: only its keys are ever bound to them. */
let plans: string[];
/** Starts every app name of this file's run, so that its keys can be listed by name. */
const run = unique('concurrency');

beforeAll(async () => {
  plans = await createUsagePlans(apiGateway, 2);
  const config = loadConfig({
    WEBHOOK_SECRET_ARN: await createSecret(
      secretsManager,
      JSON.stringify({ username: USERNAME, password: PASSWORD }),
    ),
    IDEMPOTENCY_TABLE: await createIdempotencyTable(dynamoDb),
    ALLOWED_USAGE_PLAN_IDS: plans.join(','),
  });
  webhook = composeWebhook(config, awsBackend(config, webhookClients), new Logger({ logLevel: 'SILENT' }));
});

afterAll(() => {
  apiGateway.destroy();
  dynamoDb.destroy();
  secretsManager.destroy();
  webhookClients.destroyAll();
});

/** A create for app number `index` of this run: its own name and slug, in both plans. */
const createEvent = (index: number) =>
  event({
    json: createRequest({
      appName: `${run}-app${index}`,
      appSlug: `${run}-slug${index}`,
      developer: DEVELOPER,
      apis: [{ id: 'restapi1', usagePlans: plans.map((id) => ({ id })) }],
    }),
  });

const revokeEvent = (apiKeyId: string) =>
  event({ path: '/v1/revokeCredentials', json: { credentialType: 'API_KEY', apiKeyId } });

const statusesOf = (responses: readonly APIGatewayProxyResult[]) =>
  responses.map((response) => response.statusCode);

const sorted = (items: readonly string[]): string[] => [...items].sort();

describe(`${APPS} concurrent creates for distinct apps`, () => {
  let created: APIGatewayProxyResult[];
  /** What the Portal was given: key id -> key value. */
  let issued: Map<string, string>;

  beforeAll(async () => {
    created = await Promise.all(Array.from({ length: APPS }, (_, index) => webhook(createEvent(index))));
    issued = new Map(
      created
        .filter((response) => response.statusCode === 200)
        .map((response) => ApiKeyCredentialSchema.parse(JSON.parse(response.body)))
        .map((key) => [key.apiKeyId, key.apiKey]),
    );
  }, BATCH_TIMEOUT_MS);

  test('all answer 200', () => {
    expect(statusesOf(created)).toEqual(Array(APPS).fill(200));
  });

  test('run at once: their AWS calls overlap', () => {
    expect(inFlight.peak).toBeGreaterThanOrEqual(APPS);
  });

  test(`yield ${APPS} distinct key ids and ${APPS} distinct key values`, () => {
    expect(issued.size).toBe(APPS);
    expect(new Set(issued.values()).size).toBe(APPS);
  });

  test('leave in API Gateway exactly the keys the Portal was given, with the values it was given', async () => {
    const held = await keysNamedWithPrefix(apiGateway, run);

    expect(new Map(held.map((key) => [key.id, key.value]))).toEqual(issued);
  });

  test('leave each key bound to both usage plans, and nothing else bound to them', async () => {
    const bound = await Promise.all(plans.map((planId) => keyIdsOfPlan(apiGateway, planId)));

    expect(bound.map(sorted)).toEqual(plans.map(() => sorted([...issued.keys()])));
  });

  describe(`then ${APPS} concurrent revokes of them all`, () => {
    let revoked: APIGatewayProxyResult[];

    beforeAll(async () => {
      revoked = await Promise.all([...issued.keys()].map((apiKeyId) => webhook(revokeEvent(apiKeyId))));
    }, BATCH_TIMEOUT_MS);

    test('all answer 204', () => {
      expect(statusesOf(revoked)).toEqual(Array(APPS).fill(204));
    });

    test('leave none of the keys in API Gateway', async () => {
      expect(await keysNamedWithPrefix(apiGateway, run)).toEqual([]);
    });
  });
});
