/**
 * No orphans under faults. The whole webhook is wired as the Lambda wires it (Basic credentials
 * from Secrets Manager, the ledger in DynamoDB, API keys and app clients) on real SDK clients
 * against moto, and one AWS call at a time fails: refused, throttled on every attempt, or timed out
 * on every attempt before AWS acted on it. moto refuses, throttles and times out nothing, so the
 * failure is injected by a middleware inside the SDK's retry loop (FaultInjector in ./aws.ts).
 *
 * Each case then checks, reading moto with clients of its own: the Portal got the error format
 * with the status for that kind of failure and no AWS wording; moto holds no credential the Portal
 * was not given and no half-made change, and the ledger no entry that claims otherwise; and the
 * same request, repeated without the fault, takes effect with exactly one credential.
 *
 * The table lists, per operation, every call its happy path sends; the first describe block
 * records what each happy path really sends and fails if the code makes a call the table misses
 * (jest needs the table before any test runs, so it cannot be built from a recorded run).
 * Calls sent only after another failure (the claim's release, the removal of a key whose binding
 * failed) are failed in the last block, together with the failure that causes them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { loadReconcilerConfig } from '../../lambda/config';
import { composeReconciler } from '../../lambda/reconciler/compose';
import {
  ApiKeyCredentialSchema,
  ClientCredentialSchema,
  type CreateCredentialsRequest,
  ErrorResponseSchema,
} from '../../lambda/schemas';
import type { Webhook, WebhookEvent } from '../../lambda/webhook';
import { createRequest, event } from '../support/events';
import {
  clientsNamedWithPrefix,
  createLedgerTable,
  createPortalSecret,
  createUsagePlans,
  createUserPoolWithScopes,
  FAULT_KINDS,
  FaultInjector,
  type FaultKind,
  INJECTED_AWS_DETAIL,
  instanceOfTable,
  keyIdsNamed,
  type LedgerItem,
  ledgerItems,
  ledgerItemsOfApp,
  motoTestClients,
  planIdsOfKey,
  readClient,
  readKey,
  type ScopedUserPool,
  unique,
  wiredWebhook,
} from './aws';

const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
/** One retry per call: enough to show a throttle or timeout outlasting the SDK's retries, and fast. */
const MAX_ATTEMPTS = 2;
/** A throttled call waits for the SDK's backoff and adaptive rate limiter (about 2 s per retry). */
const CASE_TIMEOUT_MS = 30_000;

/** For arranging and reading back moto's state, apart from the clients the webhooks build. */
const moto = motoTestClients();
const { apiGateway, cognito, dynamoDb, secretsManager } = moto;
/** Clients of the fault-free webhook that issues the credentials updates and revokes start from. */
const arrangeClients = moto.factories();

let env: Record<string, string>;
let tableName: string;
let arrangeWebhook: Webhook;
/** Usage plans on the allow-list: keys start in [a, b] and an update moves them to [b, c]. */
let plans: { a: string; b: string; c: string };
let pool: ScopedUserPool;
/** orders1's scope (app clients start with it) and billing1's (an update moves them to it). */
let ordersScope: string;
let billingScope: string;

beforeAll(async () => {
  const [a = '', b = '', c = ''] = await createUsagePlans(apiGateway, 3);
  plans = { a, b, c };
  pool = await createUserPoolWithScopes(cognito, ['orders', 'billing']);
  tableName = await createLedgerTable(dynamoDb);
  [ordersScope = '', billingScope = ''] = pool.scopes;
  env = {
    WEBHOOK_SECRET_ARN: await createPortalSecret(secretsManager),
    LEDGER_TABLE: tableName,
    ALLOWED_USAGE_PLAN_IDS: [a, b, c].join(','),
    // API keys by default; app clients for the two APIs below.
    API_CREDENTIAL_TYPES: JSON.stringify({ orders1: 'CLIENT_CREDENTIALS', billing1: 'CLIENT_CREDENTIALS' }),
    USER_POOL_ID: pool.userPoolId,
    TOKEN_URL,
    API_SCOPES: JSON.stringify({ orders1: [ordersScope], billing1: [billingScope] }),
  };
  arrangeWebhook = wiredWebhook(env, arrangeClients);
});

/**
 * A webhook of its own (a cold Lambda: nothing cached) whose AWS calls go through `faults`; with a
 * ledger table of its own when given one.
 */
function instrumentedWebhook(faults: FaultInjector, logger?: Logger, ledgerTable?: string): Webhook {
  return wiredWebhook(
    { ...env, ...(ledgerTable !== undefined && { LEDGER_TABLE: ledgerTable }) },
    moto.factories({ maxAttempts: MAX_ATTEMPTS, instrument: faults.instrument }),
    logger,
  );
}

// ---- the operations ----------------------------------------------------------------------------

/** One run of an operation, arranged in moto, and what must hold after it fails and after a retry. */
interface Run {
  readonly event: WebhookEvent;
  /** moto holds exactly the credentials the Portal was given by `response`, none half-changed. */
  checkState(response: APIGatewayProxyResult): Promise<void>;
  /** After the same request without the fault (`webhook` may be asked again). */
  checkAfterRetry(response: APIGatewayProxyResult, webhook: Webhook): Promise<void>;
}

/** What the Portal gets: status, error code and Retry-After. */
interface Answer {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: string | undefined;
}

interface Operation {
  readonly name: string;
  /** The AWS calls its happy path sends, as "<command>#<nth send of it>". */
  readonly calls: readonly string[];
  /** Answers that differ from EXPECTED for a call and kind of failure. */
  readonly answers?: Readonly<Record<string, Partial<Record<FaultKind, Answer>>>>;
  arrange(): Promise<Run>;
}

const createEvent = (request: CreateCredentialsRequest) => event({ json: request });
const updateEvent = (json: Record<string, unknown>) => event({ path: '/v1/updateCredentials', json });
const revokeEvent = (json: Record<string, unknown>) => event({ path: '/v1/revokeCredentials', json });

const keyNameOf = (appName: string) => `${appName} (${DEVELOPER})`;
/** What an app's client name starts with; the marker of its ledger entry follows. */
const clientNamePrefixOf = (appName: string) => `${appName} - ${DEVELOPER} cw=`;
const usagePlans = (...ids: string[]) => [{ id: 'restapi1', usagePlans: ids.map((id) => ({ id })) }];
const sorted = (items: readonly string[]): string[] => [...items].sort();

function bodyOf(response: APIGatewayProxyResult): unknown {
  return JSON.parse(response.body);
}

/** Checks the status; on a mismatch the message shows the body, which says why. */
function expectStatus(response: APIGatewayProxyResult, status: number): void {
  expect(`${response.statusCode} ${response.body}`).toMatch(new RegExp(`^${status} `));
}

/** A new app asking for an API key in plans a and b. */
function newKeyApp(): CreateCredentialsRequest {
  return createRequest({
    appName: unique('app'),
    appSlug: unique('slug'),
    developer: DEVELOPER,
    apis: usagePlans(plans.a, plans.b),
  });
}

/** A new app asking for an app client (orders1's scope). */
function newClientApp(): CreateCredentialsRequest {
  return createRequest({
    appName: unique('app'),
    appSlug: unique('slug'),
    developer: DEVELOPER,
    apis: [{ id: 'orders1' }],
  });
}

/** The app's ledger entries, by state: e.g. { issued: ['key1'], abandoned: [undefined] }. */
async function entriesOf(appName: string): Promise<Record<string, Array<string | undefined>>> {
  const byState: Record<string, Array<string | undefined>> = {};
  for (const entry of await ledgerItemsOfApp(dynamoDb, tableName, appName)) {
    const state = entry.state ?? 'unreadable';
    byState[state] = [...(byState[state] ?? []), entry.credentialId];
  }
  return byState;
}

/**
 * After a failed create, the ledger shows nothing issued and nothing still pending: the intent (if
 * it was written) is abandoned, so the reconciler removes whatever carries its marker.
 */
async function expectNothingRecordedAsIssued(appName: string): Promise<void> {
  const states = Object.keys(await entriesOf(appName));
  expect(states.filter((state) => state !== 'abandoned')).toEqual([]);
}

/** After a create that succeeded, the ledger shows `credentialId` issued, and nothing else live. */
async function expectRecordedAsIssued(appName: string, credentialId: string): Promise<void> {
  const { issued, abandoned: _abandoned, ...others } = await entriesOf(appName);
  expect(issued).toEqual([credentialId]);
  expect(others).toEqual({});
}

/** The one entry the ledger holds for a credential (issued, or revoked). */
async function entryOf(credentialId: string): Promise<LedgerItem | undefined> {
  const entries = (await ledgerItems(dynamoDb, tableName)).filter(
    (entry) => entry.credentialId === credentialId,
  );
  expect(entries).toHaveLength(1);
  return entries[0];
}

/** Issues a credential through the fault-free webhook; resolves with the response body. */
async function issued(request: CreateCredentialsRequest): Promise<unknown> {
  const response = await arrangeWebhook(createEvent(request));
  if (response.statusCode !== 200) throw new Error(`arrange: ${response.statusCode} ${response.body}`);
  return bodyOf(response);
}

const createApiKey: Operation = {
  name: 'create API key in 2 plans',
  calls: [
    'GetSecretValue#1',
    'PutItem#1', // the app's claim
    'PutItem#2', // the ledger's intent
    'CreateApiKey#1',
    'CreateUsagePlanKey#1',
    'CreateUsagePlanKey#2',
    'TransactWriteItems#1', // issued, with the claim completed
  ],
  async arrange() {
    const request = newKeyApp();
    const name = keyNameOf(request.appName);
    return {
      event: createEvent(request),
      async checkState(response) {
        const given =
          response.statusCode === 200 ? [ApiKeyCredentialSchema.parse(bodyOf(response)).apiKeyId] : [];
        expect(await keyIdsNamed(apiGateway, name)).toEqual(given);
        await expectNothingRecordedAsIssued(request.appName);
      },
      async checkAfterRetry(response, webhook) {
        expectStatus(response, 200);
        const key = ApiKeyCredentialSchema.parse(bodyOf(response));
        expect(await keyIdsNamed(apiGateway, name)).toEqual([key.apiKeyId]);
        expect(await readKey(apiGateway, key.apiKeyId)).toMatchObject({ value: key.apiKey });
        expect(await planIdsOfKey(apiGateway, key.apiKeyId)).toEqual(sorted([plans.a, plans.b]));
        await expectRecordedAsIssued(request.appName, key.apiKeyId);
        const repeat = await webhook(createEvent(request));
        expect(bodyOf(repeat)).toEqual(bodyOf(response));
      },
    };
  },
};

const updateApiKey: Operation = {
  name: 'update API key (rename, add a plan, remove one)',
  calls: [
    'GetSecretValue#1',
    'GetItem#1', // the ledger's entry: is the key the webhook's
    'GetApiKey#1',
    'GetUsagePlans#1',
    'UpdateItem#1', // the ledger lists the added plan before the key is bound to it
    'CreateUsagePlanKey#1',
    'DeleteUsagePlanKey#1',
    'UpdateApiKey#1',
    'UpdateItem#2', // the ledger records the new plans and app
  ],
  // A refused read of the key is, to the webhook, a key that is not its own.
  answers: {
    'GetApiKey#1': { refused: { status: 404, code: 'CREDENTIAL_NOT_FOUND', retryAfter: undefined } },
  },
  async arrange() {
    const request = newKeyApp();
    const { apiKeyId } = ApiKeyCredentialSchema.parse(await issued(request));
    const renamed = unique('renamed');
    const oldPlans = sorted([plans.a, plans.b]);
    const newPlans = sorted([plans.b, plans.c]);
    return {
      event: updateEvent({
        credentialType: 'API_KEY',
        apiKeyId,
        appName: renamed,
        developer: DEVELOPER,
        apis: usagePlans(plans.b, plans.c),
      }),
      async checkState() {
        expect(await readKey(apiGateway, apiKeyId)).toMatchObject({ id: apiKeyId });
        const bound = await planIdsOfKey(apiGateway, apiKeyId);
        expect([oldPlans, newPlans]).toContainEqual(bound);
        // Every plan the key is bound to is one the ledger lists: the reconciler unbinds nothing.
        const entry = await entryOf(apiKeyId);
        expect(entry?.state).toBe('issued');
        expect(bound.filter((planId) => !entry?.grants.includes(planId))).toEqual([]);
      },
      async checkAfterRetry(response) {
        expectStatus(response, 204);
        expect(await planIdsOfKey(apiGateway, apiKeyId)).toEqual(newPlans);
        expect(await readKey(apiGateway, apiKeyId)).toMatchObject({ name: keyNameOf(renamed) });
        expect(await entryOf(apiKeyId)).toMatchObject({
          state: 'issued',
          appName: renamed,
          grants: [plans.b, plans.c],
        });
      },
    };
  },
};

const revokeApiKey: Operation = {
  name: 'revoke API key',
  calls: [
    'GetSecretValue#1',
    'GetItem#1', // the ledger's entry
    'UpdateItem#1', // revoked, before the delete
    'DeleteApiKey#1',
  ],
  // A refused delete of a key the ledger says is the webhook's is a broken deployment (IAM), not
  // "gone": 502, and the key is still there. (A key the ledger does not list is a 404.)
  async arrange() {
    const { apiKeyId } = ApiKeyCredentialSchema.parse(await issued(newKeyApp()));
    return {
      event: revokeEvent({ credentialType: 'API_KEY', apiKeyId }),
      async checkState() {
        expect(await readKey(apiGateway, apiKeyId)).toMatchObject({ id: apiKeyId });
        // Revoked in the ledger before the delete failed: the reconciler deletes the key.
        expect(['issued', 'revoked']).toContain((await entryOf(apiKeyId))?.state);
      },
      async checkAfterRetry(response) {
        expectStatus(response, 204);
        await expect(readKey(apiGateway, apiKeyId)).rejects.toMatchObject({ name: 'NotFoundException' });
        expect(await entryOf(apiKeyId)).toMatchObject({ state: 'revoked' });
      },
    };
  },
};

const createClient: Operation = {
  name: 'create client credentials',
  calls: ['GetSecretValue#1', 'PutItem#1', 'PutItem#2', 'CreateUserPoolClient#1', 'TransactWriteItems#1'],
  async arrange() {
    const request = newClientApp();
    const clientIds = async () =>
      (await clientsNamedWithPrefix(cognito, pool.userPoolId, clientNamePrefixOf(request.appName))).map(
        (client) => client.id,
      );
    return {
      event: createEvent(request),
      async checkState(response) {
        const given =
          response.statusCode === 200 ? [ClientCredentialSchema.parse(bodyOf(response)).clientId] : [];
        expect(await clientIds()).toEqual(given);
        await expectNothingRecordedAsIssued(request.appName);
      },
      async checkAfterRetry(response, webhook) {
        expectStatus(response, 200);
        const client = ClientCredentialSchema.parse(bodyOf(response));
        expect(await clientIds()).toEqual([client.clientId]);
        expect(await readClient(cognito, pool.userPoolId, client.clientId)).toMatchObject({
          ClientSecret: client.clientSecret,
        });
        await expectRecordedAsIssued(request.appName, client.clientId);
        const repeat = await webhook(createEvent(request));
        expect(bodyOf(repeat)).toEqual(bodyOf(response));
      },
    };
  },
};

const updateClient: Operation = {
  name: 'update client (rename, other scopes)',
  calls: [
    'GetSecretValue#1',
    'GetItem#1',
    'DescribeUserPoolClient#1',
    'UpdateUserPoolClient#1',
    'UpdateItem#1',
  ],
  async arrange() {
    const request = newClientApp();
    const { clientId } = ClientCredentialSchema.parse(await issued(request));
    const renamed = unique('renamed');
    const settings = async () => {
      const client = await readClient(cognito, pool.userPoolId, clientId);
      return { ClientName: client.ClientName, AllowedOAuthScopes: client.AllowedOAuthScopes };
    };
    const before = await settings();
    // The name keeps the marker that ties the client to its ledger entry.
    const marker = before.ClientName?.slice(clientNamePrefixOf(request.appName).length);
    const after = {
      ClientName: `${clientNamePrefixOf(renamed)}${marker}`,
      AllowedOAuthScopes: [billingScope],
    };
    return {
      event: updateEvent({
        credentialType: 'CLIENT_CREDENTIALS',
        clientId,
        appName: renamed,
        developer: DEVELOPER,
        apis: [{ id: 'billing1' }],
      }),
      async checkState() {
        expect([before, after]).toContainEqual(await settings());
        expect(await entryOf(clientId)).toMatchObject({ state: 'issued' });
      },
      async checkAfterRetry(response) {
        expectStatus(response, 204);
        expect(await settings()).toEqual(after);
        expect(await entryOf(clientId)).toMatchObject({
          state: 'issued',
          appName: renamed,
          grants: [billingScope],
        });
      },
    };
  },
};

const revokeClient: Operation = {
  name: 'revoke client',
  calls: ['GetSecretValue#1', 'GetItem#1', 'UpdateItem#1', 'DeleteUserPoolClient#1'],
  async arrange() {
    const { clientId } = ClientCredentialSchema.parse(await issued(newClientApp()));
    return {
      event: revokeEvent({ credentialType: 'CLIENT_CREDENTIALS', clientId }),
      async checkState() {
        expect(await readClient(cognito, pool.userPoolId, clientId)).toMatchObject({ ClientId: clientId });
        expect(['issued', 'revoked']).toContain((await entryOf(clientId))?.state);
      },
      async checkAfterRetry(response) {
        expectStatus(response, 204);
        await expect(readClient(cognito, pool.userPoolId, clientId)).rejects.toMatchObject({
          name: 'ResourceNotFoundException',
        });
        expect(await entryOf(clientId)).toMatchObject({ state: 'revoked' });
      },
    };
  },
};

const OPERATIONS: readonly Operation[] = [
  createApiKey,
  updateApiKey,
  revokeApiKey,
  createClient,
  updateClient,
  revokeClient,
];

/**
 * How many attempts the SDK makes of a failing call: one when refused; every allowed one when
 * throttled or timed out, except for a CreateUserPoolClient that timed out, which is not retried
 * (its answer may have been lost after Cognito made the client).
 */
function expectedAttempts(call: string, kind: FaultKind): number {
  if (kind === 'refused') return 1;
  if (kind === 'timed out' && call.startsWith('CreateUserPoolClient#')) return 1;
  return MAX_ATTEMPTS;
}

/** What the Portal gets when a call fails this way. */
const EXPECTED: Record<FaultKind, Answer> = {
  refused: { status: 502, code: 'UPSTREAM_ERROR', retryAfter: undefined },
  throttled: { status: 429, code: 'UPSTREAM_THROTTLED', retryAfter: '1' },
  'timed out': { status: 503, code: 'UPSTREAM_UNAVAILABLE', retryAfter: '5' },
};

// ---- the tests -----------------------------------------------------------------------------------

describe('the fault table covers every AWS call of each happy path', () => {
  test.each(OPERATIONS.map((operation) => [operation.name, operation] as const))(
    '%s',
    async (_name, operation) => {
      const run = await operation.arrange();
      const faults = new FaultInjector();

      const response = await instrumentedWebhook(faults)(run.event);

      expect(response.statusCode).toBeLessThan(300);
      expect(faults.calls.length).toBeGreaterThan(0);
      expect(sorted(faults.calls)).toEqual(sorted(operation.calls));
    },
  );
});

interface FaultCase {
  readonly operation: string;
  readonly call: string;
  readonly kind: FaultKind;
  readonly answer: Answer;
}

/** Every call of every operation × every kind of failure. */
function faultCases(): FaultCase[] {
  return OPERATIONS.flatMap((operation) =>
    operation.calls.flatMap((call) =>
      FAULT_KINDS.map((kind) => ({
        operation: operation.name,
        call,
        kind,
        answer: operation.answers?.[call]?.[kind] ?? EXPECTED[kind],
      })),
    ),
  );
}

const operationNamed = (name: string): Operation => {
  const found = OPERATIONS.find((operation) => operation.name === name);
  if (found === undefined) throw new Error(`no operation ${name}`);
  return found;
};

/** The failed request's answer: the error format, the expected status and headers, no AWS wording. */
function expectErrorAnswer(response: APIGatewayProxyResult, answer: Answer): void {
  expectStatus(response, answer.status);
  const body = ErrorResponseSchema.parse(bodyOf(response));
  expect(body).toEqual({ message: expect.any(String), code: answer.code, details: [] });
  expect(response.headers?.['Retry-After']).toBe(answer.retryAfter);
  expect(JSON.stringify(response)).not.toContain(INJECTED_AWS_DETAIL);
}

/** A webhook of its own whose `call` fails with `kind`; the test heals it before retrying. */
async function armed(operation: Operation, call: string, kind: FaultKind) {
  const run = await operation.arrange();
  const faults = new FaultInjector();
  const webhook = instrumentedWebhook(faults);
  faults.fail(call, kind);
  return { run, faults, webhook };
}

describe('one AWS call fails: the error format, no orphan, and a retry yields exactly one credential', () => {
  test.concurrent.each(faultCases())(
    '$operation: $call $kind → $answer.status',
    async ({ operation: name, call, kind, answer }) => {
      const operation = operationNamed(name);
      const { run, faults, webhook } = await armed(operation, call, kind);

      const failed = await webhook(run.event);

      expect(faults.attempts(call)).toBe(expectedAttempts(call, kind));
      expectErrorAnswer(failed, answer);
      await run.checkState(failed);

      faults.heal();
      const retried = await webhook(run.event);

      await run.checkAfterRetry(retried, webhook);
    },
    CASE_TIMEOUT_MS,
  );
});

/**
 * Removes what the ledger in `ledgerTable` does not show issued, at once (grace 0); resolves with
 * its report. The table must be the test's own: a pass with no grace would remove the keys of
 * creates still in flight in the cases running beside it.
 */
async function reconcilePass(ledgerTable: string) {
  const config = loadReconcilerConfig({
    LEDGER_TABLE: ledgerTable,
    ALLOWED_USAGE_PLAN_IDS: [plans.a, plans.b, plans.c].join(','),
  });
  return composeReconciler(config, arrangeClients, { graceSeconds: 0 }).run();
}

describe('a cleanup call fails after the failure that made it necessary', () => {
  const FIRST_FAILURE = 'CreateApiKey#1';
  /** The claim's release after FIRST_FAILURE: claim, intent, then the release (a tombstone). */
  const RELEASE = 'PutItem#3';

  test.concurrent(
    'create API key: the claim release is refused → a repeat within the lease gets 409 and no key',
    async () => {
      const { run, faults, webhook } = await armed(createApiKey, FIRST_FAILURE, 'refused');
      faults.fail(RELEASE, 'refused');
      const failed = await webhook(run.event);
      faults.heal();

      const repeat = await webhook(run.event);

      expect(faults.attempts(RELEASE)).toBe(1);
      expectErrorAnswer(failed, EXPECTED.refused);
      expectErrorAnswer(repeat, { status: 409, code: 'REQUEST_IN_PROGRESS', retryAfter: '2' });
      await run.checkState(repeat);
    },
    CASE_TIMEOUT_MS,
  );

  test.concurrent.each(['throttled', 'timed out'] as const)(
    'create API key: the claim release fails (%s) → it is sent again on its own schedule, and a repeat proceeds',
    async (kind) => {
      const { run, faults, webhook } = await armed(createApiKey, FIRST_FAILURE, 'refused');
      faults.fail(RELEASE, kind);
      const failed = await webhook(run.event);
      faults.heal();

      const repeat = await webhook(run.event);

      expect(faults.attempts(RELEASE)).toBe(MAX_ATTEMPTS);
      expect(faults.calls.indexOf('PutItem#4')).toBeGreaterThan(faults.calls.indexOf(RELEASE));
      expectErrorAnswer(failed, EXPECTED.refused);
      await run.checkAfterRetry(repeat, webhook);
    },
    CASE_TIMEOUT_MS,
  );

  test.concurrent.each(['throttled', 'timed out'] as const)(
    'create API key: the delete of the key whose binding failed fails once (%s) → it is sent again and no key is left',
    async (kind) => {
      const request = newKeyApp();
      const faults = new FaultInjector();
      const logger = new Logger({ logLevel: 'SILENT' });
      const errors = jest.spyOn(logger, 'error');
      const webhook = instrumentedWebhook(faults, logger);
      faults.fail('CreateUsagePlanKey#2', 'refused');
      faults.fail('DeleteApiKey#1', kind);

      const failed = await webhook(createEvent(request));

      expectErrorAnswer(failed, EXPECTED.refused);
      expect(faults.sends('DeleteApiKey')).toEqual(['DeleteApiKey#1', 'DeleteApiKey#2']);
      expect(await keyIdsNamed(apiGateway, keyNameOf(request.appName))).toEqual([]);
      await expectNothingRecordedAsIssued(request.appName);
      expect(errors).not.toHaveBeenCalled();
    },
    CASE_TIMEOUT_MS,
  );

  test.concurrent.each([...FAULT_KINDS])(
    'create API key: the key whose binding failed cannot be deleted (every DeleteApiKey %s) → the operator is told its id, and the reconciler removes it',
    async (kind) => {
      const request = newKeyApp();
      const faults = new FaultInjector();
      const logger = new Logger({ logLevel: 'SILENT' });
      const errors = jest.spyOn(logger, 'error');
      const ownTable = await createLedgerTable(dynamoDb);
      const webhook = instrumentedWebhook(faults, logger, ownTable);
      faults.fail('CreateUsagePlanKey#2', 'refused');
      faults.fail('DeleteApiKey#*', kind);

      const failed = await webhook(createEvent(request));

      expectErrorAnswer(failed, EXPECTED.refused);
      const [left = ''] = await keyIdsNamed(apiGateway, keyNameOf(request.appName));
      const [entry] = await ledgerItemsOfApp(dynamoDb, ownTable, request.appName);
      expect(entry?.state).toBe('abandoned');
      expect((await readKey(apiGateway, left)).tags).toMatchObject({
        'sensedia:ledger-id': `${instanceOfTable(ownTable)}.${entry?.ledgerId}`,
      });
      expect(errors).toHaveBeenCalledWith('orphaned API key: the reconciler will remove it', {
        ledgerId: entry?.ledgerId,
        credentialId: left,
        error: expect.any(String),
      });

      const report = await reconcilePass(ownTable);

      expect(report.findings).toContainEqual(
        expect.objectContaining({ credentialId: left, action: 'delete', outcome: 'done' }),
      );
      await expect(readKey(apiGateway, left)).rejects.toMatchObject({ name: 'NotFoundException' });
    },
    CASE_TIMEOUT_MS,
  );
});
