/**
 * The scheduled reconciler: a Lambda function, run by an EventBridge rule, that converges AWS to
 * the credential ledger (deletes marked keys and clients the ledger does not show issued, removes
 * bindings to plans it does not list, reports issued credentials missing in AWS). Built with the
 * webhook's esbuild settings, with its own log group and an execution role that starts empty;
 * ReconcilerPermissions adds the rest.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RECONCILER_METRICS, RECONCILER_SERVICE_NAME } from '../lambda/reconciler/metrics';
import { RECONCILER_ENTRY } from './bundling';
import { type FunctionLoggingProps, ownedFunction } from './owned-function';
import { InvalidPropsError } from './validation';

/** Powertools service name the reconciler reports under (dimension `service` of its metrics). */
export { RECONCILER_METRICS, RECONCILER_SERVICE_NAME };

export const DEFAULT_RECONCILE_INTERVAL = Duration.minutes(10);
/** Longer than any webhook request acts (25 s plus its cleanup) and than a delayed AWS call takes to land. */
export const DEFAULT_RECONCILE_GRACE = Duration.minutes(5);
/** A pass lists every key and client of the deployment, a few control-plane calls per second. */
export const RECONCILER_TIMEOUT = Duration.minutes(5);

export interface CredentialReconcilerProps extends FunctionLoggingProps {
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
}

export class CredentialReconciler extends Construct {
  /** The reconcile pass, bundled by esbuild. */
  readonly function: lambda.Function;
  /** The execution role; it holds only what is granted to it explicitly. */
  readonly role: iam.Role;
  /** The function's own log group. */
  readonly logGroup: logs.LogGroup;
  /** The EventBridge rule that starts a pass every `interval`. */
  readonly schedule: events.Rule;
  /** Time between passes. */
  readonly interval: Duration;

  constructor(scope: Construct, id: string, props: CredentialReconcilerProps) {
    super(scope, id);
    this.interval = props.interval ?? DEFAULT_RECONCILE_INTERVAL;
    checkReconcileInterval('CredentialReconciler', 'interval', this.interval);
    const grace = props.grace ?? DEFAULT_RECONCILE_GRACE;
    checkReconcileGrace('CredentialReconciler', 'grace', grace);
    const owned = ownedFunction(this, props, {
      construct: 'CredentialReconciler',
      description: 'Sensedia Developer Portal credential webhook: converges AWS to the credential ledger',
      roleDescription:
        'Credential reconciler: reads the ledger, removes what the webhook left behind, nothing else',
      source: { entry: RECONCILER_ENTRY },
      serviceName: RECONCILER_SERVICE_NAME,
      environment: { ...props.environment, RECONCILE_GRACE_SECONDS: String(grace.toSeconds()) },
      memorySize: 512,
      timeout: RECONCILER_TIMEOUT,
      // A failed pass is repeated by the next scheduled one; Lambda's own retries would only run
      // extra passes back to back and count the failure three times.
      retryAttempts: 0,
    });
    this.function = owned.function;
    this.role = owned.role;
    this.logGroup = owned.logGroup;

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
