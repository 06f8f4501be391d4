/**
 * The webhook's Lambda function: the handler bundled by esbuild, its own log group and an
 * execution role that starts empty (no AWS managed policy); CredentialPermissions adds the rest.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAUNCHER_HANDLER } from './code-cache';
import { type FunctionLoggingProps, ownedFunction } from './owned-function';
import { checkInteger, InvalidPropsError, RUNTIME_VERSION_ARN } from './validation';
import { webhookCode } from './webhook-asset';

/** API Gateway stops waiting for a Lambda integration after 29 seconds. */
export const API_GATEWAY_INTEGRATION_TIMEOUT = Duration.seconds(29);

/** Powertools service name the handler reports under. */
export const SERVICE_NAME = 'credential-webhook';

/** Default of WebhookFunctionProps.reservedConcurrency. */
export const DEFAULT_RESERVED_CONCURRENCY = 10;

export interface WebhookFunctionProps extends FunctionLoggingProps {
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
   * Concurrent executions reserved for the function: also its ceiling, so a flood of webhook calls
   * cannot take the account's whole concurrency from its other functions. 'none' reserves nothing
   * (needed where the account's concurrency quota is too small to reserve from).
   * @default 10 (the stage lets 10 requests a second through, each done in well under a second)
   */
  readonly reservedConcurrency?: number | 'none';
  /**
   * Pins the function to this Lambda runtime version ("manual" runtime management), e.g.
   * 'arn:aws:lambda:us-east-1::runtime:<version hash>'; the function's INIT_START log lines show
   * the version in use. The asset's V8 code cache is accepted only by the Node version that built
   * it (see lib/code-cache.ts), so after a runtime update it is ignored and cold starts are slower;
   * pinning keeps the cache valid, and you then take runtime updates (security fixes included)
   * yourself.
   * @default - automatic runtime updates
   */
  readonly runtimeVersionArn?: string;
}

export class WebhookFunction extends Construct {
  /** The handler: the bundle, its launcher and code cache (lib/asset-build.ts). */
  readonly function: lambda.Function;
  /** The execution role; it holds only what is granted to it explicitly. */
  readonly role: iam.Role;
  /** The function's own log group. */
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
    const { runtimeVersionArn } = props;
    if (
      runtimeVersionArn !== undefined &&
      !Token.isUnresolved(runtimeVersionArn) &&
      !RUNTIME_VERSION_ARN.test(runtimeVersionArn)
    ) {
      throw new InvalidPropsError(
        'WebhookFunction',
        `runtimeVersionArn must be a Lambda runtime version ARN (arn:aws:lambda:<region>::runtime:<version hash>), got "${runtimeVersionArn}"`,
      );
    }
    const owned = ownedFunction(this, props, {
      construct: 'WebhookFunction',
      description: 'Sensedia Developer Portal credential webhook',
      roleDescription: 'Credential webhook: issues API keys and app clients, nothing else',
      source: { code: webhookCode(), handler: LAUNCHER_HANDLER },
      serviceName: SERVICE_NAME,
      environment: props.environment,
      memorySize,
      timeout,
      ...(reserved !== 'none' && { reservedConcurrentExecutions: reserved }),
      ...(runtimeVersionArn !== undefined && {
        runtimeManagementMode: lambda.RuntimeManagementMode.manual(runtimeVersionArn),
      }),
      // The launcher loads the bundle with its code cache and maps stack traces only when one is
      // printed, so NODE_OPTIONS stays empty (--enable-source-maps costs ~20 ms of every cold start).
      nodeOptions: '',
    });
    this.function = owned.function;
    this.role = owned.role;
    this.logGroup = owned.logGroup;
  }
}
