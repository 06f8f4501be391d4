/**
 * Concurrency against moto through the real SDK adapters, the webhook wired as the Lambda wires
 * it (Secrets Manager, the ledger in DynamoDB, API Gateway): creates for distinct apps at once,
 * then revokes of what they issued at once; and identical creates at once (the Portal's retries
 * racing), of which exactly one may issue a key. One webhook serves them all, so its clients and
 * their connection pools are shared, as in a warm container; each request caps its own fan-out
 * (MAX_PARALLEL_AWS_CALLS).
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ApiKeyCredentialSchema } from '../../lambda/schemas';
import type { Invocation, Webhook } from '../../lambda/webhook';
import { createRequest, event } from '../support/events';
import {
  createLedgerTable,
  createPortalSecret,
  createUsagePlans,
  keyIdsNamed,
  keyIdsOfPlan,
  keysNamedWithPrefix,
  ledgerItems,
  ledgerItemsOfApp,
  motoTestClients,
  type StackedClient,
  unique,
  wiredWebhook,
} from './aws';

/** Requests at once: more than one request's own fan-out, and all their calls overlap ("run at once"). */
const APPS = 50;
const DEVELOPER = 'dev@example.com';

/**
 * These tests prove what concurrent requests do to each other, not how fast moto answers. One moto
 * (one Python process, shared by the tier) answers every call of a batch (a create is 7 calls):
 * 50 creates took 2 s on an idle 2-core machine and 8 s on a loaded one, and a request that ran out
 * of time would answer 503 for the machine's load. So each invocation says it has minutes left
 * (its AWS budget is budgetFor() of that), and each attempt and connection may take a minute: time
 * that load cannot exhaust. What deadlines and attempt timeouts do is tested on their own
 * (test/unit/webhook-time-budget.test.ts, timeouts.test.ts, faults.test.ts).
 */
const INVOCATION: Invocation = { remainingMs: 180_000 };
const SLOW_MOTO_MS = 60_000;
/** Past every request's end, so that a batch too slow fails on its answers rather than on jest's timeout. */
const BATCH_TIMEOUT_MS = INVOCATION.remainingMs + 20_000;

const moto = motoTestClients();
const { apiGateway, dynamoDb, secretsManager } = moto;
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
const webhookClients = moto.factories({
  instrument: countInFlight,
  requestTimeoutMs: SLOW_MOTO_MS,
  connectionTimeoutMs: SLOW_MOTO_MS,
});
let webhook: Webhook;
let tableName: string;
/** Usage plans of this file's own: only its keys are ever bound to them. */
let plans: string[];
/** Starts every app name of this file's run, so that its keys can be listed by name. */
const run = unique('concurrency');

beforeAll(async () => {
  plans = await createUsagePlans(apiGateway, 2);
  tableName = await createLedgerTable(dynamoDb);
  webhook = wiredWebhook(
    {
      WEBHOOK_SECRET_ARN: await createPortalSecret(secretsManager),
      LEDGER_TABLE: tableName,
      ALLOWED_USAGE_PLAN_IDS: plans.join(','),
    },
    webhookClients,
  );
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
    created = await Promise.all(
      Array.from({ length: APPS }, (_, index) => webhook(createEvent(index), INVOCATION)),
    );
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

  test('leave the ledger showing exactly those keys issued', async () => {
    const entries = (await ledgerItems(dynamoDb, tableName)).filter((entry) =>
      entry.appName?.startsWith(`${run}-app`),
    );

    expect(entries.every((entry) => entry.state === 'issued')).toBe(true);
    expect(sorted(entries.map((entry) => entry.credentialId ?? ''))).toEqual(sorted([...issued.keys()]));
  });

  describe(`then ${APPS} concurrent revokes of them all`, () => {
    let revoked: APIGatewayProxyResult[];

    beforeAll(async () => {
      revoked = await Promise.all(
        [...issued.keys()].map((apiKeyId) => webhook(revokeEvent(apiKeyId), INVOCATION)),
      );
    }, BATCH_TIMEOUT_MS);

    test('all answer 204', () => {
      expect(statusesOf(revoked)).toEqual(Array(APPS).fill(204));
    });

    test('leave none of the keys in API Gateway, and the ledger showing each revoked', async () => {
      expect(await keysNamedWithPrefix(apiGateway, run)).toEqual([]);
      const entries = (await ledgerItems(dynamoDb, tableName)).filter((entry) =>
        entry.appName?.startsWith(`${run}-app`),
      );
      expect(entries).toHaveLength(APPS);
      expect(entries.every((entry) => entry.state === 'revoked')).toBe(true);
    });
  });
});

describe(`${APPS} concurrent identical creates`, () => {
  const appName = `${run}-same`;
  let responses: APIGatewayProxyResult[];

  beforeAll(async () => {
    const request = event({
      json: createRequest({
        appName,
        appSlug: `${run}-same`,
        developer: DEVELOPER,
        apis: [{ id: 'restapi1', usagePlans: plans.map((id) => ({ id })) }],
      }),
    });
    responses = await Promise.all(Array.from({ length: APPS }, () => webhook(request, INVOCATION)));
  }, BATCH_TIMEOUT_MS);

  test('issue exactly one key, recorded once in the ledger', async () => {
    const keyIds = await keyIdsNamed(apiGateway, `${appName} (${DEVELOPER})`);

    expect(keyIds).toHaveLength(1);
    expect(await ledgerItemsOfApp(dynamoDb, tableName, appName)).toMatchObject([
      { state: 'issued', credentialId: keyIds[0] },
    ]);
  });

  test('answer 200 with that key, or 409 REQUEST_IN_PROGRESS while it is being issued', async () => {
    const [keyId] = await keyIdsNamed(apiGateway, `${appName} (${DEVELOPER})`);

    const answers = responses.map((response) =>
      response.statusCode === 200
        ? ApiKeyCredentialSchema.parse(JSON.parse(response.body)).apiKeyId
        : `${response.statusCode} ${JSON.parse(response.body).code}`,
    );

    expect(answers).toContain(keyId);
    const others = answers.filter((answer) => answer !== keyId);
    expect(others).toEqual(others.map(() => '409 REQUEST_IN_PROGRESS'));
  });
});
