/**
 * The scheduled reconciler: its function, the environment it gets (a configuration
 * lambda/config.ts accepts), its schedule (by prop and by context key) and its props.
 */
import { existsSync } from 'node:fs';
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readAppConfig } from '../../bin/context';
import { loadReconcilerConfig } from '../../lambda/config';
import { instanceOf } from '../../lambda/credentials/marker';
import { HANDLER_ENTRY, RECONCILER_ENTRY } from '../../lib/bundling';
import type { CredentialWebhookProps } from '../../lib/credential-webhook';
import { CredentialWebhookStack } from '../../lib/credential-webhook-stack';
import { CredentialReconciler, type CredentialReconcilerProps } from '../../lib/reconciler-function';
import {
  deployedEnvironment,
  functionEnvironment,
  IMPORTED_POOL,
  logicalId,
  PLAN_A,
  PLAN_B,
  reconcilerEnvironment,
  render,
  TEST_ENV,
  testStack,
  type WebhookFixture,
  webhookFixture,
} from './support';

function resourceOf(fixture: WebhookFixture, id: string): { Properties: Record<string, unknown> } {
  return fixture.template.toJSON().Resources[id] as { Properties: Record<string, unknown> };
}

function reconcilerFunction(fixture: WebhookFixture): Record<string, unknown> {
  return resourceOf(fixture, logicalId(fixture.stack, fixture.webhook.reconciler.function)).Properties;
}

/** The schedule expression and the function ARN the rule starts. */
function schedule(template: Template): { expression: unknown; targets: unknown } {
  const rules = Object.values(template.findResources('AWS::Events::Rule'));
  if (rules.length !== 1) throw new Error(`expected one rule, found ${rules.length}`);
  const [rule] = rules as [{ Properties: { ScheduleExpression: unknown; Targets: Array<{ Arn: unknown }> } }];
  return {
    expression: rule.Properties.ScheduleExpression,
    targets: render(rule.Properties.Targets.map((target) => target.Arn)),
  };
}

function stackFromContext(context: Record<string, unknown>): Template {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], allowedUsagePlanIds: [PLAN_A], ...context },
    builtinCloudFormationValidation: false,
  });
  const config = readAppConfig(app.node);
  return Template.fromStack(
    new CredentialWebhookStack(app, config.stackName, { ...config.stackProps, env: TEST_ENV }),
  );
}

describe('the reconciler function', () => {
  test('runs lambda/reconciler/handler.ts on Node.js 24 on ARM64 with 512 MB and five minutes', () => {
    const fixture = webhookFixture();

    const fn = reconcilerFunction(fixture);

    expect([fn.Runtime, fn.Architectures, fn.MemorySize, fn.Timeout, fn.Handler]).toEqual([
      'nodejs24.x',
      ['arm64'],
      512,
      300,
      'index.handler',
    ]);
    expect(RECONCILER_ENTRY).toMatch(/lambda\/reconciler\/handler\.ts$/);
    expect(RECONCILER_ENTRY).not.toBe(HANDLER_ENTRY);
    expect(existsSync(RECONCILER_ENTRY)).toBe(true);
  });

  test('logs to its own log group, kept as long as the webhook logs and retained when the stack goes', () => {
    const fixture = webhookFixture();
    const logGroupId = logicalId(fixture.stack, fixture.webhook.reconciler.logGroup);

    const fn = reconcilerFunction(fixture);

    expect(logGroupId).not.toBe(logicalId(fixture.stack, fixture.webhook.lambdaFunction.logGroup));
    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(fixture.template.toJSON().Resources[logGroupId]).toMatchObject({
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
    });
  });

  test('runs under its own role, not the webhook role', () => {
    const fixture = webhookFixture();

    const fn = reconcilerFunction(fixture);

    expect(fn.Role).toEqual({
      'Fn::GetAtt': [logicalId(fixture.stack, fixture.webhook.reconciler.role), 'Arn'],
    });
  });

  test('is not retried by Lambda when a pass fails: the next scheduled pass is the retry', () => {
    const fixture = webhookFixture();

    const configs = Object.values(fixture.template.findResources('AWS::Lambda::EventInvokeConfig'));

    expect(configs.map((config) => render(config.Properties))).toEqual([
      {
        FunctionName: `\${${logicalId(fixture.stack, fixture.webhook.reconciler.function)}}`,
        MaximumRetryAttempts: 0,
        Qualifier: '$LATEST',
      },
    ]);
  });
});

describe("the reconciler's environment", () => {
  test('names the ledger, the plans, the grace period and its Powertools settings when keys are issued', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A, PLAN_B] });
    const tableId = logicalId(fixture.stack, fixture.webhook.table);

    const environment = reconcilerEnvironment(fixture);

    expect(environment).toEqual({
      LEDGER_TABLE: `\${${tableId}}`,
      DEFAULT_CREDENTIAL_TYPE: 'API_KEY',
      ALLOWED_USAGE_PLAN_IDS: `${PLAN_A},${PLAN_B}`,
      RECONCILE_GRACE_SECONDS: '300',
      POWERTOOLS_SERVICE_NAME: 'credential-reconciler',
      POWERTOOLS_METRICS_NAMESPACE: 'CredentialWebhook',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  test('is a configuration the reconciler accepts, for API keys and client credentials together', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
      allowedUsagePlanIds: [PLAN_A],
      clientCredentials: IMPORTED_POOL,
      reconcileGrace: Duration.minutes(15),
    });
    const tableName = `Stack-${logicalId(fixture.stack, fixture.webhook.table)}`;

    const config = loadReconcilerConfig(deployedEnvironment(reconcilerEnvironment(fixture)));

    expect(config).toEqual({
      ledger: { tableName, instance: instanceOf(tableName) },
      allowedUsagePlanIds: new Set([PLAN_A]),
      userPoolId: 'us-east-1_AbC123',
      graceSeconds: 900,
    });
  });

  test('names the same ledger as the webhook, so both derive the same marker instance', () => {
    const fixture = webhookFixture();

    expect(reconcilerEnvironment(fixture).LEDGER_TABLE).toBe(functionEnvironment(fixture).LEDGER_TABLE);
  });

  test('carries no Basic-auth secret, token URL or scopes: the reconciler issues nothing', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: IMPORTED_POOL,
    });

    const environment = reconcilerEnvironment(fixture);

    expect(environment.USER_POOL_ID).toBe('us-east-1_AbC123');
    expect(environment.ALLOWED_USAGE_PLAN_IDS).toBeUndefined();
    expect(Object.keys(environment).filter((name) => /SECRET|TOKEN|SCOPES|IDEMPOTENCY/.test(name))).toEqual(
      [],
    );
  });

  test("takes the webhook's log level", () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A], functionOptions: { logLevel: 'DEBUG' } });

    expect(reconcilerEnvironment(fixture).POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
  });
});

describe("the reconciler's schedule", () => {
  test('starts a pass every 10 minutes by default', () => {
    const fixture = webhookFixture();

    expect(schedule(fixture.template)).toEqual({
      expression: 'rate(10 minutes)',
      targets: [`\${${logicalId(fixture.stack, fixture.webhook.reconciler.function)}.Arn}`],
    });
  });

  test('follows reconcileInterval', () => {
    const fixture = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      reconcileInterval: Duration.minutes(30),
    });

    expect(schedule(fixture.template).expression).toBe('rate(30 minutes)');
  });

  test('follows the reconcileIntervalMinutes context key, from cdk.json or -c', () => {
    expect([
      schedule(stackFromContext({ reconcileIntervalMinutes: 5 })).expression,
      schedule(stackFromContext({ reconcileIntervalMinutes: '1' })).expression,
    ]).toEqual(['rate(5 minutes)', 'rate(1 minute)']);
  });

  test('does not deliver a start once the next one is due', () => {
    const { template } = webhookFixture();

    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [{ RetryPolicy: { MaximumEventAgeInSeconds: 600 } }],
    });
  });
});

describe('the reconciler props', () => {
  test.each<[string, Partial<CredentialReconcilerProps>, string]>([
    [
      'an interval of seconds',
      { interval: Duration.seconds(30) },
      'interval must be a whole number of minutes',
    ],
    [
      'a grace under a minute',
      { grace: Duration.seconds(59) },
      'grace must be a whole number of seconds from 60',
    ],
    ['a grace over a week', { grace: Duration.days(8) }, 'grace must be a whole number of seconds from 60'],
    [
      'an unknown log level',
      { logLevel: 'TRACE' as 'INFO' },
      'logLevel must be one of DEBUG, INFO, WARN, ERROR',
    ],
  ])('refuse %s', (_case, props, message) => {
    const create = () => new CredentialReconciler(testStack(), 'Reconciler', { environment: {}, ...props });

    expect(create).toThrow(`CredentialReconciler: ${message}`);
  });

  test('accept the longest interval and grace', () => {
    const props: CredentialWebhookProps = {
      allowedUsagePlanIds: [PLAN_A],
      reconcileInterval: Duration.days(1),
      reconcileGrace: Duration.days(7),
    };

    const fixture = webhookFixture(props);

    expect([
      schedule(fixture.template).expression,
      reconcilerEnvironment(fixture).RECONCILE_GRACE_SECONDS,
    ]).toEqual(['rate(1 day)', '604800']);
  });
});
