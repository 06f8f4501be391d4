/**
 * The composite construct: the environment it gives the function satisfies lambda/config.ts, the
 * ledger table, the Basic-auth secret, and the prop combinations it refuses at synth.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { loadConfig } from '../../lambda/config';
import { instanceOf } from '../../lambda/credentials/marker';
import { CredentialWebhook, type CredentialWebhookProps } from '../../lib/credential-webhook';
import {
  CREATED_POOL,
  deployedEnvironment,
  functionEnvironment,
  handlerRole,
  IMPORTED_POOL,
  logicalId,
  onlyResource,
  PLAN_A,
  PLAN_B,
  render,
  testStack,
  webhookFixture,
} from './support';

describe("the function's environment", () => {
  test('is a configuration the handler accepts, for API keys and client credentials together', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'API_KEY',
      apiCredentialTypes: { a1b2c3d4e5: 'CLIENT_CREDENTIALS' },
      allowedUsagePlanIds: [PLAN_A, PLAN_B],
      clientCredentials: { ...IMPORTED_POOL, accessTokenValidityMinutes: 30 },
      idempotencyWindow: Duration.hours(6),
    });
    const tableName = `Stack-${logicalId(fixture.stack, fixture.webhook.table)}`;

    const config = loadConfig(deployedEnvironment(functionEnvironment(fixture)), { deployed: true });

    expect(config).toMatchObject({
      auth: { source: 'secrets-manager' },
      ledger: { tableName, instance: instanceOf(tableName) },
      idempotency: { windowSeconds: 6 * 3600 },
      allowedUsagePlanIds: new Set([PLAN_A, PLAN_B]),
      defaultCredentialType: 'API_KEY',
      credentialTypeByApi: new Map([['a1b2c3d4e5', 'CLIENT_CREDENTIALS']]),
      clientCredentials: {
        userPoolId: 'us-east-1_AbC123',
        tokenUrl: 'https://existing-auth.auth.us-east-1.amazoncognito.com/oauth2/token',
        defaultScopes: ['orders-api/read'],
        accessTokenValidityMinutes: 30,
      },
    });
  });

  test('carries no usage-plan allow-list when no API gets API keys', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: IMPORTED_POOL,
    });

    const environment = functionEnvironment(fixture);

    expect(environment.ALLOWED_USAGE_PLAN_IDS).toBeUndefined();
    expect(loadConfig(deployedEnvironment(environment), { deployed: true }).defaultCredentialType).toBe(
      'CLIENT_CREDENTIALS',
    );
  });

  test('carries no Cognito settings when no API gets client credentials', () => {
    const fixture = webhookFixture();

    const environment = functionEnvironment(fixture);

    expect(Object.keys(environment).filter((name) => /POOL|TOKEN|SCOPES/.test(name))).toEqual([]);
  });
});

describe('the ledger table', () => {
  test('keeps the logical id it had as the idempotency table, so deploying does not replace it', () => {
    const fixture = webhookFixture();

    expect(logicalId(fixture.stack, fixture.webhook.table)).toBe('WebhookIdempotencyTableF7134834');
  });

  test('is named to the webhook as LEDGER_TABLE (IDEMPOTENCY_TABLE is gone)', () => {
    const fixture = webhookFixture();

    const environment = functionEnvironment(fixture);

    expect([environment.LEDGER_TABLE, environment.IDEMPOTENCY_TABLE]).toEqual([
      `\${${logicalId(fixture.stack, fixture.webhook.table)}}`,
      undefined,
    ]);
  });

  test('is keyed by pk, expires records by expiresAt and bills per request', () => {
    const { template } = webhookFixture();

    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  test('is encrypted at rest with a KMS key', () => {
    const { template } = webhookFixture();

    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('can be restored to a point in time', () => {
    const { template } = webhookFixture();

    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('is retained, with deletion protection, when the stack is deleted', () => {
    const { template } = webhookFixture();

    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: { DeletionProtectionEnabled: true },
    });
  });

  test('can be destroyed with the stack when asked', () => {
    const { template } = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      removalPolicy: RemovalPolicy.DESTROY,
    });

    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtectionEnabled: false },
    });
  });
});

describe('the Basic-auth secret', () => {
  test('holds the username "portal" and a generated 40-character password without punctuation', () => {
    const { template } = webhookFixture();

    const secret = onlyResource(template, 'AWS::SecretsManager::Secret').properties;

    expect(secret.GenerateSecretString).toEqual({
      SecretStringTemplate: '{"username":"portal"}',
      GenerateStringKey: 'password',
      ExcludePunctuation: true,
      PasswordLength: 40,
    });
  });

  test('takes another username and password length', () => {
    const { template } = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      basicAuth: { username: 'sensedia', passwordLength: 64 },
    });

    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{"username":"sensedia"}', PasswordLength: 64 },
    });
  });

  test('is replaced by an existing secret when one is given', () => {
    const stack = testStack();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-basic-AbCdEf';
    const existing = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', arn);
    const webhook = new CredentialWebhook(stack, 'Webhook', {
      allowedUsagePlanIds: [PLAN_A],
      basicAuthSecret: existing,
    });
    const template = Template.fromStack(stack);

    const environment = functionEnvironment({ stack, webhook, template });

    expect(environment.WEBHOOK_SECRET_ARN).toBe(arn);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test("denies reading it to every principal but the function's role and the account's administrators", () => {
    const fixture = webhookFixture();
    const { stack, webhook, template } = fixture;

    const policy = render(onlyResource(template, 'AWS::SecretsManager::ResourcePolicy').properties) as {
      SecretId: string;
      ResourcePolicy: { Statement: unknown[] };
    };

    expect(policy.SecretId).toBe(`\${${logicalId(stack, webhook.secret)}}`);
    expect(policy.ResourcePolicy.Statement).toEqual([
      {
        Sid: 'ReadOnlyByWebhookAndAdministrators',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'secretsmanager:GetSecretValue',
        Resource: '*',
        Condition: {
          StringNotEquals: { 'aws:PrincipalArn': [`\${${logicalId(stack, handlerRole(webhook))}.Arn}`] },
          ArnNotLike: {
            'aws:PrincipalArn': [
              'arn:aws:iam::123456789012:root',
              'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*',
              'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole',
            ],
          },
        },
      },
    ]);
  });

  test('lets the administrators named in adminPrincipalArns read it instead of the default ones', () => {
    const { template } = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      basicAuth: { adminPrincipalArns: ['arn:aws:iam::<account>:role/PlatformAdmin'] },
    });

    const policy = render(onlyResource(template, 'AWS::SecretsManager::ResourcePolicy').properties) as {
      ResourcePolicy: { Statement: Array<{ Condition: { ArnNotLike: unknown } }> };
    };

    expect(policy.ResourcePolicy.Statement[0]?.Condition.ArnNotLike).toEqual({
      'aws:PrincipalArn': ['arn:aws:iam::123456789012:role/PlatformAdmin'],
    });
  });

  test('leaves the policy of an existing secret to its owner', () => {
    const stack = testStack();
    const existing = secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'team/webhook-basic');
    new CredentialWebhook(stack, 'Webhook', { allowedUsagePlanIds: [PLAN_A], basicAuthSecret: existing });

    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });

  test.each([
    ['no administrators', []],
    ['a non-IAM ARN', ['arn:aws:sts::123456789012:assumed-role/Admin/me']],
  ])('refuses %s as the administrators', (_case, adminPrincipalArns) => {
    const create = () => webhookFixture({ allowedUsagePlanIds: [PLAN_A], basicAuth: { adminPrincipalArns } });

    expect(create).toThrow('BasicAuthSecret: adminPrincipalArns must list IAM root, role or user ARNs');
  });

  test('refuses a username Basic auth cannot carry', () => {
    const create = () =>
      webhookFixture({ allowedUsagePlanIds: [PLAN_A], basicAuth: { username: 'por:tal' } });

    expect(create).toThrow(
      'BasicAuthSecret: username must be non-empty, without ":" or spaces, got "por:tal"',
    );
  });
});

describe('the webhook props', () => {
  const manyPlans = Array.from({ length: 51 }, (_, index) => `plan${index}`);
  test.each<[string, CredentialWebhookProps, string]>([
    [
      'an unknown credential type',
      { defaultCredentialType: 'OAUTH' as 'API_KEY' },
      'defaultCredentialType must be API_KEY or CLIENT_CREDENTIALS, got "OAUTH"',
    ],
    [
      'an API id that is not one',
      { allowedUsagePlanIds: [PLAN_A], apiCredentialTypes: { 'my-api': 'API_KEY' } },
      'apiCredentialTypes has an invalid REST API id "my-api"',
    ],
    [
      'API keys without an allow-list',
      {},
      'allowedUsagePlanIds must list at least one usage plan id: API keys are issued',
    ],
    [
      'an allow-list of "*"',
      { allowedUsagePlanIds: ['*'] },
      'allowedUsagePlanIds must list usage plan ids: "*" would let the Portal use any plan in the account',
    ],
    [
      'a usage plan id with a slash',
      { allowedUsagePlanIds: ['plan/1'] },
      'allowedUsagePlanIds has invalid usage plan ids: plan/1',
    ],
    [
      'a usage plan listed twice',
      { allowedUsagePlanIds: [PLAN_A, PLAN_A] },
      `allowedUsagePlanIds lists ${PLAN_A} more than once`,
    ],
    [
      'more plans than the policy holds',
      { allowedUsagePlanIds: manyPlans },
      "allowedUsagePlanIds lists 51 plans; at most 50 fit in the role's policy",
    ],
    [
      'an allow-list without API keys',
      {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        allowedUsagePlanIds: [PLAN_A],
        clientCredentials: IMPORTED_POOL,
      },
      'allowedUsagePlanIds is set, but no API is configured for API_KEY',
    ],
    [
      'client credentials without a pool',
      { defaultCredentialType: 'CLIENT_CREDENTIALS' },
      'clientCredentials is required: an API is configured for CLIENT_CREDENTIALS',
    ],
    [
      'a pool without client credentials',
      { allowedUsagePlanIds: [PLAN_A], clientCredentials: IMPORTED_POOL },
      'clientCredentials is set, but no API is configured for CLIENT_CREDENTIALS',
    ],
    [
      'a new and an existing secret',
      {
        allowedUsagePlanIds: [PLAN_A],
        basicAuth: {},
        basicAuthSecret: secretsmanager.Secret.fromSecretNameV2(testStack(), 'S', 'x'),
      },
      'basicAuth configures a new secret; it cannot be combined with basicAuthSecret',
    ],
    [
      'an imported pool without scopes',
      {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        clientCredentials: { userPoolId: 'us-east-1_AbC123', domainPrefix: 'auth' },
      },
      'clientCredentials.defaultScopes (or apiScopes) is required for an imported user pool',
    ],
    [
      'a scope the created server lacks',
      {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        clientCredentials: { ...CREATED_POOL, defaultScopes: ['orders/delete'] },
      },
      'clientCredentials.defaultScopes names scopes the resource server does not define: orders/delete (defined: orders/read, orders/write)',
    ],
    [
      'a scope without resource server',
      {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        clientCredentials: { ...IMPORTED_POOL, defaultScopes: ['read'] },
      },
      'clientCredentials.defaultScopes must name scopes as "<resource server>/<scope>": read',
    ],
    [
      'per-API scopes for a bad API id',
      {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        clientCredentials: { ...IMPORTED_POOL, apiScopes: { 'x-y': ['orders-api/read'] } },
      },
      'clientCredentials.apiScopes has an invalid REST API id "x-y"',
    ],
    [
      'an idempotency window under a minute',
      { allowedUsagePlanIds: [PLAN_A], idempotencyWindow: Duration.seconds(30) },
      'idempotencyWindow (seconds) must be an integer from 60 to 604800, got 30',
    ],
    [
      'a reconcile interval that is not whole minutes',
      { allowedUsagePlanIds: [PLAN_A], reconcileInterval: Duration.seconds(90) },
      'reconcileInterval must be a whole number of minutes from 1 to 1440, got 1 minute 30 seconds',
    ],
    [
      'a reconcile interval over a day',
      { allowedUsagePlanIds: [PLAN_A], reconcileInterval: Duration.minutes(1441) },
      'reconcileInterval must be a whole number of minutes from 1 to 1440, got 1 day 1 minute',
    ],
    [
      'a reconcile grace shorter than a request may act',
      { allowedUsagePlanIds: [PLAN_A], reconcileGrace: Duration.seconds(30) },
      'reconcileGrace must be a whole number of seconds from 60 to 604800, got 30 seconds',
    ],
    [
      'a token validity Cognito refuses',
      {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        clientCredentials: { ...IMPORTED_POOL, accessTokenValidityMinutes: 2 },
      },
      'accessTokenValidityMinutes must be an integer from 5 to 1440, got 2',
    ],
  ])('refuse %s', (_case, props, message) => {
    const create = () => new CredentialWebhook(testStack(), 'Webhook', props);

    expect(create).toThrow(`CredentialWebhook: ${message}`);
  });
});
