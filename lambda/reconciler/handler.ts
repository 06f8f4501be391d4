/**
 * The scheduled reconciler (EventBridge, every 10 minutes by default). Each pass logs every action
 * (ids only) and publishes counts; a pass with a failed action throws, so the function's Errors
 * alarm fires. Clients and configuration are built once per container.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { apiGatewayClient, cognitoClient, dynamoDbClient } from '../adapters/aws/clients';
import { loadReconcilerConfig } from '../config';
import { composeReconciler } from './compose';
import { RECONCILER_METRICS, RECONCILER_SERVICE_NAME } from './metrics';
import type { Finding, ReconcileReport } from './reconciler';

const logger = new Logger({ serviceName: RECONCILER_SERVICE_NAME });
const metrics = new Metrics({ namespace: 'CredentialWebhook', serviceName: RECONCILER_SERVICE_NAME });
const reconciler = composeReconciler(
  loadReconcilerConfig(process.env),
  { apiGateway: apiGatewayClient, cognito: cognitoClient, dynamoDb: dynamoDbClient },
  { onAction: (finding) => logAction(logger, finding) },
);

export function logAction(log: Logger, finding: Finding): void {
  const fields = {
    action: finding.action,
    kind: finding.kind,
    credentialId: finding.credentialId,
    ledgerId: finding.ledgerId,
    state: finding.state,
    reason: finding.reason,
    outcome: finding.outcome,
    ...(finding.error !== undefined && { error: finding.error }),
  };
  if (finding.outcome === 'failed') log.error('reconcile action failed', fields);
  else log.info('reconcile action', fields);
}

export function publish(target: Metrics, report: ReconcileReport): void {
  const { counts } = report;
  target.addMetric(RECONCILER_METRICS.drift, MetricUnit.Count, counts.drift);
  target.addMetric(RECONCILER_METRICS.deleted, MetricUnit.Count, counts.deleted);
  target.addMetric(RECONCILER_METRICS.unbound, MetricUnit.Count, counts.unbound);
  target.addMetric(RECONCILER_METRICS.missing, MetricUnit.Count, counts.missing);
  target.addMetric(RECONCILER_METRICS.expired, MetricUnit.Count, counts.expired);
  target.addMetric(RECONCILER_METRICS.failed, MetricUnit.Count, counts.failed);
  target.publishStoredMetrics();
}

export async function handler(): Promise<ReconcileReport['counts']> {
  const report = await reconciler.run();
  publish(metrics, report);
  logger.info('reconcile pass', { ...report.counts });
  if (report.counts.failed > 0) throw new Error(`${report.counts.failed} reconcile action(s) failed`);
  return report.counts;
}
