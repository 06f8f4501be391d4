/**
 * The reconciler end to end against moto: credentials issued (and failed) through the webhook wired
 * as the Lambda wires it, strays made around it, then one pass of the reconciler as the scheduled
 * Lambda composes it (composeReconciler), and of `npm run reconcile` as an operator runs it. Each
 * test builds a deployment of its own (ledger table, usage plans, user pool), so its marker
 * instance is its own: every key of the tier shares moto's one account, and a key of another
 * instance must never be touched.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { loadReconcilerConfig } from '../../lambda/config';
import { composeReconciler } from '../../lambda/reconciler/compose';
import type { Finding, ReconcileReport } from '../../lambda/reconciler/reconciler';
import {
  ApiKeyCredentialSchema,
  ClientCredentialSchema,
  type CreateCredentialsRequest,
} from '../../lambda/schemas';
import type { Webhook } from '../../lambda/webhook';
import { createRequest, event, PASSWORD, USERNAME } from '../support/events';
import {
  bindKeyToPlan,
  clientsNamedWithPrefix,
  createLedgerTable,
  createTaggedKey,
  createUsagePlans,
  createUserPoolWithScopes,
  FaultInjector,
  instanceOfTable,
  ledgerItems,
  type MotoClientFactories,
  motoEndpoint,
  motoTestClients,
  plansListingKey,
  REGION,
  randomLedgerId,
  readClient,
  readKey,
  unique,
  wiredWebhook,
} from './aws';

const DEVELOPER = 'dev@example.com';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
const REPO = join(__dirname, '..', '..');
/** Arranging a deployment is some 40 calls to moto; a spawned `npm run reconcile` starts tsx. */
const TEST_TIMEOUT_MS = 60_000;

/** For arranging and reading back moto's state, apart from the clients the code under test builds. */
const moto = motoTestClients();
const { apiGateway, cognito, dynamoDb } = moto;

const clients = (faults?: FaultInjector) =>
  moto.factories(faults === undefined ? {} : { instrument: faults.instrument });

/**
 * A deployment with, in moto:
 * - `key`: issued, bound to plan a as the ledger lists, and also to b (allow-listed, not in the
 *   ledger) and c (not allow-listed: an administrator's, not the reconciler's to judge);
 * - `client`: issued;
 * - `missing`: issued, then deleted around the webhook;
 * - `revoked`: a key whose revoke was recorded but whose delete API Gateway refused;
 * - `abandonedClient`: a client whose create answer was lost and whose search failed (503), so its
 *   entry is abandoned;
 * - `unrecorded`: a key marked with this deployment's instance that no entry names;
 * - `foreign` and `unmarked`: keys of another deployment, and of nobody, which must survive;
 * - `pendingLedgerId`: an intent of an hour ago that never produced anything.
 */
async function deployment() {
  const [tableName, [a = '', b = '', c = ''], pool] = await Promise.all([
    createLedgerTable(dynamoDb),
    createUsagePlans(apiGateway, 3),
    createUserPoolWithScopes(cognito, ['read']),
  ]);
  const instance = instanceOfTable(tableName);
  const env = {
    LEDGER_TABLE: tableName,
    ALLOWED_USAGE_PLAN_IDS: `${a},${b}`,
    API_CREDENTIAL_TYPES: JSON.stringify({ orders1: 'CLIENT_CREDENTIALS' }),
    USER_POOL_ID: pool.userPoolId,
  };
  const webhookOn = (made: MotoClientFactories): Webhook =>
    wiredWebhook(
      {
        ...env,
        WEBHOOK_USERNAME: USERNAME,
        WEBHOOK_PASSWORD: PASSWORD,
        TOKEN_URL,
        DEFAULT_SCOPES: pool.scopes.join(' '),
      },
      made,
    );
  const webhook = webhookOn(clients());
  const keyApp = (): CreateCredentialsRequest =>
    createRequest({
      appName: unique('app'),
      appSlug: unique('slug'),
      developer: DEVELOPER,
      apis: [{ id: 'restapi1', usagePlans: [{ id: a }] }],
    });
  const issueKey = async () => {
    const response = await webhook(event({ json: keyApp() }));
    if (response.statusCode !== 200) throw new Error(`arrange: ${response.statusCode} ${response.body}`);
    return ApiKeyCredentialSchema.parse(JSON.parse(response.body)).apiKeyId;
  };

  const key = await issueKey();
  await bindKeyToPlan(apiGateway, b, key);
  await bindKeyToPlan(apiGateway, c, key);

  const issuedClient = await webhook(
    event({
      json: createRequest({
        appName: unique('app'),
        appSlug: unique('slug'),
        developer: DEVELOPER,
        apis: [{ id: 'orders1' }],
      }),
    }),
  );
  if (issuedClient.statusCode !== 200)
    throw new Error(`arrange: ${issuedClient.statusCode} ${issuedClient.body}`);
  const client = ClientCredentialSchema.parse(JSON.parse(issuedClient.body)).clientId;

  const missing = await issueKey();
  await apiGateway.send(new DeleteApiKeyCommand({ apiKey: missing }));

  const revoked = await issueKey();
  const refusing = new FaultInjector();
  refusing.fail('DeleteApiKey#*', 'refused');
  const revoke = await webhookOn(clients(refusing))(
    event({ path: '/v1/revokeCredentials', json: { credentialType: 'API_KEY', apiKeyId: revoked } }),
  );
  if (revoke.statusCode !== 502) throw new Error(`arrange: revoke answered ${revoke.statusCode}`);

  const losing = new FaultInjector();
  losing.loseAnswer('CreateUserPoolClient#1');
  losing.fail('ListUserPoolClients#*', 'refused');
  const lostAppName = unique('app');
  const lost = await webhookOn(clients(losing))(
    event({
      json: createRequest({
        appName: lostAppName,
        appSlug: unique('slug'),
        developer: DEVELOPER,
        apis: [{ id: 'orders1' }],
      }),
    }),
  );
  if (lost.statusCode !== 503) throw new Error(`arrange: lost create answered ${lost.statusCode}`);
  const [abandonedClient] = await clientsNamedWithPrefix(cognito, pool.userPoolId, `${lostAppName} - `);

  const unrecorded = await createTaggedKey(apiGateway, { marker: `${instance}.${randomLedgerId()}` });
  const foreign = await createTaggedKey(apiGateway, {
    marker: `${instanceOfTable(unique('other'))}.${randomLedgerId()}`,
  });
  const unmarked = await createTaggedKey(apiGateway);

  const pendingLedgerId = randomLedgerId();
  const anHourAgo = Date.now() - 3_600_000;
  await dynamoDb.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        pk: { S: `intent#${pendingLedgerId}` },
        ledgerId: { S: pendingLedgerId },
        state: { S: 'pending' },
        appName: { S: unique('app') },
        developer: { S: DEVELOPER },
        kind: { S: 'API_KEY' },
        usagePlanIds: { L: [{ S: a }] },
        createdAt: { N: String(anHourAgo) },
        updatedAt: { N: String(anHourAgo) },
      },
    }),
  );

  return {
    env,
    tableName,
    instance,
    plans: { a, b, c },
    pool,
    key,
    client,
    missing,
    revoked,
    abandonedClient: abandonedClient?.id ?? '',
    unrecorded,
    foreign,
    unmarked,
    pendingLedgerId,
  };
}

type Deployment = Awaited<ReturnType<typeof deployment>>;

function reconcilerOf(world: Deployment, options: { graceSeconds?: number; dryRun?: boolean } = {}) {
  const made = clients();
  return composeReconciler(loadReconcilerConfig(world.env), made, options);
}

/** Whether the key still exists in moto. */
const keyExists = (keyId: string) =>
  readKey(apiGateway, keyId).then(
    () => true,
    () => false,
  );

const clientExists = (world: Deployment, clientId: string) =>
  readClient(cognito, world.pool.userPoolId, clientId).then(
    () => true,
    () => false,
  );

/** What moto holds of the deployment's resources, and the pending intent's state. */
async function state(world: Deployment) {
  return {
    keys: {
      key: await keyExists(world.key),
      revoked: await keyExists(world.revoked),
      unrecorded: await keyExists(world.unrecorded),
      foreign: await keyExists(world.foreign),
      unmarked: await keyExists(world.unmarked),
    },
    clients: {
      client: await clientExists(world, world.client),
      abandonedClient: await clientExists(world, world.abandonedClient),
    },
    keyPlans: await plansListingKey(apiGateway, Object.values(world.plans), world.key),
    pending: (await ledgerItems(dynamoDb, world.tableName)).find(
      (entry) => entry.ledgerId === world.pendingLedgerId,
    )?.state,
  };
}

/** A finding that acts or reports: [resource, state, action, outcome]. */
type Row = [string, string, string, string];

const byResource = (rows: Row[]): Row[] => [...rows].sort((x, y) => x[0].localeCompare(y[0]));

/** The findings that act or report, as rows sorted by resource. */
function actions(report: ReconcileReport): Row[] {
  return byResource(
    report.findings
      .filter((finding) => finding.action !== 'keep' && finding.action !== 'none')
      .map(
        (finding: Finding): Row => [
          finding.credentialId ?? finding.ledgerId,
          finding.state,
          finding.action,
          finding.outcome,
        ],
      ),
  );
}

describe('a reconcile pass (composeReconciler) against moto', () => {
  test(
    'with no grace: deletes what the ledger does not show issued, unbinds what it does not list, marks the dead intent abandoned, reports the missing key',
    async () => {
      const world = await deployment();
      const before = await state(world);

      const report = await reconcilerOf(world, { graceSeconds: 0 }).run();

      expect(before).toEqual({
        keys: { key: true, revoked: true, unrecorded: true, foreign: true, unmarked: true },
        clients: { client: true, abandonedClient: true },
        keyPlans: [world.plans.a, world.plans.b, world.plans.c].sort(),
        pending: 'pending',
      });
      expect(actions(report)).toEqual(
        byResource([
          [world.unrecorded, 'unrecorded', 'delete', 'done'],
          [world.revoked, 'revoked', 'delete', 'done'],
          [world.abandonedClient, 'abandoned', 'delete', 'done'],
          [world.key, 'issued', 'unbind', 'done'],
          [world.pendingLedgerId, 'pending', 'abandon', 'done'],
          [world.missing, 'issued', 'report', 'n/a'],
        ]),
      );
      expect(report.findings).toContainEqual(
        expect.objectContaining({
          credentialId: world.key,
          reason: `bound to ${world.plans.b}, which the ledger does not list`,
        }),
      );
      expect(report.counts).toEqual({
        credentials: 3,
        deleted: 3,
        unbound: 1,
        abandoned: 1,
        expired: 0,
        missing: 1,
        waiting: 0,
        failed: 0,
        drift: 5,
      });
      expect(await state(world)).toEqual({
        keys: { key: true, revoked: false, unrecorded: false, foreign: true, unmarked: true },
        clients: { client: true, abandonedClient: false },
        keyPlans: [world.plans.a, world.plans.c].sort(),
        pending: 'abandoned',
      });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a second pass finds nothing left to do but the missing key',
    async () => {
      const world = await deployment();
      await reconcilerOf(world, { graceSeconds: 0 }).run();

      const again = await reconcilerOf(world, { graceSeconds: 0 }).run();

      expect(actions(again)).toEqual([[world.missing, 'issued', 'report', 'n/a']]);
      expect(again.counts).toMatchObject({ deleted: 0, unbound: 0, abandoned: 0, missing: 1, failed: 0 });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'a dry run reports the same actions as planned and changes nothing',
    async () => {
      const world = await deployment();
      const before = await state(world);

      const report = await reconcilerOf(world, { graceSeconds: 0, dryRun: true }).run();

      expect(report.dryRun).toBe(true);
      expect(actions(report)).toEqual(
        byResource([
          [world.unrecorded, 'unrecorded', 'delete', 'planned'],
          [world.revoked, 'revoked', 'delete', 'planned'],
          [world.abandonedClient, 'abandoned', 'delete', 'planned'],
          [world.key, 'issued', 'unbind', 'planned'],
          [world.pendingLedgerId, 'pending', 'abandon', 'planned'],
          [world.missing, 'issued', 'report', 'n/a'],
        ]),
      );
      expect(await state(world)).toEqual(before);
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'within the grace period a young unrecorded key is left alone; settled entries are acted on at once',
    async () => {
      const world = await deployment();

      const report = await reconcilerOf(world, { graceSeconds: 600 }).run();

      expect(actions(report)).toEqual(
        byResource([
          [world.unrecorded, 'unrecorded', 'wait', 'n/a'],
          [world.revoked, 'revoked', 'delete', 'done'],
          [world.abandonedClient, 'abandoned', 'delete', 'done'],
          [world.key, 'issued', 'unbind', 'done'],
          [world.pendingLedgerId, 'pending', 'abandon', 'done'],
          [world.missing, 'issued', 'report', 'n/a'],
        ]),
      );
      expect(await state(world)).toMatchObject({
        keys: { unrecorded: true, revoked: false },
        clients: { abandonedClient: false },
      });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('npm run reconcile', () => {
  const run = promisify(execFile);

  /** Runs `npx tsx lambda/dev-server/reconcile.ts <args>` against moto; resolves with its exit code and output. */
  async function reconcile(world: Deployment | undefined, args: readonly string[]) {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_ENDPOINT_URL: motoEndpoint(),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
      npm_config_update_notifier: 'false',
      ...world?.env,
    };
    try {
      const { stdout, stderr } = await run('npx', ['tsx', 'lambda/dev-server/reconcile.ts', ...args], {
        cwd: REPO,
        env,
        timeout: 45_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  test(
    '--json --grace-seconds 0 exits 0 and prints the report of the pass it made',
    async () => {
      const world = await deployment();

      const { code, stdout } = await reconcile(world, ['--json', '--grace-seconds', '0']);

      expect(code).toBe(0);
      const report = JSON.parse(stdout) as ReconcileReport;
      expect(report).toMatchObject({
        dryRun: false,
        graceSeconds: 0,
        counts: {
          credentials: 3,
          deleted: 3,
          unbound: 1,
          abandoned: 1,
          missing: 1,
          waiting: 0,
          failed: 0,
          drift: 5,
        },
      });
      expect(actions(report)).toContainEqual([world.unrecorded, 'unrecorded', 'delete', 'done']);
      expect(await state(world)).toMatchObject({
        keys: { key: true, revoked: false, unrecorded: false, foreign: true, unmarked: true },
        clients: { client: true, abandonedClient: false },
      });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'without --json prints the audit table: a row per credential, then the totals',
    async () => {
      const world = await deployment();

      const { code, stdout } = await reconcile(world, ['--dry-run', '--grace-seconds', '0']);

      expect(code).toBe(0);
      const [header = '', rule = '', ...rest] = stdout.trimEnd().split('\n');
      expect(header.split(/\s{2,}/)).toEqual([
        'credential',
        'kind',
        'app',
        'developer',
        'state',
        'plans or scopes',
        'age',
        'expires',
        'action',
      ]);
      expect(rule).toMatch(/^[- ]+$/);
      const rows = rest.slice(0, -2).map((line) => line.split(/\s{2,}/));
      expect(rows).toContainEqual([
        world.unrecorded,
        'key',
        '-',
        '-',
        'unrecorded',
        '-',
        expect.stringMatching(/^\d+s$/),
        '-',
        'delete: marked, not in the ledger (dry run)',
      ]);
      expect(rows).toContainEqual([
        world.key,
        'key',
        expect.any(String),
        DEVELOPER,
        'issued',
        world.plans.a,
        expect.stringMatching(/^\d+s$/),
        '-',
        `unbind: bound to ${world.plans.b}, which the ledger does not list (dry run)`,
      ]);
      expect(rows.map((row) => row[0])).toEqual(
        expect.arrayContaining([world.client, world.missing, world.revoked]),
      );
      expect(rest.at(-1)).toBe(
        // A dry run counts what it would do.
        '3 issued credential(s); 3 to delete, 1 to unbind, 1 intent(s) to abandon, 0 to expire, 1 missing in AWS, 0 too young to judge, 0 failed (dry run: nothing changed).',
      );
      expect(await state(world)).toMatchObject({ keys: { unrecorded: true, revoked: true } });
    },
    TEST_TIMEOUT_MS,
  );

  test(
    'exits 2 naming the variable when LEDGER_TABLE is missing, and on a bad option',
    async () => {
      const missingTable = await reconcile(undefined, ['--json']);
      const badOption = await reconcile(undefined, ['--grace-seconds', 'soon']);

      expect(missingTable).toMatchObject({ code: 2, stdout: '' });
      expect(missingTable.stderr).toContain('LEDGER_TABLE is required');
      expect(badOption).toMatchObject({ code: 2, stdout: '' });
      expect(badOption.stderr).toContain('usage: npm run reconcile');
    },
    TEST_TIMEOUT_MS,
  );
});
