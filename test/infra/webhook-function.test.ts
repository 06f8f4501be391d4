/** The function: runtime, size, timeout, logs, environment and the bundling settings it is built with. */
import { existsSync } from 'node:fs';
import { Duration, Lazy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  ESBUILD_TARGET,
  HANDLER_BUNDLING,
  HANDLER_ESBUILD_OPTIONS,
  HANDLER_RUNTIME,
} from '../../lib/bundling';
import { WebhookFunction } from '../../lib/webhook-function';
import {
  functionEnvironment,
  logicalId,
  PLAN_A,
  testStack,
  type WebhookFixture,
  webhookFixture,
} from './support';

/** The webhook function's properties (the stack holds the reconciler function too). */
function webhookFunction(fixture: WebhookFixture): Record<string, unknown> {
  const id = logicalId(fixture.stack, fixture.webhook.lambdaFunction);
  return (fixture.template.toJSON().Resources[id] as { Properties: Record<string, unknown> }).Properties;
}

describe('the webhook function', () => {
  test('runs on Node.js 24 on ARM64 with 512 MB and a 25-second timeout, entered through the launcher', () => {
    const fixture = webhookFixture();

    const fn = webhookFunction(fixture);

    expect([fn.Runtime, fn.Architectures, fn.MemorySize, fn.Timeout, fn.Handler]).toEqual([
      'nodejs24.x',
      ['arm64'],
      512,
      25,
      'launch.handler',
    ]);
  });

  test('logs to its own log group, kept three months and retained when the stack goes', () => {
    const fixture = webhookFixture();
    const logGroupId = logicalId(fixture.stack, fixture.webhook.lambdaFunction.logGroup);

    const fn = webhookFunction(fixture);

    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(fixture.template.toJSON().Resources[logGroupId]).toMatchObject({
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
    });
  });

  test('gets the secret ARNs and its configuration, never a credential value', () => {
    const fixture = webhookFixture();
    const secretId = logicalId(fixture.stack, fixture.webhook.secret);
    const validatorId = logicalId(fixture.stack, fixture.webhook.validatorSecret ?? fixture.webhook);
    const tableId = logicalId(fixture.stack, fixture.webhook.table);

    const environment = functionEnvironment(fixture);

    expect(environment).toEqual({
      WEBHOOK_SECRET_ARN: `\${${secretId}}`,
      VALIDATOR_SECRET_ARN: `\${${validatorId}}`,
      LEDGER_TABLE: `\${${tableId}}`,
      IDEMPOTENCY_WINDOW_SECONDS: '3600',
      DEFAULT_CREDENTIAL_TYPE: 'API_KEY',
      ALLOWED_USAGE_PLAN_IDS: PLAN_A,
      POWERTOOLS_SERVICE_NAME: 'credential-webhook',
      POWERTOOLS_METRICS_NAMESPACE: 'CredentialWebhook',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  test('takes memory, timeout, log retention and log level from its options', () => {
    const fixture = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      functionOptions: {
        memorySize: 1024,
        timeout: Duration.seconds(10),
        logRetention: logs.RetentionDays.ONE_YEAR,
        logLevel: 'DEBUG',
      },
    });

    const logGroupId = logicalId(fixture.stack, fixture.webhook.lambdaFunction.logGroup);

    expect(webhookFunction(fixture)).toMatchObject({
      MemorySize: 1024,
      Timeout: 10,
      Environment: { Variables: expect.objectContaining({ POWERTOOLS_LOG_LEVEL: 'DEBUG' }) },
    });
    expect(fixture.template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(365);
  });

  test('reserves 10 concurrent executions by default, so a flood cannot starve other functions', () => {
    const fixture = webhookFixture();

    expect(webhookFunction(fixture).ReservedConcurrentExecutions).toBe(10);
  });

  test('takes the reservation from its options, or reserves none', () => {
    const reserved = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      functionOptions: { reservedConcurrency: 3 },
    });
    const none = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      functionOptions: { reservedConcurrency: 'none' },
    });

    expect([
      webhookFunction(reserved).ReservedConcurrentExecutions,
      webhookFunction(none).ReservedConcurrentExecutions,
    ]).toEqual([3, undefined]);
  });

  test('follows automatic runtime updates by default', () => {
    const fixture = webhookFixture();

    expect(webhookFunction(fixture).RuntimeManagementConfig).toBeUndefined();
  });

  test.each([
    ['aws', `arn:aws:lambda:eu-south-1::runtime:${'7b620fc2e661'.repeat(5)}0a1b`],
    ['aws-cn', `arn:aws-cn:lambda:cn-north-1::runtime:${'0123456789abcdef'.repeat(4)}`],
    ['aws-us-gov', `arn:aws-us-gov:lambda:us-gov-west-1::runtime:${'fedcba9876543210'.repeat(4)}`],
  ])('pins the runtime version given as runtimeVersionArn (%s partition)', (_partition, arn) => {
    const fixture = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      functionOptions: { runtimeVersionArn: arn },
    });

    expect(webhookFunction(fixture).RuntimeManagementConfig).toEqual({
      UpdateRuntimeOn: 'Manual',
      RuntimeVersionArn: arn,
    });
  });

  test('accepts a runtimeVersionArn only known at deploy time', () => {
    const arn = Lazy.string({ produce: () => 'resolved later' });

    const create = () => new WebhookFunction(testStack(), 'Fn', { environment: {}, runtimeVersionArn: arn });

    expect(create).not.toThrow();
  });

  test.each([
    ['a runtime name', 'nodejs24.x'],
    ['a function ARN', 'arn:aws:lambda:us-east-1:123456789012:function:webhook'],
    ['a runtime ARN with an account', `arn:aws:lambda:us-east-1:123456789012:runtime:${'ab'.repeat(32)}`],
    ['a runtime ARN without its version hash', 'arn:aws:lambda:us-east-1::runtime:'],
  ])('refuses %s as runtimeVersionArn', (_case, arn) => {
    const create = () => new WebhookFunction(testStack(), 'Fn', { environment: {}, runtimeVersionArn: arn });

    expect(create).toThrow(
      `WebhookFunction: runtimeVersionArn must be a Lambda runtime version ARN (arn:aws:lambda:<region>::runtime:<version hash>), got "${arn}"`,
    );
  });

  test('refuses a reservation of zero executions (Lambda would throttle every request)', () => {
    const create = () => new WebhookFunction(testStack(), 'Fn', { environment: {}, reservedConcurrency: 0 });

    expect(create).toThrow('WebhookFunction: reservedConcurrency must be an integer from 1 to 1000, got 0');
  });

  test('refuses a timeout API Gateway would cut short', () => {
    const stack = testStack();

    const create = () => new WebhookFunction(stack, 'Fn', { environment: {}, timeout: Duration.seconds(29) });

    expect(create).toThrow(
      "WebhookFunction: timeout must be below API Gateway's 29-second integration timeout, got 29 seconds",
    );
  });

  test('refuses a memory size Lambda does not offer', () => {
    const stack = testStack();

    const create = () => new WebhookFunction(stack, 'Fn', { environment: {}, memorySize: 64 });

    expect(create).toThrow('WebhookFunction: memorySize must be an integer from 128 to 10240, got 64');
  });
});

describe('the bundling settings', () => {
  test('target the Node.js version of the runtime', () => {
    expect(`nodejs${ESBUILD_TARGET.replace('node', '')}.x`).toBe(HANDLER_RUNTIME.name);
  });

  test('give NodejsFunction the same build the esbuild options describe', () => {
    expect(HANDLER_BUNDLING).toEqual({
      format: HANDLER_ESBUILD_OPTIONS.format,
      target: HANDLER_ESBUILD_OPTIONS.target,
      minify: HANDLER_ESBUILD_OPTIONS.minify,
      sourceMap: HANDLER_ESBUILD_OPTIONS.sourcemap,
      sourcesContent: HANDLER_ESBUILD_OPTIONS.sourcesContent,
      mainFields: [...HANDLER_ESBUILD_OPTIONS.mainFields],
      externalModules: [...HANDLER_ESBUILD_OPTIONS.external],
      bundleAwsSDK: true,
      esbuildArgs: {
        '--alias:@aws-sdk/credential-provider-node':
          HANDLER_ESBUILD_OPTIONS.alias['@aws-sdk/credential-provider-node'],
        '--supported:dynamic-import': String(HANDLER_ESBUILD_OPTIONS.supported['dynamic-import']),
      },
    });
  });

  test('replace the SDK default credential chain with the environment provider, which exists', () => {
    const replacement = HANDLER_ESBUILD_OPTIONS.alias['@aws-sdk/credential-provider-node'];
    expect(replacement).toMatch(/lambda\/adapters\/aws\/lambda-credentials\.ts$/);
    expect(existsSync(replacement)).toBe(true);
  });
});
