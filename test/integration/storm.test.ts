/**
 * Nothing orphaned under any fault. A fault storm on the wire (test/support/fault-proxy.ts: lost
 * answers after AWS acted, requests landing after the SDK gave up on them, 5xx before and after
 * acting, throttling in each service's format) hits webhooks wired as the Lambda wires them, on the
 * real SDK clients of lambda/adapters/aws/clients.ts; several webhook instances share the work,
 * like Lambda containers, each with its own clients and so its own SDK retry budget. A Portal-like
 * client creates credentials for many apps at once, then revokes a third and updates a third,
 * retrying each call as the Portal's operators do. Then, once every delayed request has landed,
 * ONE reconcile pass (grace 0) runs.
 *
 * Afterwards, for API keys and for app clients: every app the Portal holds has exactly one
 * credential that works, as it last asked for it, and no resource marked by this deployment
 * exists that the Portal was not given or has revoked. The figures (faults, orphans before and
 * after the pass, the pass's AWS calls) are printed. The first block checks that each fault of the
 * proxy reaches the webhook's clients as that fault would from AWS (what the webhook answers, and
 * whether AWS acted), so that the storm is the storm it claims to be.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type ApiKey, CreateApiKeyCommand, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import {
  CreateUserPoolClientCommand,
  ListUserPoolClientsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type AwsClients, awsBackend } from '../../lambda/adapters/aws/backend';
import {
  apiGatewayClient,
  type ClientOptions,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from '../../lambda/adapters/aws/clients';
import { upstreamError } from '../../lambda/adapters/aws/errors';
import { composeWebhook } from '../../lambda/compose';
import { loadConfig, loadReconcilerConfig } from '../../lambda/config';
import { MARKER_TAG, markerInClientName, parseMarker } from '../../lambda/credentials/marker';
import { ThrottledError } from '../../lambda/errors';
import { composeReconciler } from '../../lambda/reconciler/compose';
import type { ReconcileReport } from '../../lambda/reconciler/reconciler';
import { ApiKeyCredentialSchema, ClientCredentialSchema } from '../../lambda/schemas';
import type { Webhook, WebhookEvent } from '../../lambda/webhook';
import { event, PASSWORD, USERNAME } from '../support/events';
import {
  adoptNodeErrors,
  type FaultProxy,
  type FaultRule,
  PROXY_FAULTS,
  type ProxyFault,
  startFaultProxy,
} from '../support/fault-proxy';
import { rejectionOf } from '../support/promises';
import {
  createIdempotencyTable,
  createSecret,
  createUsagePlans,
  createUserPoolWithScopes,
  keyIdsNamed,
  motoTestClients,
  plansListingKey,
  REGION,
  readClient,
  readKey,
  type StackedClient,
  unique,
} from './aws';

const KEY_APPS = 30;
const CLIENT_APPS = 20;
/** Webhook instances per deployment, like Lambda containers: each its own clients and retry budget. */
const INSTANCES = 3;
/** The Portal's tries per call; the last one meets no faults. */
const PORTAL_ATTEMPTS = 4;
/** Portal calls in flight at once, per credential kind. */
const PORTAL_CONCURRENCY = 10;
/** The Portal honours Retry-After, but waits at most this long between tries. */
const MAX_PORTAL_WAIT_MS = 2_000;
const SEEDS = { 'API keys': 20_261_130, 'app clients': 20_261_131 } as const;
/** Faults of each kind the storm must inject per credential kind, for the run to prove anything. */
const MIN_FAULTS_PER_KIND = 2;
/** Two storms at once on a loaded 2-core machine: a few delayed (4 s) calls per request at worst. */
const STORM_TIMEOUT_MS = 150_000;

/**
 * The storm. Lost and late creates are what orphans are made of, so creates are hit hardest;
 * every other call (claims, ledger writes, bindings, reads, deletes, the secret) meets every fault
 * kind too, at rates that leave most requests standing (a 3-attempt SDK call fails when all three
 * attempts do).
 */
const STORM: readonly FaultRule[] = [
  {
    operations: ['CreateApiKey', 'CreateUserPoolClient'],
    rates: { drop: 0.1, delay: 0.1, 'error-before': 0.05, 'error-after': 0.1, throttle: 0.1 },
  },
  { rates: { drop: 0.04, delay: 0.03, 'error-before': 0.05, 'error-after': 0.04, throttle: 0.08 } },
];

const DEVELOPER = 'storm@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
/** Every app name of this run starts with it. */
const RUN = unique('storm');

/** For arranging and reading back moto's state, apart from the clients the webhooks build. */
const { apiGateway, cognito, dynamoDb, secretsManager } = motoTestClients();
/** POWERTOOLS_LOG_LEVEL=DEBUG shows what the webhooks and the reconciler did (to investigate a failure). */
const logger =
  process.env.POWERTOOLS_LOG_LEVEL === undefined ? new Logger({ logLevel: 'SILENT' }) : new Logger();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sorted = (items: readonly string[]): string[] => [...items].sort();

function motoEndpoint(): string {
  const endpoint = process.env.MOTO_ENDPOINT;
  if (endpoint === undefined) throw new Error('MOTO_ENDPOINT is not set: run the integration project.');
  return endpoint;
}

/** The real clients (clients.ts), aimed at the proxy; `destroyAll` closes every client built. */
function clientsVia(endpoint: string): AwsClients & { destroyAll(): void } {
  // Dummy credentials: moto accepts any, and a real account's must never be picked up here.
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  const options: ClientOptions = { endpoint, region: REGION };
  const built: Array<{ destroy(): void }> = [];
  const track = <T extends StackedClient & { destroy(): void }>(client: T): T => {
    adoptNodeErrors(client);
    built.push(client);
    return client;
  };
  return {
    apiGateway: () => track(apiGatewayClient(options)),
    cognito: () => track(cognitoClient(options)),
    secretsManager: () => track(secretsManagerClient(options)),
    dynamoDb: () => track(dynamoDbClient(options)),
    destroyAll: () => {
      for (const client of built.splice(0)) client.destroy();
    },
  };
}

/** What the Portal holds for an app: the credential it was given, and the grants it last asked for. */
interface Held {
  readonly id: string;
  /** The API key value or the client secret. */
  readonly secret: string;
  readonly grants: string[];
}

/** One credential kind: how its apps are described, and how moto is read back for it. */
interface KindSpec {
  readonly label: 'API keys' | 'app clients';
  readonly apps: number;
  /** Creates the deployment's AWS resources; resolves with its environment (without the ledger). */
  arrange(): Promise<Record<string, string>>;
  /** The app's APIs at create (`version` 0) and after an update (1), and the grants they give. */
  apis(app: number, version: 0 | 1): { apis: unknown[]; grants: string[] };
  /** The credential's reference in an update or revoke. */
  ref(credentialId: string): Record<string, string>;
  /** The credential in a create's answer. */
  issued(body: string): { id: string; secret: string };
  /** Ids of the resources in moto that carry a marker of `instance`. */
  marked(instance: string): Promise<string[]>;
  /**
   * What moto holds for the credential, read back around the code under test; `usable`: an
   * enabled key, a client allowed the client_credentials flow (and only it).
   */
  read(id: string): Promise<Held & { usable: boolean }>;
}

/** Picks 2 of 3: the app's pair at create, the next pair after an update. */
const pair = <T>(items: readonly T[], app: number, version: 0 | 1): T[] =>
  [app + version, app + version + 1].map((index) => items[index % items.length] as T);

function apiKeys(): KindSpec {
  let plans: string[] = [];
  return {
    label: 'API keys',
    apps: KEY_APPS,
    async arrange() {
      plans = await createUsagePlans(apiGateway, 3);
      return { ALLOWED_USAGE_PLAN_IDS: plans.join(',') };
    },
    apis: (app, version) => {
      const chosen = pair(plans, app, version);
      return { apis: [{ id: 'stormapi', usagePlans: chosen.map((id) => ({ id })) }], grants: sorted(chosen) };
    },
    ref: (apiKeyId) => ({ credentialType: 'API_KEY', apiKeyId }),
    issued: (body) => {
      const key = ApiKeyCredentialSchema.parse(JSON.parse(body));
      return { id: key.apiKeyId, secret: key.apiKey };
    },
    async marked(instance) {
      const keys: ApiKey[] = [];
      let position: string | undefined;
      do {
        const page = await apiGateway.send(
          new GetApiKeysCommand({ includeValues: false, limit: 500, position }),
        );
        keys.push(...(page.items ?? []));
        position = page.position;
      } while (position !== undefined);
      return keys
        .filter((key) => parseMarker(key.tags?.[MARKER_TAG])?.instance === instance)
        .map((key) => key.id ?? '');
    },
    async read(id) {
      const key = await readKey(apiGateway, id);
      // Bindings as each plan lists them (GetUsagePlanKeys), not as moto's key-side view has them.
      const bound = await plansListingKey(apiGateway, plans, id);
      return { id, secret: key.value ?? '', grants: bound, usable: key.enabled === true };
    },
  };
}

function appClients(): KindSpec {
  const apiIds = ['stormorders', 'stormbilling', 'stormreports'];
  let userPoolId = '';
  let scopes: string[] = [];
  return {
    label: 'app clients',
    apps: CLIENT_APPS,
    async arrange() {
      ({ userPoolId, scopes } = await createUserPoolWithScopes(cognito, ['orders', 'billing', 'reports']));
      return {
        DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
        USER_POOL_ID: userPoolId,
        TOKEN_URL,
        API_SCOPES: JSON.stringify(Object.fromEntries(apiIds.map((id, index) => [id, [scopes[index]]]))),
      };
    },
    apis: (app, version) => ({
      apis: pair(apiIds, app, version).map((id) => ({ id })),
      grants: sorted(pair(scopes, app, version)),
    }),
    ref: (clientId) => ({ credentialType: 'CLIENT_CREDENTIALS', clientId }),
    issued: (body) => {
      const client = ClientCredentialSchema.parse(JSON.parse(body));
      return { id: client.clientId, secret: client.clientSecret };
    },
    async marked(instance) {
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await cognito.send(
          new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60, NextToken: nextToken }),
        );
        for (const client of page.UserPoolClients ?? []) {
          if (markerInClientName(client.ClientName)?.instance === instance) ids.push(client.ClientId ?? '');
        }
        nextToken = page.NextToken;
      } while (nextToken !== undefined);
      return ids;
    },
    async read(id) {
      const client = await readClient(cognito, userPoolId, id);
      return {
        id,
        secret: client.ClientSecret ?? '',
        grants: sorted(client.AllowedOAuthScopes ?? []),
        usable:
          client.AllowedOAuthFlows?.join() === 'client_credentials' &&
          client.AllowedOAuthFlowsUserPoolClient === true,
      };
    },
  };
}

/** One Portal call, retried: what it sends, and the answer its last try got. */
interface PortalCall {
  readonly app: number;
  readonly event: () => WebhookEvent;
}

interface Outcome {
  readonly response: APIGatewayProxyResult;
  readonly attempts: number;
}

/** 409 (in progress), 429 and 5xx are worth another try; any other answer is final. */
const retryable = (status: number) => status === 409 || status === 429 || status >= 500;

function retryAfterMs(response: APIGatewayProxyResult): number {
  const header = response.headers?.['Retry-After'];
  const seconds = Number(header ?? 1);
  return Number.isFinite(seconds) ? seconds * 1000 : 1000;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The Portal: every call tried up to PORTAL_ATTEMPTS times, in rounds, honouring Retry-After (capped),
 * each try on another instance. The storm blows during every try but the last: a storm that never
 * ends leaves nothing to converge and so proves nothing about convergence; the last try meets calm
 * (though requests delayed by earlier tries may still land during it).
 */
async function portal(
  calls: readonly PortalCall[],
  proxy: FaultProxy,
  instances: readonly Webhook[],
): Promise<Map<number, Outcome>> {
  const outcomes = new Map<number, Outcome>();
  let pending = calls;
  for (let attempt = 1; attempt <= PORTAL_ATTEMPTS && pending.length > 0; attempt++) {
    if (attempt === PORTAL_ATTEMPTS) proxy.calm();
    else proxy.setRates(STORM);
    const responses = await mapLimited(pending, PORTAL_CONCURRENCY, (call) =>
      (instances[(call.app + attempt) % instances.length] as Webhook)(call.event()),
    );
    const again: PortalCall[] = [];
    let waitMs = 0;
    responses.forEach((response, index) => {
      const call = pending[index] as PortalCall;
      outcomes.set(call.app, { response, attempts: attempt });
      if (retryable(response.statusCode)) {
        again.push(call);
        waitMs = Math.max(waitMs, retryAfterMs(response));
      }
    });
    pending = again;
    if (pending.length > 0 && attempt < PORTAL_ATTEMPTS) await sleep(Math.min(waitMs, MAX_PORTAL_WAIT_MS));
  }
  return outcomes;
}

const portalEvent = (path: string, json: unknown): WebhookEvent =>
  event({ path, json, requestContext: { requestId: unique('req') } });

/** Everything a storm over one credential kind leaves for the assertions. */
interface StormResult {
  readonly spec: KindSpec;
  readonly held: Map<number, Held>;
  readonly created: Map<number, Outcome>;
  readonly changed: Map<number, Outcome>;
  readonly revokedApps: number[];
  readonly updatedApps: number[];
  readonly injected: ReadonlyMap<ProxyFault, number>;
  readonly stormCalls: number;
  readonly orphansBefore: number;
  readonly markedAfter: string[];
  readonly pass: ReconcileReport;
  readonly passCalls: ReadonlyMap<string, number>;
  readonly secondPass: ReconcileReport;
}

async function storm(spec: KindSpec, proxy: FaultProxy, cleanup: Array<() => void>): Promise<StormResult> {
  const env: Record<string, string> = {
    ...(await spec.arrange()),
    WEBHOOK_SECRET_ARN: await createSecret(
      secretsManager,
      JSON.stringify({ username: USERNAME, password: PASSWORD }),
    ),
    LEDGER_TABLE: await createIdempotencyTable(dynamoDb),
  };
  const config = loadConfig(env, { deployed: true });
  const instances = Array.from({ length: INSTANCES }, () => {
    const clients = clientsVia(proxy.endpoint);
    cleanup.push(clients.destroyAll);
    return composeWebhook(config, awsBackend(config, clients), logger);
  });
  const apps = Array.from({ length: spec.apps }, (_, app) => app);
  const appFields = (app: number) => ({
    appName: `${RUN} ${spec.label} ${app}`,
    appSlug: `${RUN}-${spec.label.replace(' ', '-')}-${app}`,
    developer: DEVELOPER,
  });

  // Phase 1: every app gets a credential.
  const created = await portal(
    apps.map((app) => ({
      app,
      event: () => portalEvent('/v1/createCredentials', { ...appFields(app), apis: spec.apis(app, 0).apis }),
    })),
    proxy,
    instances,
  );
  const held = new Map<number, Held>();
  for (const [app, { response }] of created) {
    if (response.statusCode === 200)
      held.set(app, { ...spec.issued(response.body), grants: spec.apis(app, 0).grants });
  }

  // Phase 2, in the storm again: a third of the apps revoked, a third updated to other grants.
  const revokedApps = apps.filter((app) => app % 3 === 0 && held.has(app));
  const updatedApps = apps.filter((app) => app % 3 === 1 && held.has(app));
  const changed = await portal(
    [
      ...revokedApps.map((app) => ({
        app,
        event: () => portalEvent('/v1/revokeCredentials', spec.ref((held.get(app) as Held).id)),
      })),
      ...updatedApps.map((app) => ({
        app,
        event: () =>
          portalEvent('/v1/updateCredentials', {
            ...spec.ref((held.get(app) as Held).id),
            apis: spec.apis(app, 1).apis,
          }),
      })),
    ],
    proxy,
    instances,
  );
  for (const [app, { response }] of changed) {
    if (response.statusCode >= 300) continue;
    const before = held.get(app) as Held;
    if (revokedApps.includes(app)) held.delete(app);
    else held.set(app, { ...before, grants: spec.apis(app, 1).grants });
  }

  // Every delayed request has landed: what is left now is all the pass will ever see.
  await proxy.settled();
  proxy.calm();
  const injected = new Map<ProxyFault, number>(PROXY_FAULTS.map((fault) => [fault, 0]));
  for (const { fault } of proxy.injected()) injected.set(fault, (injected.get(fault) ?? 0) + 1);
  const stormCalls = [...proxy.callCounts().values()].reduce((sum, count) => sum + count, 0);
  const heldIds = new Set([...held.values()].map((credential) => credential.id));
  const orphansBefore = (await spec.marked(config.ledger.instance)).filter((id) => !heldIds.has(id)).length;

  // ONE pass, grace 0, through the calm proxy so that its AWS calls are counted.
  proxy.resetCounts();
  const reconcilerConfig = loadReconcilerConfig({ ...env, RECONCILE_GRACE_SECONDS: '0' });
  const reconcilerClients = clientsVia(proxy.endpoint);
  cleanup.push(reconcilerClients.destroyAll);
  const pass = await composeReconciler(reconcilerConfig, reconcilerClients).run();
  const passCalls = proxy.callCounts();
  const markedAfter = await spec.marked(config.ledger.instance);
  const secondPass = await composeReconciler(reconcilerConfig, reconcilerClients, { dryRun: true }).run();

  return {
    spec,
    held,
    created,
    changed,
    revokedApps,
    updatedApps,
    injected,
    stormCalls,
    orphansBefore,
    markedAfter,
    pass,
    passCalls,
    secondPass,
  };
}

/** How many calls ended after 1, 2, ... tries. */
function attemptsUsed(outcomes: ReadonlyMap<number, Outcome>): string {
  const byAttempts = new Map<number, number>();
  for (const { attempts } of outcomes.values()) byAttempts.set(attempts, (byAttempts.get(attempts) ?? 0) + 1);
  return [...byAttempts]
    .sort(([a], [b]) => a - b)
    .map(([attempts, calls]) => `${calls}×${attempts}`)
    .join(' ');
}

function figures(result: StormResult): string {
  const list = (map: ReadonlyMap<string, number>) =>
    [...map]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `${name} ${count}`)
      .join(', ');
  const passTotal = [...result.passCalls.values()].reduce((sum, count) => sum + count, 0);
  const listedGrants = new Map(
    result.secondPass.findings.map((finding) => [finding.credentialId, finding.grants]),
  );
  const overListed = [...result.held.values()].filter(
    (held) => (listedGrants.get(held.id)?.length ?? 0) > held.grants.length,
  ).length;
  return [
    `storm figures, ${result.spec.label}:`,
    `  apps ${result.spec.apps}; revoked ${result.revokedApps.length}, updated ${result.updatedApps.length}; held at the end ${result.held.size}`,
    `  AWS requests in the storm ${result.stormCalls}; faults injected: ${list(result.injected)}`,
    `  Portal calls by tries used (calls×tries): creates ${attemptsUsed(result.created)}; revokes and updates ${attemptsUsed(result.changed)}`,
    `  orphans before the pass ${result.orphansBefore}; after ${result.markedAfter.filter((id) => ![...result.held.values()].some((held) => held.id === id)).length}`,
    `  the pass: deleted ${result.pass.counts.deleted}, unbound ${result.pass.counts.unbound}, abandoned ${result.pass.counts.abandoned}, missing ${result.pass.counts.missing}, failed ${result.pass.counts.failed}`,
    `  the pass's AWS calls (${passTotal}): ${list(result.passCalls)}`,
    `  ledger entries listing more grants than the Portal holds (a late amend): ${overListed}`,
  ].join('\n');
}

describe('the fault proxy, as the clients the webhook builds see it', () => {
  let proxy: FaultProxy;
  const built: Array<{ destroy(): void }> = [];
  /**
   * One attempt per call, so each fault is seen as a last attempt sees it. The timeout is shorter
   * than the webhook's 3 s but leaves a loaded machine's moto time to list the file's many keys.
   */
  const options = (): ClientOptions => ({
    endpoint: proxy.endpoint,
    region: REGION,
    maxAttempts: 1,
    requestTimeoutMs: 2_500,
  });
  const via = <T extends StackedClient & { destroy(): void }>(client: T): T => {
    adoptNodeErrors(client);
    built.push(client);
    return client;
  };

  beforeAll(async () => {
    // Held past the clients' 2.5 s timeout, as the storm holds requests past the 3 s one.
    proxy = await startFaultProxy({ target: motoEndpoint(), seed: 1, delayMs: 3_500 });
  });

  afterAll(async () => {
    await proxy.stop();
    for (const client of built) client.destroy();
  });

  test.each([
    ['drop', 503, 1],
    ['delay', 503, 1],
    ['error-before', 503, 0],
    ['error-after', 503, 1],
    ['throttle', 429, 0],
  ] as const)('%s: the webhook would answer %d, and AWS made %d key', async (fault, status, made) => {
    const client = via(apiGatewayClient(options()));
    const name = unique('proxied ');
    proxy.setRates({ operations: ['CreateApiKey'], rates: { [fault]: 1 } });

    // Only the operations named meet the fault.
    await expect(client.send(new GetApiKeysCommand({ nameQuery: name }))).resolves.toBeDefined();
    const error = await rejectionOf(client.send(new CreateApiKeyCommand({ name, enabled: true })));
    proxy.calm();
    // A delayed create lands after the SDK gave up on it: settled() waits for it.
    await proxy.settled();

    expect(upstreamError(error).status).toBe(status);
    expect(await keyIdsNamed(apiGateway, name)).toHaveLength(made);
  });

  test("throttles in each service's wire format, which the SDK and the webhook read as throttling", async () => {
    proxy.setRates({ rates: { throttle: 1 } });
    const errors = await Promise.all([
      rejectionOf(via(apiGatewayClient(options())).send(new GetApiKeysCommand({}))),
      rejectionOf(
        via(cognitoClient(options())).send(
          new ListUserPoolClientsCommand({ UserPoolId: 'us-east-1_proxied', MaxResults: 1 }),
        ),
      ),
      rejectionOf(
        via(dynamoDbClient(options())).send(
          new GetItemCommand({ TableName: 'proxied', Key: { pk: { S: 'a' } } }),
        ),
      ),
    ]);
    proxy.calm();

    // The names the SDK's retry strategy counts as throttling (it backs off and rate-limits on them).
    expect(errors.map((error) => (error as Error).name)).toEqual([
      'TooManyRequestsException',
      'TooManyRequestsException',
      'ThrottlingException',
    ]);
    for (const error of errors) expect(upstreamError(error)).toBeInstanceOf(ThrottledError);
  });

  test('supplies the CreationDate that moto leaves out of DescribeUserPoolClient', async () => {
    const client = via(cognitoClient(options()));
    const { userPoolId } = await createUserPoolWithScopes(cognito, ['read']);
    const created = await client.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: unique('proxied'),
        GenerateSecret: true,
      }),
    );

    const described = await readClient(client, userPoolId, created.UserPoolClient?.ClientId ?? '');

    expect(described.CreationDate).toBeInstanceOf(Date);
  });
});

describe('a fault storm', () => {
  const results = new Map<KindSpec['label'], StormResult>();
  const proxies: FaultProxy[] = [];
  const cleanup: Array<() => void> = [];

  beforeAll(async () => {
    const specs = [apiKeys(), appClients()];
    const runs = await Promise.all(
      specs.map(async (spec) => {
        const proxy = await startFaultProxy({ target: motoEndpoint(), seed: SEEDS[spec.label] });
        proxies.push(proxy);
        return storm(spec, proxy, cleanup);
      }),
    );
    for (const result of runs) {
      results.set(result.spec.label, result);
      console.log(figures(result));
    }
  }, STORM_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    for (const destroy of cleanup) destroy();
  });

  const resultFor = (label: KindSpec['label']): StormResult => {
    const result = results.get(label);
    if (result === undefined) throw new Error(`no storm ran for ${label}`);
    return result;
  };

  describe.each(['API keys', 'app clients'] as const)('over %s', (label) => {
    test('injected every kind of fault, and lost creates left marked resources that nobody was given', () => {
      const result = resultFor(label);

      const tooFew = PROXY_FAULTS.filter((fault) => (result.injected.get(fault) ?? 0) < MIN_FAULTS_PER_KIND);

      expect(tooFew).toEqual([]);
      expect(result.orphansBefore).toBeGreaterThan(0);
    });

    test("ends every Portal call in success by the Portal's last, calm, try", () => {
      const result = resultFor(label);
      const statuses = (outcomes: ReadonlyMap<number, Outcome>) =>
        [...outcomes]
          .filter(([, { response }]) => response.statusCode >= 300)
          .map(([app, { response }]) => [app, response.statusCode, response.body]);

      expect(result.created.size).toBe(result.spec.apps);
      expect(statuses(result.created)).toEqual([]);
      expect(result.changed.size).toBe(result.revokedApps.length + result.updatedApps.length);
      expect(statuses(result.changed)).toEqual([]);
      // The Portal still holds the apps it did not revoke.
      expect(result.held.size).toBe(result.spec.apps - result.revokedApps.length);
    });

    test('after one pass, every app the Portal holds has exactly one working credential, as last asked for', async () => {
      const result = resultFor(label);
      const expected = [...result.held.values()].map((held) => ({ ...held, usable: true }));

      const actual = await Promise.all(expected.map((held) => result.spec.read(held.id)));

      expect(actual).toEqual(expected);
      expect(sorted(result.markedAfter)).toEqual(sorted(expected.map((held) => held.id)));
    });

    test('after one pass, nothing marked exists that the Portal was not given or has revoked', () => {
      const result = resultFor(label);
      const heldIds = new Set([...result.held.values()].map((held) => held.id));

      expect(result.markedAfter.filter((id) => !heldIds.has(id))).toEqual([]);
      expect(result.pass.counts.failed).toBe(0);
    });

    test('a second pass finds nothing to delete or unbind, and the ledger lists what the Portal holds', () => {
      const result = resultFor(label);
      const acting = result.secondPass.findings.filter((finding) =>
        ['delete', 'unbind', 'wait'].includes(finding.action),
      );
      const kept = new Map(
        result.secondPass.findings
          .filter((finding) => finding.action === 'keep')
          .map((finding) => [finding.credentialId, finding.grants]),
      );
      // At least what the Portal holds: the reconciler removes bindings to plans the ledger does not
      // list, so a missing one would cost the Portal's key a plan it asked for. More can be listed:
      // an amend that lands late (after the SDK gave up on it) overwrites a newer one.
      const unlisted = [...result.held.values()].flatMap((held) =>
        held.grants
          .filter((grant) => !(kept.get(held.id) ?? []).includes(grant))
          .map((grant) => [held.id, grant]),
      );

      expect(acting).toEqual([]);
      expect(sorted([...kept.keys()].map(String))).toEqual(
        sorted([...result.held.values()].map((held) => held.id)),
      );
      expect(unlisted).toEqual([]);
    });
  });
});
