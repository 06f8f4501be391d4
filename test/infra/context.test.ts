/** Configuration from CDK context: cdk.json values (JSON) and `-c key=value` values (strings). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CONTEXT_KEYS, readAppConfig } from '../../bin/context';
import { CredentialWebhookStack } from '../../lib/credential-webhook-stack';
import { TEST_ENV } from './support';

function configFrom(context: Record<string, unknown>) {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], ...context },
    builtinCloudFormationValidation: false,
  });
  return { app, config: readAppConfig(app.node) };
}

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

describe("cdk.json's context", () => {
  test('only uses keys the app reads', () => {
    const unknown = Object.keys(cdkJson.context).filter(
      (key) => !(CONTEXT_KEYS as readonly string[]).includes(key),
    );

    expect(unknown).toEqual([]);
  });

  test('synthesizes as it ships, flagging the placeholder usage plan', () => {
    const { app, config } = configFrom(cdkJson.context);

    const create = () =>
      Template.fromStack(
        new CredentialWebhookStack(app, config.stackName, { ...config.stackProps, env: TEST_ENV }),
      );

    expect(create).not.toThrow();
    expect(config.usesPlaceholderUsagePlan).toBe(true);
  });
});

describe("README's deploy commands", () => {
  const deploy = (flags: Record<string, string>) => {
    const { app, config } = configFrom({ ...cdkJson.context, ...flags });
    const stack = new CredentialWebhookStack(app, config.stackName, { ...config.stackProps, env: TEST_ENV });
    return { config, template: Template.fromStack(stack) };
  };

  test('deploy client credentials with a new pool from the shipped cdk.json, placeholder plan and all', () => {
    const { config, template } = deploy({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      createUserPool: 'true',
      domainPrefix: 'acme-portal-webhook',
      resourceServerIdentifier: 'orders-api',
      scopes: 'read,write',
    });

    expect(config.stackProps.webhook.allowedUsagePlanIds).toBeUndefined();
    expect(config.usesPlaceholderUsagePlan).toBe(false);
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
  });

  test('deploy API keys with the plans given on the command line', () => {
    const { config } = deploy({ allowedUsagePlanIds: '1el57v,9xk2ab' });

    expect(config.stackProps.webhook.allowedUsagePlanIds).toEqual(['1el57v', '9xk2ab']);
    expect(config.usesPlaceholderUsagePlan).toBe(false);
  });

  test('still refuse real plan ids when no API gets API keys', () => {
    const create = () =>
      deploy({
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        allowedUsagePlanIds: 'plan1a',
        userPoolId: 'us-east-1_AbC123',
        domainPrefix: 'existing-auth',
        defaultScopes: 'orders-api/read',
      });

    expect(create).toThrow('allowedUsagePlanIds is set, but no API is configured for API_KEY');
  });

  test('keep the placeholder (and its warning) when one API still gets API keys', () => {
    const { config } = configFrom({
      ...cdkJson.context,
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      apiCredentialTypes: '{"a1b2c3d4e5":"API_KEY"}',
    });

    expect(config.usesPlaceholderUsagePlan).toBe(true);
  });
});

describe("README's context keys table", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

  /** The `key`s named in the first column of the table under "### Context keys". */
  function documentedKeys(): string[] {
    const section = readme.split(/^### Context keys$/m)[1]?.split(/^#{2,3} /m)[0] ?? '';
    return section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .flatMap((line) =>
        [...(line.split('|')[1] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((match) => match[1] ?? ''),
      );
  }

  test('documents exactly the keys the app reads', () => {
    expect(documentedKeys().sort()).toEqual([...CONTEXT_KEYS].sort());
  });
});

describe('the context keys', () => {
  test('accept lists, numbers and booleans as the strings `-c` passes', () => {
    const { config } = configFrom({
      allowedUsagePlanIds: 'plan1a, plan2b',
      throttlingRateLimit: '5',
      apiGatewayCloudWatchRole: 'true',
      allowedSourceCidrs: '203.0.113.0/24',
    });

    expect(config.stackProps.webhook).toMatchObject({
      allowedUsagePlanIds: ['plan1a', 'plan2b'],
      apiOptions: { throttlingRateLimit: 5, cloudWatchRole: true, allowedSourceCidrs: ['203.0.113.0/24'] },
    });
  });

  test('accept JSON objects as text', () => {
    const { config } = configFrom({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      apiCredentialTypes: '{"a1b2c3d4e5":"API_KEY"}',
      userPoolId: 'us-east-1_AbC123',
      domainPrefix: 'existing-auth',
      apiScopes: '{"a1b2c3d4e5":["orders-api/read"]}',
    });

    expect(config.stackProps.webhook).toMatchObject({
      apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
      clientCredentials: { apiScopes: { a1b2c3d4e5: ['orders-api/read'] } },
    });
  });

  test('describe a created pool from createUserPool, domainPrefix and scopes', () => {
    const { config } = configFrom({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      createUserPool: true,
      domainPrefix: 'example-webhook',
      resourceServerIdentifier: 'orders',
      scopes: ['read', 'write'],
      accessTokenValidityMinutes: 30,
    });

    expect(config.stackProps.webhook.clientCredentials).toEqual({
      createUserPool: true,
      domainPrefix: 'example-webhook',
      resourceServerIdentifier: 'orders',
      scopes: ['read', 'write'],
      accessTokenValidityMinutes: 30,
    });
  });

  test('leave client credentials out when createUserPool is false and no pool is named', () => {
    const { config } = configFrom({ allowedUsagePlanIds: ['plan1a'], createUserPool: false });

    expect(config.stackProps.webhook.clientCredentials).toBeUndefined();
  });

  test('set log retention, removal policy, alarm e-mail and stack name', () => {
    const { config } = configFrom({
      stackName: 'PortalWebhook',
      logRetentionDays: 365,
      removalPolicy: 'destroy',
      alarmEmail: 'oncall@example.com',
    });

    expect(config).toMatchObject({
      stackName: 'PortalWebhook',
      stackProps: {
        alarmEmail: 'oncall@example.com',
        webhook: {
          removalPolicy: RemovalPolicy.DESTROY,
          functionOptions: { logRetention: logs.RetentionDays.ONE_YEAR },
          apiOptions: { accessLogRetention: logs.RetentionDays.ONE_YEAR },
        },
      },
    });
  });

  test('configure the web ACL, the reserved concurrency and the secret administrators', () => {
    const { config } = configFrom({
      allowedUsagePlanIds: ['plan1a'],
      webAclRateLimit: '300',
      reservedConcurrency: '25',
      secretAdminArns: 'arn:aws:iam::<account>:role/Admin, arn:aws:iam::<account>:root',
    });

    expect(config.stackProps.webhook).toMatchObject({
      apiOptions: { webAclRateLimit: 300 },
      functionOptions: { reservedConcurrency: 25 },
      basicAuth: { adminPrincipalArns: ['arn:aws:iam::<account>:role/Admin', 'arn:aws:iam::<account>:root'] },
    });
  });

  test.each([
    ['"none"', 'none'],
    ['0', '0'],
    ['0 from cdk.json', 0],
  ])('reserve no concurrency with %s', (_case, value) => {
    const { config } = configFrom({ reservedConcurrency: value });

    expect(config.stackProps.webhook.functionOptions?.reservedConcurrency).toBe('none');
  });

  test.each([
    ['false from `-c`', 'false', false],
    ['false from cdk.json', false, false],
    ['true from `-c`', 'true', true],
  ])('set validationEndpoint with %s', (_case, value, expected) => {
    const { config } = configFrom({ allowedUsagePlanIds: ['plan1a'], validationEndpoint: value });

    expect(config.stackProps.webhook.validationEndpoint).toBe(expected);
  });

  test('leave validationEndpoint to the construct when unset', () => {
    const { config } = configFrom({ allowedUsagePlanIds: ['plan1a'] });

    expect(config.stackProps.webhook.validationEndpoint).toBeUndefined();
  });

  test('leave out validateCredentials, its secret and its outputs with validationEndpoint=false', () => {
    const { app, config } = configFrom({ allowedUsagePlanIds: ['plan1a'], validationEndpoint: 'false' });
    const stack = new CredentialWebhookStack(app, 'Stack', { ...config.stackProps, env: TEST_ENV });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(Object.keys(template.findOutputs('*'))).not.toContain('ValidatorSecretArn');
    expect(JSON.stringify(template.findResources('AWS::ApiGateway::Resource'))).not.toContain(
      'validateCredentials',
    );
  });

  test('pin the webhook function to the runtime version given as runtimeVersionArn', () => {
    const arn = `arn:aws:lambda:us-east-1::runtime:${'0123456789abcdef'.repeat(4)}`;
    const { app, config } = configFrom({ allowedUsagePlanIds: ['plan1a'], runtimeVersionArn: ` ${arn} ` });
    const stack = new CredentialWebhookStack(app, 'Stack', { ...config.stackProps, env: TEST_ENV });

    const pinned = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { RuntimeManagementConfig: { UpdateRuntimeOn: 'Manual', RuntimeVersionArn: arn } },
    });

    expect(config.stackProps.webhook.functionOptions?.runtimeVersionArn).toBe(arn);
    expect(Object.keys(pinned)).toHaveLength(1);
  });

  test('fail synth on a runtimeVersionArn that is not a runtime version ARN', () => {
    const { app, config } = configFrom({ allowedUsagePlanIds: ['plan1a'], runtimeVersionArn: 'nodejs24.x' });

    const create = () => new CredentialWebhookStack(app, 'Stack', { ...config.stackProps, env: TEST_ENV });

    expect(create).toThrow('WebhookFunction: runtimeVersionArn must be a Lambda runtime version ARN');
  });

  test('leave the runtime version to automatic updates when runtimeVersionArn is unset', () => {
    const { config } = configFrom({ allowedUsagePlanIds: ['plan1a'] });

    expect(config.stackProps.webhook.functionOptions?.runtimeVersionArn).toBeUndefined();
  });

  test('turn the created web ACL off with createWebAcl=false', () => {
    const { app, config } = configFrom({ allowedUsagePlanIds: ['plan1a'], createWebAcl: 'false' });
    const stack = new CredentialWebhookStack(app, 'Stack', { ...config.stackProps, env: TEST_ENV });

    Template.fromStack(stack).resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('set the reconcile interval in minutes', () => {
    const fromJson = configFrom({ reconcileIntervalMinutes: 30 }).config.stackProps.webhook;
    const fromFlag = configFrom({ reconcileIntervalMinutes: '1440' }).config.stackProps.webhook;

    expect([fromJson.reconcileInterval?.toSeconds(), fromFlag.reconcileInterval?.toSeconds()]).toEqual([
      Duration.minutes(30).toSeconds(),
      Duration.days(1).toSeconds(),
    ]);
  });

  test('leave the reconcile interval to the construct when unset', () => {
    const { config } = configFrom({ allowedUsagePlanIds: ['plan1a'] });

    expect(config.stackProps.webhook.reconcileInterval).toBeUndefined();
  });

  test.each<[string, Record<string, unknown>, string]>([
    [
      'a reconcile interval of zero',
      { reconcileIntervalMinutes: 0 },
      'Context key "reconcileIntervalMinutes" must be a whole number of minutes from 1 to 1440 (got 0)',
    ],
    [
      'a reconcile interval over a day',
      { reconcileIntervalMinutes: '1441' },
      'Context key "reconcileIntervalMinutes" must be a whole number of minutes from 1 to 1440 (got 1441)',
    ],
    [
      'a fractional reconcile interval',
      { reconcileIntervalMinutes: 2.5 },
      'Context key "reconcileIntervalMinutes" must be a whole number of minutes from 1 to 1440 (got 2.5)',
    ],
    [
      'a reconcile interval in words',
      { reconcileIntervalMinutes: 'hourly' },
      'Context key "reconcileIntervalMinutes" must be a number (got "hourly")',
    ],
    [
      'a negative reserved concurrency',
      { reservedConcurrency: -1 },
      'Context key "reservedConcurrency" must be a whole number of executions from 1 to 1000, or 0 or "none" to reserve none (got -1)',
    ],
    [
      'a reserved concurrency in words',
      { reservedConcurrency: 'some' },
      'Context key "reservedConcurrency" must be a number (got "some")',
    ],
    [
      'createWebAcl spelled off',
      { createWebAcl: 'off' },
      'Context key "createWebAcl" must be true or false (got "off")',
    ],
    [
      'validationEndpoint spelled no',
      { validationEndpoint: 'no' },
      'Context key "validationEndpoint" must be true or false (got "no")',
    ],
    [
      'a web ACL rate limit in words',
      { webAclRateLimit: 'high' },
      'Context key "webAclRateLimit" must be a number (got "high")',
    ],
    [
      'a credential type in lower case',
      { defaultCredentialType: 'api_key' },
      'Context key "defaultCredentialType" must be "API_KEY" or "CLIENT_CREDENTIALS" (got "api_key")',
    ],
    [
      'a list of numbers',
      { allowedUsagePlanIds: [1, 2] },
      'Context key "allowedUsagePlanIds" must be a list of strings',
    ],
    [
      'broken JSON',
      { apiCredentialTypes: '{"a1b2c3d4e5":' },
      'Context key "apiCredentialTypes" is not valid JSON',
    ],
    [
      'a credential type map with another kind',
      { apiCredentialTypes: { a1b2c3d4e5: 'OAUTH' } },
      'Context key "apiCredentialTypes" must map REST API ids to "API_KEY" or "CLIENT_CREDENTIALS"',
    ],
    [
      'a boolean spelled yes',
      { createUserPool: 'yes' },
      'Context key "createUserPool" must be true or false (got "yes")',
    ],
    [
      'a runtime version ARN that is not a string',
      { runtimeVersionArn: 42 },
      'Context key "runtimeVersionArn" must be a string (got 42)',
    ],
    [
      'a number that is not',
      { memorySize: 'large' },
      'Context key "memorySize" must be a number (got "large")',
    ],
    [
      'a retention CloudWatch lacks',
      { logRetentionDays: 10 },
      'Context key "logRetentionDays" must be one of CloudWatch\'s retention periods',
    ],
    [
      'an unknown removal policy',
      { removalPolicy: 'snapshot' },
      'Context key "removalPolicy" must be "retain" or "destroy" (got "snapshot")',
    ],
    [
      'an unknown log level',
      { logLevel: 'TRACE' },
      'Context key "logLevel" must be one of DEBUG, INFO, WARN, ERROR (got "TRACE")',
    ],
    [
      'scopes per API that are not lists',
      { apiScopes: { a1b2c3d4e5: 'orders/read' } },
      'Context key "apiScopes" must map REST API ids to arrays of scope names',
    ],
  ])('refuse %s, naming the key', (_case, context, message) => {
    const read = () => configFrom(context);

    expect(read).toThrow(message);
  });
});
