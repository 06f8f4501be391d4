/**
 * AWS round trips on the critical path of each operation: the real AWS adapters (awsBackend with
 * the clients of lambda/adapters/aws/clients.ts) against the stub, which answers every call after
 * a fixed latency. A middleware on each client records when each call starts and ends; calls that
 * overlap in time ran in parallel, so the longest chain of calls each starting after the previous
 * one ended is the number of sequential round trips the caller waits for.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { type AwsClients, awsBackend } from '../../lambda/adapters/aws/backend';
import {
  apiGatewayClient,
  cognitoClient,
  dynamoDbClient,
  secretsManagerClient,
} from '../../lambda/adapters/aws/clients';
import { composeWebhook } from '../../lambda/compose';
import { loadConfig } from '../../lambda/config';
import type { WebhookEvent } from '../../lambda/webhook';
import type { AwsStub } from './aws-stub';
import {
  CLIENT_APIS,
  createClientEvent,
  createKeyEvent,
  credentialIdOf,
  DEPLOYMENT_ENV,
  healthEvent,
  nextSlug,
  PLANS,
  revokeClientEvent,
  revokeKeyEvent,
  updateClientEvent,
  updateKeyEvent,
} from './fixture';
import { elapsedMs, percentile } from './stats';

export type AwsService = keyof AwsClients;

/** API Gateway and Cognito: the services the round-trip targets are about. */
const CONTROL_PLANE: ReadonlySet<AwsService> = new Set(['apiGateway', 'cognito']);

export interface AwsCall {
  readonly service: AwsService;
  readonly command: string;
  readonly start: bigint;
  end: bigint;
}

export interface OperationReport {
  readonly name: string;
  /** The target for control-plane round trips, when it sets one. */
  readonly target: number | undefined;
  /** Calls of one run, by "<Command>": e.g. { CreateApiKey: 1, CreateUsagePlanKey: 5 }. */
  readonly calls: Readonly<Record<string, number>>;
  readonly controlPlane: { readonly calls: number; readonly roundTrips: number };
  readonly ledger: { readonly calls: number; readonly roundTrips: number };
  readonly combined: { readonly calls: number; readonly roundTrips: number };
  /** Median wall time of the request, and the range over the runs. */
  readonly wallMs: number;
  readonly wallMinMs: number;
  readonly wallMaxMs: number;
}

/** The longest chain of calls in which each starts after the previous one ended. */
export function sequentialRoundTrips(calls: readonly AwsCall[]): number {
  const byStart = [...calls].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const depth: number[] = [];
  byStart.forEach((call, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) {
      const earlier = byStart[j] as AwsCall;
      if (earlier.end <= call.start) before = Math.max(before, depth[j] ?? 0);
    }
    depth.push(before + 1);
  });
  return Math.max(0, ...depth);
}

interface Stacked {
  readonly middlewareStack: MiddlewareStack<object, MetadataBearer>;
}

/** Records every call (once per send, retries included) on the timeline. */
export function recordCalls<C extends Stacked>(client: C, service: AwsService, timeline: AwsCall[]): C {
  const record: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const call: AwsCall = {
      service,
      command: (context.commandName ?? 'unknown').replace(/Command$/, ''),
      start: process.hrtime.bigint(),
      end: 0n,
    };
    timeline.push(call);
    try {
      return await next(args);
    } finally {
      call.end = process.hrtime.bigint();
    }
  };
  client.middlewareStack.add(record, { step: 'initialize', priority: 'high', name: 'benchRecordCall' });
  return client;
}

interface Scenario {
  readonly name: string;
  readonly target: number | undefined;
}

const SCENARIOS = {
  createKey1: { name: 'create API key, 1 usage plan', target: 2 },
  createKey5: { name: 'create API key, 5 usage plans', target: 2 },
  updateKey: { name: 'update API key (+1 plan, −1 plan)', target: 2 },
  revokeKey: { name: 'revoke API key', target: 1 },
  createClient: { name: 'create client', target: 1 },
  updateClient: { name: 'update client (scopes)', target: undefined },
  revokeClient: { name: 'revoke client', target: undefined },
} as const satisfies Record<string, Scenario>;
type ScenarioId = keyof typeof SCENARIOS;

interface Observation {
  readonly wallMs: number;
  readonly calls: readonly AwsCall[];
}

export interface RoundTripOptions {
  readonly stub: AwsStub & { readonly url: string };
  readonly latencyMs: number;
  /** Measured runs of each operation (after one unmeasured run that warms the clients). */
  readonly runs: number;
}

export async function measureRoundTrips(options: RoundTripOptions): Promise<OperationReport[]> {
  const timeline: AwsCall[] = [];
  const clientOptions = { endpoint: options.stub.url, region: 'us-east-1' };
  const clients: AwsClients = {
    apiGateway: () => recordCalls(apiGatewayClient(clientOptions), 'apiGateway', timeline),
    cognito: () => recordCalls(cognitoClient(clientOptions), 'cognito', timeline),
    secretsManager: () => recordCalls(secretsManagerClient(clientOptions), 'secretsManager', timeline),
    dynamoDb: () => recordCalls(dynamoDbClient(clientOptions), 'dynamoDb', timeline),
  };
  const config = loadConfig(DEPLOYMENT_ENV);
  const webhook = composeWebhook(config, awsBackend(config, clients), new Logger({ logLevel: 'SILENT' }));

  const observations = new Map<ScenarioId, Observation[]>();
  const observe = async (id: ScenarioId | undefined, event: WebhookEvent, expected: number) => {
    timeline.length = 0;
    const started = process.hrtime.bigint();
    const response = await webhook(event);
    const wallMs = elapsedMs(started);
    if (response.statusCode !== expected) {
      throw new Error(`${id ?? 'setup'}: expected ${expected}, got ${response.statusCode}: ${response.body}`);
    }
    if (id !== undefined)
      observations.set(id, [...(observations.get(id) ?? []), { wallMs, calls: [...timeline] }]);
    return response.body;
  };

  options.stub.latencyMs = options.latencyMs;
  // The first request reads the Basic secret (then cached); one unmeasured round builds each client's lazy state.
  await observe(undefined, healthEvent(), 204);
  await runAll((_id, event, expected) => observe(undefined, event, expected));
  for (let run = 0; run < options.runs; run++) {
    await runAll(observe);
  }
  options.stub.latencyMs = 0;

  return (Object.keys(SCENARIOS) as ScenarioId[]).map((id) => report(id, observations.get(id) ?? []));
}

type Observe = (id: ScenarioId | undefined, event: WebhookEvent, expected: number) => Promise<string>;

/** Every operation once, each on a credential of its own where it needs one. */
async function runAll(observe: Observe): Promise<void> {
  const onePlan = credentialIdOf(await observe('createKey1', createKeyEvent(PLANS.slice(0, 1)), 200));
  const slug = nextSlug();
  const fivePlans = credentialIdOf(await observe('createKey5', createKeyEvent(PLANS.slice(0, 5), slug), 200));
  // One plan added (the sixth), one removed (the fifth).
  await observe('updateKey', updateKeyEvent(fivePlans, [...PLANS.slice(0, 4), PLANS[5] ?? ''], slug), 204);
  await observe('revokeKey', revokeKeyEvent(onePlan), 204);
  await observe(undefined, revokeKeyEvent(fivePlans), 204);

  const clientSlug = nextSlug();
  const client = credentialIdOf(
    await observe('createClient', createClientEvent(CLIENT_APIS.slice(0, 1), clientSlug), 200),
  );
  await observe('updateClient', updateClientEvent(client, CLIENT_APIS, clientSlug), 204);
  await observe('revokeClient', revokeClientEvent(client), 204);
}

function report(id: ScenarioId, runs: readonly Observation[]): OperationReport {
  const last = runs.at(-1);
  if (last === undefined) throw new Error(`${id} was never measured`);
  const depthOf = (calls: readonly AwsCall[]) => ({
    calls: calls.length,
    roundTrips: sequentialRoundTrips(calls),
  });
  const split = (calls: readonly AwsCall[]) => ({
    controlPlane: depthOf(calls.filter((call) => CONTROL_PLANE.has(call.service))),
    ledger: depthOf(calls.filter((call) => call.service === 'dynamoDb')),
    combined: depthOf(calls),
  });
  // Every run must show the same shape; a difference means the timeline is not deterministic.
  const shapes = new Set(runs.map((run) => JSON.stringify(split(run.calls))));
  if (shapes.size > 1)
    throw new Error(`${id}: the round trips differ between runs: ${[...shapes].join(' / ')}`);
  const calls: Record<string, number> = {};
  for (const call of last.calls) calls[call.command] = (calls[call.command] ?? 0) + 1;
  const walls = runs.map((run) => run.wallMs).sort((a, b) => a - b);
  return {
    ...SCENARIOS[id],
    calls,
    ...split(last.calls),
    wallMs: percentile(walls, 0.5),
    wallMinMs: walls[0] ?? 0,
    wallMaxMs: walls.at(-1) ?? 0,
  };
}
