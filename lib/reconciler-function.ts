/**
 * The scheduled reconciler: a Lambda function, run by an EventBridge rule, that converges AWS to
 * the credential ledger (deletes marked keys and clients the ledger does not show issued, removes
 * bindings to plans it does not list, reports issued credentials missing in AWS). Built with the
 * webhook's esbuild settings, with its own log group and an execution role that starts empty;
 * ReconcilerPermissions adds the rest.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DEPS_LOCK_FILE,
  HANDLER_BUNDLING,
  HANDLER_RUNTIME,
  PROJECT_ROOT,
  RECONCILER_ENTRY,
} from './bundling';
import { InvalidPropsError } from './validation';
import { LOG_LEVELS, type LogLevel, METRICS_NAMESPACE } from './webhook-function';

/** Powertools service name the reconciler reports under (dimension `service` of its metrics). */
export const RECONCILER_SERVICE_NAME = 'credential-reconciler';

/** The reconciler's metrics (lambda/reconciler/metrics.ts; a test keeps them in step). */
export const RECONCILER_METRICS = {
  /** Findings where AWS and the ledger disagreed (deleted, unbound, missing, failed) in one pass. */
  drift: 'ReconcileDrift',
  deleted: 'ReconcileDeleted',
  unbound: 'ReconcileUnbound',
  missing: 'ReconcileMissing',
  failed: 'ReconcileFailedActions',
} as const;

export const DEFAULT_RECONCILE_INTERVAL = Duration.minutes(10);
/** Longer than any webhook request acts (25 s plus its cleanup) and than a delayed AWS call takes to land. */
export const DEFAULT_RECONCILE_GRACE = Duration.minutes(5);
/** A pass lists every key and client of the deployment, a few control-plane calls per second. */
export const RECONCILER_TIMEOUT = Duration.minutes(5);

export interface CredentialReconcilerProps {
  /**
   * Where the ledger and the credentials are (lambda/config.ts loadReconcilerConfig): LEDGER_TABLE,
   * DEFAULT_CREDENTIAL_TYPE, API_CREDENTIAL_TYPES, ALLOWED_USAGE_PLAN_IDS, USER_POOL_ID.
   */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * How often a pass runs: a whole number of minutes from 1 to 1440.
   * @default Duration.minutes(10)
   */
  readonly interval?: Duration;
  /**
   * How old a marked key or client the ledger does not show issued must be before it is deleted,
   * so a create still in flight is left alone: whole seconds from 60 to 7 days.
   * @default Duration.minutes(5)
   */
  readonly grace?: Duration;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Powertools log level.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class CredentialReconciler extends Construct {
  readonly function: NodejsFunction;
  /** The execution role; it holds only what is granted to it explicitly. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The EventBridge rule that starts a pass every `interval`. */
  readonly schedule: events.Rule;
  readonly interval: Duration;

  constructor(scope: Construct, id: string, props: CredentialReconcilerProps) {
    super(scope, id);
    this.interval = props.interval ?? DEFAULT_RECONCILE_INTERVAL;
    checkReconcileInterval('CredentialReconciler', 'interval', this.interval);
    const grace = props.grace ?? DEFAULT_RECONCILE_GRACE;
    checkReconcileGrace('CredentialReconciler', 'grace', grace);
    const logLevel = props.logLevel ?? 'INFO';
    if (!LOG_LEVELS.includes(logLevel)) {
      throw new InvalidPropsError('CredentialReconciler', `logLevel must be one of ${LOG_LEVELS.join(', ')}`);
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'Credential reconciler: reads the ledger, removes what the webhook left behind, nothing else',
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      description: 'Sensedia Developer Portal credential webhook: converges AWS to the credential ledger',
      entry: RECONCILER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: DEPS_LOCK_FILE,
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: RECONCILER_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      bundling: HANDLER_BUNDLING,
      // A failed pass is repeated by the next scheduled one; Lambda's own retries would only run
      // extra passes back to back and count the failure three times.
      retryAttempts: 0,
      awsSdkConnectionReuse: false,
      environment: {
        ...props.environment,
        RECONCILE_GRACE_SECONDS: String(grace.toSeconds()),
        POWERTOOLS_SERVICE_NAME: RECONCILER_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // As for the webhook function: the dependency on the role construct repeats the Role GetAtt.
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', {
      config: { ignore_checks: ['W3005'] },
    });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Starts a credential reconcile pass',
      schedule: events.Schedule.rate(this.interval),
      // A start not delivered before the next one is due is not worth delivering.
      targets: [new targets.LambdaFunction(this.function, { maxEventAge: this.interval })],
    });
  }
}

/** A reconcile interval: whole minutes, from 1 to 1440 (one day). */
export function checkReconcileInterval(construct: string, prop: string, interval: Duration): void {
  const seconds = interval.toSeconds();
  if (!Number.isInteger(seconds / 60) || seconds < 60 || seconds > 1440 * 60) {
    throw new InvalidPropsError(
      construct,
      `${prop} must be a whole number of minutes from 1 to 1440, got ${interval.toHumanString()}`,
    );
  }
}

/** A grace period: whole seconds, from a minute (longer than any request) to 7 days. */
export function checkReconcileGrace(construct: string, prop: string, grace: Duration): void {
  const seconds = grace.toMilliseconds() / 1000;
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > 7 * 24 * 3600) {
    throw new InvalidPropsError(
      construct,
      `${prop} must be a whole number of seconds from 60 to 604800, got ${grace.toHumanString()}`,
    );
  }
}
