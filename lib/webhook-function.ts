/**
 * The webhook's Lambda function: the handler bundled by esbuild, its own log group and an
 * execution role that starts empty (no AWS managed policy); CredentialPermissions adds the rest.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEPS_LOCK_FILE, HANDLER_BUNDLING, HANDLER_ENTRY, HANDLER_RUNTIME, PROJECT_ROOT } from './bundling';
import { checkInteger, InvalidPropsError } from './validation';

/** API Gateway stops waiting for a Lambda integration after 29 seconds. */
export const API_GATEWAY_INTEGRATION_TIMEOUT = Duration.seconds(29);

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Powertools service name and metrics namespace the handler reports under. */
export const SERVICE_NAME = 'credential-webhook';
export const METRICS_NAMESPACE = 'CredentialWebhook';

/** Default of WebhookFunctionProps.reservedConcurrency. */
export const DEFAULT_RESERVED_CONCURRENCY = 10;

export interface WebhookFunctionProps {
  /** The webhook's configuration variables (see lambda/config.ts). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Memory in MB; CPU scales with it, and the handler's cold start is CPU-bound.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Must stay below API Gateway's 29-second integration timeout, so the function (not API
   * Gateway) decides what the caller sees.
   * @default Duration.seconds(25)
   */
  readonly timeout?: Duration;
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
   * Concurrent executions reserved for the function: also its ceiling, so a flood of webhook calls
   * cannot take the account's whole concurrency from its other functions. 'none' reserves nothing
   * (needed where the account's concurrency quota is too small to reserve from).
   * @default 10 (the stage lets 10 requests a second through, each done in well under a second)
   */
  readonly reservedConcurrency?: number | 'none';
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class WebhookFunction extends Construct {
  readonly function: NodejsFunction;
  /** The execution role; it holds only what is granted to it explicitly. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WebhookFunctionProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(25);
    if (timeout.toMilliseconds() >= API_GATEWAY_INTEGRATION_TIMEOUT.toMilliseconds()) {
      throw new InvalidPropsError(
        'WebhookFunction',
        `timeout must be below API Gateway's 29-second integration timeout, got ${timeout.toHumanString()}`,
      );
    }
    const memorySize = props.memorySize ?? 512;
    checkInteger('WebhookFunction', 'memorySize', memorySize, 128, 10240);
    const reserved = props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY;
    if (reserved !== 'none') checkInteger('WebhookFunction', 'reservedConcurrency', reserved, 1, 1000);
    const logLevel = props.logLevel ?? 'INFO';
    if (!LOG_LEVELS.includes(logLevel)) {
      throw new InvalidPropsError('WebhookFunction', `logLevel must be one of ${LOG_LEVELS.join(', ')}`);
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Credential webhook: issues API keys and app clients, nothing else',
    });
    // The role writes only to the function's own log group (instead of AWSLambdaBasicExecutionRole).
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      description: 'Sensedia Developer Portal credential webhook',
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: DEPS_LOCK_FILE,
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      ...(reserved !== 'none' && { reservedConcurrentExecutions: reserved }),
      role: this.role,
      logGroup: this.logGroup,
      bundling: HANDLER_BUNDLING,
      // SDK v3 reuses connections by itself; the variable only matters to SDK v2.
      awsSdkConnectionReuse: false,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // CDK makes the function depend on its whole role construct: the policy dependency matters (the
    // function must not run before its permissions exist), the role one repeats the Role GetAtt.
    (this.function.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', {
      config: { ignore_checks: ['W3005'] },
    });
  }
}
