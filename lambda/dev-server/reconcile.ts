/**
 * `npm run reconcile -- [--dry-run] [--json] [--grace-seconds N]`: one reconcile pass from a
 * terminal, configured by the same environment variables as the webhook (LEDGER_TABLE, and
 * AWS_REGION for real AWS or AWS_ENDPOINT_URL for an emulator). Without --json it prints a table of
 * every credential the webhook manages: the audit view. Exit 0: the pass completed; 1: an action
 * or the pass failed; 2: a usage or configuration error.
 */
import { parseArgs } from 'node:util';
import { apiGatewayClient, cognitoClient, dynamoDbClient } from '../adapters/aws/clients';
import { ConfigError, loadReconcilerConfig, localAwsRegion } from '../config';
import { composeReconciler } from '../reconciler/compose';
import { formatReport } from '../reconciler/report';

const USAGE = 'usage: npm run reconcile -- [--dry-run] [--json] [--grace-seconds N]';

function options() {
  const { values } = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'grace-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const raw = values['grace-seconds'];
  const grace = raw === undefined ? undefined : /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(grace))
    throw new UsageError(`--grace-seconds must be a whole number of seconds, got "${raw}"`);
  return { dryRun: values['dry-run'], json: values.json, help: values.help, graceSeconds: grace };
}

class UsageError extends Error {}

async function main(): Promise<number> {
  let args: ReturnType<typeof options>;
  try {
    args = options();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let config: ReturnType<typeof loadReconcilerConfig>;
  try {
    config = loadReconcilerConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  // The region goes to each client rather than into process.env: the settings stay as given.
  const clientOptions = { region: localAwsRegion(process.env) };
  const reconciler = composeReconciler(
    config,
    {
      apiGateway: () => apiGatewayClient(clientOptions),
      cognito: () => cognitoClient(clientOptions),
      dynamoDb: () => dynamoDbClient(clientOptions),
    },
    { dryRun: args.dryRun, ...(args.graceSeconds !== undefined && { graceSeconds: args.graceSeconds }) },
  );
  const report = await reconciler.run();
  console.log(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.counts.failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`reconcile failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
