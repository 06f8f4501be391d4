/**
 * The composite construct: the environment it gives the function satisfies lambda/config.ts, the
 * ledger table, the Basic-auth secret, validateCredentials' secret, and the prop combinations it
 * refuses at synth.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  API_KEY_HASH_ATTRIBUTE,
  API_KEY_HASH_INDEX,
  PARTITION_KEY,
  TTL_ATTRIBUTE,
} from '../../lambda/adapters/aws/ledger-schema';
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
  PLAN_A,
  PLAN_B,
  propertiesOf,
  reconcilerEnvironment,
  secretPolicies,
  testStack,
  webhookFixture,
} from './support';

/** The secret-reading deny every created secret carries, for the function's role and these administrators. */
function readOnlyByWebhook(roleId: string, admins: readonly string[]): unknown[] {
  return [
    {
      Sid: 'ReadOnlyByWebhookAndAdministrators',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
      Condition: {
        StringNotEquals: { 'aws:PrincipalArn': [`\${${roleId}.Arn}`] },
        ArnNotLike: { 'aws:PrincipalArn': [...admins] },
      },
    },
  ];
}

const DEFAULT_ADMINS = [
  'arn:aws:iam::123456789012:root',
  'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*',
  'arn:aws:iam::123456789012:role/OrganizationAccountAccessRole',
];

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
    const validatorSecret = fixture.webhook.validatorSecret;
    if (validatorSecret === undefined) throw new Error('no validator secret');

    const config = loadConfig(deployedEnvironment(functionEnvironment(fixture)), { deployed: true });

    expect(config).toMatchObject({
      auth: {
        source: 'secrets-manager',
        secretId: `Stack-${logicalId(fixture.stack, fixture.webhook.secret)}`,
      },
      validatorAuth: {
        source: 'secrets-manager',
        secretId: `Stack-${logicalId(fixture.stack, validatorSecret)}`,
      },
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
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'apiKeyHash', AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  test('has the index byApiKeyHash, keyed by apiKeyHash, with whole items and no throughput of its own', () => {
    const fixture = webhookFixture();

    const table = propertiesOf(fixture, fixture.webhook.table);

    expect(table.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'byApiKeyHash',
        KeySchema: [{ AttributeName: 'apiKeyHash', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  test('has the index whether or not validateCredentials is exposed (removing it would mean a backfill to re-add)', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A], validationEndpoint: false });

    const table = propertiesOf(fixture, fixture.webhook.table);

    expect(JSON.stringify(table.GlobalSecondaryIndexes)).toContain('"IndexName":"byApiKeyHash"');
  });

  test("uses the names the handler's DynamoDB adapter reads", () => {
    expect([PARTITION_KEY, TTL_ATTRIBUTE, API_KEY_HASH_INDEX, API_KEY_HASH_ATTRIBUTE]).toEqual([
      'pk',
      'expiresAt',
      'byApiKeyHash',
      'apiKeyHash',
    ]);
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
    const fixture = webhookFixture();

    const secret = propertiesOf(fixture, fixture.webhook.secret);

    expect(secret.GenerateSecretString).toEqual({
      SecretStringTemplate: '{"username":"portal"}',
      GenerateStringKey: 'password',
      ExcludePunctuation: true,
      PasswordLength: 40,
    });
  });

  test('takes another username and password length', () => {
    const fixture = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      basicAuth: { username: 'sensedia', passwordLength: 64 },
    });

    expect(propertiesOf(fixture, fixture.webhook.secret).GenerateSecretString).toMatchObject({
      SecretStringTemplate: '{"username":"sensedia"}',
      PasswordLength: 64,
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
    // The one secret created is validateCredentials'.
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toEqual([
      logicalId(stack, webhook.validatorSecret ?? webhook),
    ]);
  });

  test("denies reading it to every principal but the function's role and the account's administrators", () => {
    const { stack, webhook, template } = webhookFixture();

    const policies = secretPolicies(template);

    expect(policies[logicalId(stack, webhook.secret)]).toEqual(
      readOnlyByWebhook(logicalId(stack, handlerRole(webhook)), DEFAULT_ADMINS),
    );
  });

  test('lets the administrators named in adminPrincipalArns read it instead of the default ones', () => {
    const { stack, webhook, template } = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      basicAuth: { adminPrincipalArns: ['arn:aws:iam::<account>:role/PlatformAdmin'] },
    });

    const policies = secretPolicies(template);

    expect(policies[logicalId(stack, webhook.secret)]).toEqual(
      readOnlyByWebhook(logicalId(stack, handlerRole(webhook)), [
        'arn:aws:iam::123456789012:role/PlatformAdmin',
      ]),
    );
  });

  test('leaves the policy of an existing secret to its owner', () => {
    const stack = testStack();
    const existing = secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'team/webhook-basic');
    const webhook = new CredentialWebhook(stack, 'Webhook', {
      allowedUsagePlanIds: [PLAN_A],
      basicAuthSecret: existing,
    });

    const policies = secretPolicies(Template.fromStack(stack));

    // Only the created validateCredentials secret has one.
    expect(Object.keys(policies)).toEqual([logicalId(stack, webhook.validatorSecret ?? webhook)]);
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

describe("validateCredentials' secret", () => {
  const VALIDATOR_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-validator-AbCdEf';

  test('holds the username "validator" and a generated 40-character password, apart from the Portal\'s', () => {
    const fixture = webhookFixture();
    const validator = fixture.webhook.validatorSecret;
    if (validator === undefined) throw new Error('no validator secret');

    const secret = propertiesOf(fixture, validator);

    expect(logicalId(fixture.stack, validator)).not.toBe(logicalId(fixture.stack, fixture.webhook.secret));
    expect(secret).toEqual({
      Description: "Basic credentials backends use to call the credential webhook's validateCredentials",
      GenerateSecretString: {
        SecretStringTemplate: '{"username":"validator"}',
        GenerateStringKey: 'password',
        ExcludePunctuation: true,
        PasswordLength: 40,
      },
    });
  });

  test('is named to the webhook function as VALIDATOR_SECRET_ARN, and not to the reconciler', () => {
    const fixture = webhookFixture();
    const validator = fixture.webhook.validatorSecret;
    if (validator === undefined) throw new Error('no validator secret');

    expect([
      functionEnvironment(fixture).VALIDATOR_SECRET_ARN,
      reconcilerEnvironment(fixture).VALIDATOR_SECRET_ARN,
    ]).toEqual([`\${${logicalId(fixture.stack, validator)}}`, undefined]);
  });

  test("denies reading it to every principal but the function's role and the Portal secret's administrators", () => {
    const { stack, webhook, template } = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      basicAuth: { adminPrincipalArns: ['arn:aws:iam::<account>:role/PlatformAdmin'] },
    });
    const validator = webhook.validatorSecret;
    if (validator === undefined) throw new Error('no validator secret');

    const policies = secretPolicies(template);

    expect(policies[logicalId(stack, validator)]).toEqual(
      readOnlyByWebhook(logicalId(stack, handlerRole(webhook)), [
        'arn:aws:iam::123456789012:role/PlatformAdmin',
      ]),
    );
  });

  test('is replaced by an existing secret when one is given, whose policy is left to its owner', () => {
    const stack = testStack();
    const existing = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', VALIDATOR_ARN);
    const webhook = new CredentialWebhook(stack, 'Webhook', {
      allowedUsagePlanIds: [PLAN_A],
      validatorSecret: existing,
    });
    const template = Template.fromStack(stack);

    const environment = functionEnvironment({ stack, webhook, template });

    expect(webhook.validatorSecret).toBe(existing);
    expect(environment.VALIDATOR_SECRET_ARN).toBe(VALIDATOR_ARN);
    expect(Object.keys(template.findResources('AWS::SecretsManager::Secret'))).toEqual([
      logicalId(stack, webhook.secret),
    ]);
    expect(Object.keys(secretPolicies(template))).toEqual([logicalId(stack, webhook.secret)]);
  });

  test('is left out, with its variable, when validationEndpoint is false', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A], validationEndpoint: false });

    const environment = functionEnvironment(fixture);

    expect(fixture.webhook.validatorSecret).toBeUndefined();
    expect(environment.VALIDATOR_SECRET_ARN).toBeUndefined();
    expect(Object.keys(fixture.template.findResources('AWS::SecretsManager::Secret'))).toEqual([
      logicalId(fixture.stack, fixture.webhook.secret),
    ]);
    expect(loadConfig(deployedEnvironment(environment), { deployed: true }).validatorAuth).toBeUndefined();
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
      'a validator secret without the endpoint',
      {
        allowedUsagePlanIds: [PLAN_A],
        validationEndpoint: false,
        validatorSecret: secretsmanager.Secret.fromSecretNameV2(testStack(), 'V', 'team/validator'),
      },
      'validatorSecret is set, but validationEndpoint is false: there is no endpoint to read it',
    ],
    [
      "the Portal's secret as the validator's",
      (() => {
        const shared = secretsmanager.Secret.fromSecretNameV2(testStack(), 'S', 'team/webhook-basic');
        return { allowedUsagePlanIds: [PLAN_A], basicAuthSecret: shared, validatorSecret: shared };
      })(),
      "validatorSecret must not be basicAuthSecret: backends that validate credentials must not hold the Portal's",
    ],
    [
      "the Portal's secret as the validator's, imported twice",
      {
        allowedUsagePlanIds: [PLAN_A],
        basicAuthSecret: secretsmanager.Secret.fromSecretNameV2(testStack(), 'S', 'team/webhook-basic'),
        validatorSecret: secretsmanager.Secret.fromSecretNameV2(testStack(), 'V', 'team/webhook-basic'),
      },
      "validatorSecret must not be basicAuthSecret: backends that validate credentials must not hold the Portal's",
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
