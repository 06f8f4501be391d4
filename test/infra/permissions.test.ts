/**
 * Least privilege, asserted exactly: the role's policy holds these statements and nothing else,
 * for each kind of deployment.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as apiKeyNaming from '../../lambda/credentials/naming';
import { API_KEY_TAG_KEYS, MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../lib/credential-permissions';
import { CredentialWebhook } from '../../lib/credential-webhook';
import {
  CREATED_POOL,
  IMPORTED_POOL,
  logicalId,
  PLAN_A,
  PLAN_B,
  render,
  roleStatements,
  testStack,
  type WebhookFixture,
  webhookFixture,
} from './support';

const apigw = (path: string) => `arn:aws:apigateway:us-east-1::${path}`;

function baseStatements(fixture: WebhookFixture): unknown[] {
  const logGroup = logicalId(fixture.stack, fixture.webhook.handler.logGroup);
  const secret = logicalId(fixture.stack, fixture.webhook.basicAuthSecret);
  const table = logicalId(fixture.stack, fixture.webhook.idempotency.table);
  return [
    {
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: `\${${logGroup}.Arn}`,
    },
    {
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: `\${${secret}}`,
      Sid: 'ReadBasicAuthSecret',
    },
    {
      Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      Effect: 'Allow',
      Resource: `\${${table}.Arn}`,
      Sid: 'RecordIdempotentCreates',
    },
  ];
}

function apiKeyStatements(plans: readonly string[]): unknown[] {
  const issuedByWebhook = { StringEquals: { 'aws:ResourceTag/sensedia:managed-by': 'credential-webhook' } };
  const one = <T>(items: readonly T[]): T | T[] =>
    items.length === 1 && items[0] !== undefined ? items[0] : [...items];
  return [
    { Action: 'apigateway:POST', Effect: 'Allow', Resource: apigw('/apikeys'), Sid: 'CreateApiKeys' },
    {
      Action: 'apigateway:PUT',
      Condition: {
        StringEquals: { 'aws:RequestTag/sensedia:managed-by': 'credential-webhook' },
        'ForAllValues:StringEquals': {
          'aws:TagKeys': ['sensedia:managed-by', 'sensedia:developer', 'sensedia:app-slug'],
        },
      },
      Effect: 'Allow',
      Resource: apigw('/tags/*'),
      Sid: 'TagNewApiKeys',
    },
    {
      Action: 'apigateway:GET',
      Effect: 'Allow',
      Resource: [apigw('/apikeys'), apigw('/apikeys/*')],
      Sid: 'ReadApiKeys',
    },
    {
      Action: ['apigateway:PATCH', 'apigateway:DELETE'],
      Condition: issuedByWebhook,
      Effect: 'Allow',
      Resource: apigw('/apikeys/*'),
      Sid: 'ChangeWebhookApiKeys',
    },
    { Action: 'apigateway:GET', Effect: 'Allow', Resource: apigw('/usageplans'), Sid: 'ListUsagePlansOfKey' },
    {
      Action: 'apigateway:POST',
      Effect: 'Allow',
      Resource: one(plans.map((id) => apigw(`/usageplans/${id}/keys`))),
      Sid: 'BindAllowedUsagePlans',
    },
    {
      Action: 'apigateway:DELETE',
      Effect: 'Allow',
      Resource: one(plans.map((id) => apigw(`/usageplans/${id}/keys/*`))),
      Sid: 'UnbindAllowedUsagePlans',
    },
  ];
}

function appClientStatement(poolArn: string): unknown {
  return {
    Action: [
      'cognito-idp:CreateUserPoolClient',
      'cognito-idp:DescribeUserPoolClient',
      'cognito-idp:UpdateUserPoolClient',
      'cognito-idp:DeleteUserPoolClient',
      // To find the client a create whose answer was lost made (cognito-client-issuer.ts).
      'cognito-idp:ListUserPoolClients',
    ],
    Effect: 'Allow',
    Resource: poolArn,
    Sid: 'ManageAppClients',
  };
}

describe('the webhook role', () => {
  it('may only manage API keys and the allow-listed plans when it issues API keys', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A, PLAN_B] });

    const statements = roleStatements(fixture);

    expect(statements).toEqual([...baseStatements(fixture), ...apiKeyStatements([PLAN_A, PLAN_B])]);
  });

  it('may only manage app clients of the created pool when it issues client credentials', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: CREATED_POOL,
    });
    const pool = fixture.webhook.userPool?.userPool;
    if (pool === undefined) throw new Error('no user pool');

    const statements = roleStatements(fixture);

    expect(statements).toEqual([
      ...baseStatements(fixture),
      appClientStatement(`\${${logicalId(fixture.stack, pool)}.Arn}`),
    ]);
  });

  it('may only manage app clients of the imported pool, addressed by its ARN', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: IMPORTED_POOL,
    });

    const statements = roleStatements(fixture);

    expect(statements).toEqual([
      ...baseStatements(fixture),
      appClientStatement('arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123'),
    ]);
  });

  it('gets both sets when some APIs get API keys and others client credentials', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
      allowedUsagePlanIds: [PLAN_A],
      clientCredentials: IMPORTED_POOL,
    });

    const statements = roleStatements(fixture);

    expect(statements).toEqual([
      ...baseStatements(fixture),
      ...apiKeyStatements([PLAN_A]),
      appClientStatement('arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123'),
    ]);
  });

  it('has no managed policy and no inline policy besides the one asserted above', () => {
    const fixture = webhookFixture();
    const roleId = logicalId(fixture.stack, fixture.webhook.handler.role);

    const role = fixture.template.toJSON().Resources[roleId] as { Properties: Record<string, unknown> };

    expect([role.Properties.ManagedPolicyArns, role.Properties.Policies]).toEqual([undefined, undefined]);
  });

  it('grants no wildcard action and no "*" resource anywhere in the stack', () => {
    const { template } = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
      allowedUsagePlanIds: [PLAN_A],
      clientCredentials: CREATED_POOL,
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        render(policy.Properties.PolicyDocument.Statement) as Array<{ Action: unknown; Resource: unknown }>,
    );

    const actions = statements.flatMap((statement) => [statement.Action].flat());
    const resources = statements.flatMap((statement) => [statement.Resource].flat());

    expect(actions.filter((action) => String(action).includes('*'))).toEqual([]);
    expect(resources).not.toContain('*');
  });

  it('reads an imported secret by its ARN with the random suffix Secrets Manager adds', () => {
    const stack = testStack();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Existing', 'team/webhook-basic');
    new CredentialWebhook(stack, 'Webhook', { allowedUsagePlanIds: [PLAN_A], basicAuthSecret: secret });

    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        render(policy.Properties.PolicyDocument.Statement) as Array<{ Sid?: string; Resource: unknown }>,
    );

    expect(statements.find((statement) => statement.Sid === 'ReadBasicAuthSecret')?.Resource).toBe(
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/webhook-basic-??????',
    );
  });
});

describe('the tag conditions', () => {
  it('name the tag the handler puts on the keys it issues', () => {
    expect([MANAGED_BY_TAG, MANAGED_BY_VALUE]).toEqual([
      apiKeyNaming.MANAGED_BY_TAG,
      apiKeyNaming.MANAGED_BY_VALUE,
    ]);
  });

  it('allow every tag key the handler sets on a new key', () => {
    const tags = apiKeyNaming.resourceTags('590d83b5c05f', 'dev@example.com');

    expect(Object.keys(tags).sort()).toEqual([...API_KEY_TAG_KEYS].sort());
  });
});
