/**
 * What the webhook and the reconciler functions share, kept in one place so their logging,
 * bundling and role stay alike: a log group of their own, an execution role that starts empty and
 * may write only to that log group, the esbuild bundle and the Powertools settings.
 */
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { DEPS_LOCK_FILE, HANDLER_BUNDLING, HANDLER_RUNTIME, PROJECT_ROOT } from './bundling';
import { InvalidPropsError } from './validation';

/** Powertools log levels the functions accept. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Powertools metrics namespace both functions report under. */
export const METRICS_NAMESPACE = 'CredentialWebhook';

/** Logging settings both functions take. */
export interface FunctionLoggingProps {
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

/** What differs between the two functions. */
export interface OwnedFunctionOptions {
  /** Name of the calling construct, for error messages. */
  readonly construct: string;
  readonly description: string;
  readonly roleDescription: string;
  /**
   * What the function runs: a TypeScript entry point that NodejsFunction bundles with the shared
   * esbuild settings, or an asset built elsewhere with the handler setting that enters it.
   */
  readonly source: { readonly entry: string } | { readonly code: lambda.Code; readonly handler: string };
  /** Powertools service name (the `service` dimension of the function's metrics). */
  readonly serviceName: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reservedConcurrentExecutions?: number;
  readonly retryAttempts?: number;
  /**
   * How Lambda updates the function's runtime version.
   * @default - automatic runtime updates
   */
  readonly runtimeManagementMode?: lambda.RuntimeManagementMode;
  /**
   * NODE_OPTIONS of the function.
   * @default '--enable-source-maps'
   */
  readonly nodeOptions?: string;
}

/** A function with the log group and the role created for it alone. */
export interface OwnedFunction {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/** Creates LogGroup, Role and Function in `scope` (their ids are part of the logical ids). */
export function ownedFunction(
  scope: Construct,
  props: FunctionLoggingProps,
  options: OwnedFunctionOptions,
): OwnedFunction {
  const logLevel = props.logLevel ?? 'INFO';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new InvalidPropsError(options.construct, `logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: options.roleDescription,
  });
  // The role writes only to the function's own log group (instead of AWSLambdaBasicExecutionRole).
  logGroup.grantWrite(role);

  const common = {
    description: options.description,
    runtime: HANDLER_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    ...(options.reservedConcurrentExecutions !== undefined && {
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    }),
    ...(options.retryAttempts !== undefined && { retryAttempts: options.retryAttempts }),
    ...(options.runtimeManagementMode !== undefined && {
      runtimeManagementMode: options.runtimeManagementMode,
    }),
    role,
    logGroup,
    environment: {
      ...options.environment,
      POWERTOOLS_SERVICE_NAME: options.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: logLevel,
      ...(options.nodeOptions !== '' && { NODE_OPTIONS: options.nodeOptions ?? '--enable-source-maps' }),
    },
  } satisfies Partial<lambda.FunctionProps>;
  const { source } = options;
  const fn =
    'entry' in source
      ? new NodejsFunction(scope, 'Function', {
          ...common,
          entry: source.entry,
          handler: 'handler',
          projectRoot: PROJECT_ROOT,
          depsLockFilePath: DEPS_LOCK_FILE,
          bundling: HANDLER_BUNDLING,
          // SDK v3 reuses connections by itself; the variable only matters to SDK v2.
          awsSdkConnectionReuse: false,
        })
      : new lambda.Function(scope, 'Function', { ...common, code: source.code, handler: source.handler });
  // CDK makes the function depend on its whole role construct: the policy dependency matters (the
  // function must not run before its permissions exist), the role one repeats the Role GetAtt.
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata('cfn-lint', {
    config: { ignore_checks: ['W3005'] },
  });
  return { function: fn, role, logGroup };
}
