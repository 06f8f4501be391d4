/**
 * The scheduled reconciler's log lines and metrics (logAction, publish). The module builds its
 * reconciler from the environment when loaded, so it is loaded after the environment is set; no
 * AWS call is made.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Finding, ReconcileReport } from '../../../lambda/reconciler/reconciler';
import { captureLogs } from '../../support/logs';

type HandlerModule = typeof import('../../../lambda/reconciler/handler');

/** Loads the module in isolation with a configuration it accepts, restoring the environment after. */
function loadHandler(): HandlerModule {
  const saved = { ...process.env };
  Object.assign(process.env, {
    LEDGER_TABLE: 'webhook-ledger',
    ALLOWED_USAGE_PLAN_IDS: 'p1',
    AWS_REGION: 'us-east-1',
  });
  try {
    let loaded: HandlerModule | undefined;
    jest.isolateModules(() => {
      loaded = require('../../../lambda/reconciler/handler') as HandlerModule;
    });
    if (loaded === undefined) throw new Error('not loaded');
    return loaded;
  } finally {
    process.env = saved;
  }
}

const handler = loadHandler();

afterEach(() => {
  jest.restoreAllMocks();
});

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'API_KEY',
    credentialId: 'k3y1d',
    ledgerId: 'abcdefgh01234567',
    state: 'unrecorded',
    app: { appName: 'my app', developer: 'dev@example.com' },
    grants: [],
    ageSeconds: 400,
    action: 'delete',
    reason: 'marked, not in the ledger',
    outcome: 'done',
    ...overrides,
  };
}

const logger = () => new Logger({ serviceName: 'credential-reconciler', logLevel: 'INFO' });

describe('logAction', () => {
  test('logs a done action at INFO with the ids, what was done and why', () => {
    const logs = captureLogs();

    handler.logAction(logger(), finding());

    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'reconcile action',
        action: 'delete',
        kind: 'API_KEY',
        credentialId: 'k3y1d',
        ledgerId: 'abcdefgh01234567',
        state: 'unrecorded',
        reason: 'marked, not in the ledger',
        outcome: 'done',
      }),
    ]);
  });

  test('logs a failed action at ERROR with its error code', () => {
    const logs = captureLogs();

    handler.logAction(logger(), finding({ outcome: 'failed', error: 'UPSTREAM_THROTTLED' }));

    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'reconcile action failed',
        error: 'UPSTREAM_THROTTLED',
      }),
    ]);
  });

  test('logs ids only: never the app or its developer', () => {
    const logs = captureLogs();

    handler.logAction(logger(), finding());

    expect(logs.text()).not.toContain('dev@example.com');
    expect(logs.text()).not.toContain('my app');
    expect(logs.records()[0]).not.toHaveProperty('error');
  });
});

describe('publish', () => {
  const counts: ReconcileReport['counts'] = {
    credentials: 10,
    deleted: 2,
    unbound: 3,
    abandoned: 1,
    expired: 7,
    missing: 4,
    waiting: 6,
    failed: 5,
    drift: 14,
  };

  test('publishes the drift, deleted, unbound, missing, expired and failed counts in one EMF document', () => {
    const logs = captureLogs();
    const metrics = new Metrics({ namespace: 'CredentialWebhook', serviceName: 'credential-reconciler' });

    handler.publish(metrics, { dryRun: false, graceSeconds: 300, findings: [], counts });

    const [document] = logs.records();
    expect(document).toMatchObject({
      ReconcileDrift: 14,
      ReconcileDeleted: 2,
      ReconcileUnbound: 3,
      ReconcileMissing: 4,
      ReconcileExpired: 7,
      ReconcileFailedActions: 5,
      service: 'credential-reconciler',
    });
    expect(document?._aws).toMatchObject({
      CloudWatchMetrics: [expect.objectContaining({ Namespace: 'CredentialWebhook' })],
    });
  });
});
