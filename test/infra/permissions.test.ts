/**
 * Least privilege, asserted exactly: each role's policy holds these statements and nothing else,
 * for each kind of deployment. The internet-facing webhook cannot list API keys; the reconciler
 * can, and can only read the ledger and remove what the webhook issued. validateCredentials adds
 * its secret and a Query of the API-key hash index to the webhook's role only.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as marker from '../../lambda/credentials/marker';
import * as apiKeyNaming from '../../lambda/credentials/naming';
import { API_KEY_TAG_KEYS, MARKER_TAG } from '../../lib/credential-permissions';
import { CredentialWebhook } from '../../lib/credential-webhook';
import {
  CREATED_POOL,
  fastApp,
  handlerRole,
  IMPORTED_POOL,
  logicalId,
  PLAN_A,
  PLAN_B,
  reconcilerStatements,
  render,
  roleStatements,
  testStack,
  type WebhookFixture,
  webhookFixture,
} from './support';

const apigw = (path: string) => `arn:aws:apigateway:us-east-1::${path}`;
const issuedByWebhook = { StringEquals: { 'aws:ResourceTag/sensedia:managed-by': 'credential-webhook' } };
const one = <T>(items: readonly T[]): T | T[] =>
  items.length === 1 && items[0] !== undefined ? items[0] : [...items];

function tableArn(fixture: WebhookFixture): string {
  return `\${${logicalId(fixture.stack, fixture.webhook.table)}.Arn}`;
}

function baseStatements(fixture: WebhookFixture): unknown[] {
  const logGroup = logicalId(fixture.stack, fixture.webhook.lambdaFunction.logGroup);
  const secret = logicalId(fixture.stack, fixture.webhook.secret);
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
      Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Effect: 'Allow',
      Resource: tableArn(fixture),
      Sid: 'KeepLedger',
    },
  ];
}

/** What validateCredentials adds: its own secret, and the ledger's API-key hash index (not the table). */
function validationStatements(fixture: WebhookFixture): unknown[] {
  const secret = fixture.webhook.validatorSecret;
  if (secret === undefined) throw new Error('no validator secret');
  return [
    {
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: `\${${logicalId(fixture.stack, secret)}}`,
      Sid: 'ReadValidatorSecret',
    },
    {
      Action: 'dynamodb:Query',
      Effect: 'Allow',
      Resource: `${tableArn(fixture)}/index/byApiKeyHash`,
      Sid: 'FindApiKeysByHash',
    },
  ];
}

function apiKeyStatements(plans: readonly string[]): unknown[] {
  return [
    { Action: 'apigateway:POST', Effect: 'Allow', Resource: apigw('/apikeys'), Sid: 'CreateApiKeys' },
    {
      Action: 'apigateway:PUT',
      Condition: {
        StringEquals: { 'aws:RequestTag/sensedia:managed-by': 'credential-webhook' },
        'ForAllValues:StringEquals': {
          'aws:TagKeys': [
            'sensedia:managed-by',
            'sensedia:ledger-id',
            'sensedia:developer',
            'sensedia:app-slug',
          ],
        },
        Null: { 'aws:RequestTag/sensedia:ledger-id': 'false' },
      },
      Effect: 'Allow',
      // The Tags resource of API keys only: /tags/<URL-encoded arn:aws:apigateway:us-east-1::/apikeys/*>.
      Resource: apigw('/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Fapikeys%2F*'),
      Sid: 'TagNewApiKeys',
    },
    {
      Action: 'apigateway:GET',
      Condition: issuedByWebhook,
      Effect: 'Allow',
      Resource: apigw('/apikeys/*'),
      Sid: 'ReadWebhookApiKeys',
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
      Action: 'apigateway:GET',
      Effect: 'Allow',
      Resource: one(plans.map((id) => apigw(`/usageplans/${id}/keys/*`))),
      Sid: 'ReadBindingsOfAllowedPlans',
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
      // To adopt the client a create whose answer was lost made, by its marker.
      'cognito-idp:ListUserPoolClients',
    ],
    Effect: 'Allow',
    Resource: poolArn,
    Sid: 'ManageAppClients',
  };
}

function reconcilerBaseStatements(fixture: WebhookFixture): unknown[] {
  const logGroup = logicalId(fixture.stack, fixture.webhook.reconciler.logGroup);
  return [
    {
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: `\${${logGroup}.Arn}`,
    },
    {
      Action: ['dynamodb:Scan', 'dynamodb:UpdateItem'],
      Effect: 'Allow',
      Resource: tableArn(fixture),
      Sid: 'ReadLedger',
    },
  ];
}

function reconcilerApiKeyStatements(plans: readonly string[]): unknown[] {
  return [
    { Action: 'apigateway:GET', Effect: 'Allow', Resource: apigw('/apikeys'), Sid: 'ListApiKeys' },
    {
      Action: 'apigateway:DELETE',
      Condition: issuedByWebhook,
      Effect: 'Allow',
      Resource: apigw('/apikeys/*'),
      Sid: 'DeleteWebhookApiKeys',
    },
    {
      Action: 'apigateway:GET',
      Effect: 'Allow',
      Resource: one(plans.map((id) => apigw(`/usageplans/${id}/keys`))),
      Sid: 'ListAllowedUsagePlanKeys',
    },
    {
      Action: 'apigateway:DELETE',
      Effect: 'Allow',
      Resource: one(plans.map((id) => apigw(`/usageplans/${id}/keys/*`))),
      Sid: 'UnbindAllowedUsagePlans',
    },
  ];
}

function reconcilerAppClientStatement(poolArn: string): unknown {
  return {
    Action: [
      'cognito-idp:ListUserPoolClients',
      'cognito-idp:DescribeUserPoolClient',
      'cognito-idp:DeleteUserPoolClient',
    ],
    Effect: 'Allow',
    Resource: poolArn,
    Sid: 'RemoveAppClients',
  };
}

/** Every (action, resource) pair a rendered statement list allows. */
function grants(statements: unknown[]): string[] {
  return (statements as Array<{ Action: string | string[]; Resource: string | string[] }>).flatMap(
    (statement) =>
      [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((r) => `${action} ${r}`)),
  );
}

describe('the webhook role', () => {
  test('may only manage API keys and the allow-listed plans when it issues API keys', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A, PLAN_B] });

    const statements = roleStatements(fixture);

    expect(statements).toEqual([
      ...baseStatements(fixture),
      ...validationStatements(fixture),
      ...apiKeyStatements([PLAN_A, PLAN_B]),
    ]);
  });

  test('gets nothing for validateCredentials when the endpoint is left out', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A, PLAN_B], validationEndpoint: false });

    const statements = roleStatements(fixture);

    expect(statements).toEqual([...baseStatements(fixture), ...apiKeyStatements([PLAN_A, PLAN_B])]);
  });

  test('may query the API-key hash index but never the table itself, nor scan either', () => {
    const fixture = webhookFixture();

    const allowed = grants(roleStatements(fixture)).filter((grant) => grant.startsWith('dynamodb:'));

    expect(allowed.filter((grant) => /dynamodb:(Query|Scan)/.test(grant))).toEqual([
      `dynamodb:Query ${tableArn(fixture)}/index/byApiKeyHash`,
    ]);
  });

  test('reads an existing validator secret by its ARN, and may decrypt it with its key', () => {
    const stack = testStack();
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8091-a2b3c4d5e6f7';
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'Existing', {
      secretPartialArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/validator',
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', keyArn),
    });
    const webhook = new CredentialWebhook(stack, 'Webhook', {
      allowedUsagePlanIds: [PLAN_A],
      validatorSecret: secret,
    });
    const fixture = { stack, webhook, template: Template.fromStack(stack) };

    const statements = roleStatements(fixture) as Array<{ Sid?: string }>;

    expect(
      statements.filter((statement) => statement.Sid !== undefined).map((statement) => statement.Sid),
    ).toEqual([
      'ReadBasicAuthSecret',
      'KeepLedger',
      'ReadValidatorSecret',
      'FindApiKeysByHash',
      ...apiKeyStatements([PLAN_A]).map((statement) => (statement as { Sid: string }).Sid),
    ]);
    expect(statements).toContainEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/validator-??????',
      Sid: 'ReadValidatorSecret',
    });
    expect(statements).toContainEqual({ Action: 'kms:Decrypt', Effect: 'Allow', Resource: keyArn });
  });

  test('may only manage app clients of the created pool when it issues client credentials', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: CREATED_POOL,
    });
    const pool = fixture.webhook.userPool;
    if (pool === undefined) throw new Error('no user pool');

    const statements = roleStatements(fixture);

    expect(statements).toEqual([
      ...baseStatements(fixture),
      ...validationStatements(fixture),
      appClientStatement(`\${${logicalId(fixture.stack, pool)}.Arn}`),
    ]);
  });

  test('may only manage app clients of the imported pool, addressed by its ARN', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: IMPORTED_POOL,
    });

    const statements = roleStatements(fixture);

    expect(statements).toEqual([
      ...baseStatements(fixture),
      ...validationStatements(fixture),
      appClientStatement('arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123'),
    ]);
  });

  test('gets both sets when some APIs get API keys and others client credentials', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
      allowedUsagePlanIds: [PLAN_A],
      clientCredentials: IMPORTED_POOL,
    });

    const statements = roleStatements(fixture);

    expect(statements).toEqual([
      ...baseStatements(fixture),
      ...validationStatements(fixture),
      ...apiKeyStatements([PLAN_A]),
      appClientStatement('arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123'),
    ]);
  });

  test('cannot list API keys: it reads only keys it tagged, one at a time', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A] });

    const allowed = grants(roleStatements(fixture));

    expect(allowed).not.toContain(`apigateway:GET ${apigw('/apikeys')}`);
    expect(allowed).toContain(`apigateway:GET ${apigw('/apikeys/*')}`);
  });

  test('tags new API keys in a Region-agnostic stack, with the Region in the encoded key ARN', () => {
    const stack = new Stack(fastApp(), 'Agnostic');
    new CredentialWebhook(stack, 'Webhook', { allowedUsagePlanIds: [PLAN_A] });

    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        render(policy.Properties.PolicyDocument.Statement) as Array<{ Sid?: string; Resource: unknown }>,
    );

    expect(statements.find((statement) => statement.Sid === 'TagNewApiKeys')?.Resource).toBe(
      `arn:aws:apigateway:\${AWS::Region}::/tags/arn%3Aaws%3Aapigateway%3A\${AWS::Region}%3A%3A%2Fapikeys%2F*`,
    );
  });

  test('has no managed policy and no inline policy besides the one asserted above', () => {
    const fixture = webhookFixture();
    const roleId = logicalId(fixture.stack, handlerRole(fixture.webhook));

    const role = fixture.template.toJSON().Resources[roleId] as { Properties: Record<string, unknown> };

    expect([role.Properties.ManagedPolicyArns, role.Properties.Policies]).toEqual([undefined, undefined]);
  });

  test('grants no wildcard action and no "*" resource anywhere in the stack', () => {
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

  test('reads an imported secret by its ARN with the random suffix Secrets Manager adds', () => {
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

describe('the reconciler role', () => {
  test('may only read the ledger, list keys and remove them and their bindings when keys are issued', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A, PLAN_B] });

    const statements = reconcilerStatements(fixture);

    expect(statements).toEqual([
      ...reconcilerBaseStatements(fixture),
      ...reconcilerApiKeyStatements([PLAN_A, PLAN_B]),
    ]);
  });

  test('gets the same statements with validateCredentials and without it', () => {
    const withEndpoint = webhookFixture({ allowedUsagePlanIds: [PLAN_A] });
    const without = webhookFixture({ allowedUsagePlanIds: [PLAN_A], validationEndpoint: false });

    expect([reconcilerStatements(withEndpoint), reconcilerStatements(without)]).toEqual([
      [...reconcilerBaseStatements(withEndpoint), ...reconcilerApiKeyStatements([PLAN_A])],
      [...reconcilerBaseStatements(without), ...reconcilerApiKeyStatements([PLAN_A])],
    ]);
  });

  test('may only list, describe and delete app clients of the pool when clients are issued', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: CREATED_POOL,
    });
    const pool = fixture.webhook.userPool;
    if (pool === undefined) throw new Error('no user pool');

    const statements = reconcilerStatements(fixture);

    expect(statements).toEqual([
      ...reconcilerBaseStatements(fixture),
      reconcilerAppClientStatement(`\${${logicalId(fixture.stack, pool)}.Arn}`),
    ]);
  });

  test('gets both sets when some APIs get API keys and others client credentials', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
      allowedUsagePlanIds: [PLAN_A],
      clientCredentials: IMPORTED_POOL,
    });

    const statements = reconcilerStatements(fixture);

    expect(statements).toEqual([
      ...reconcilerBaseStatements(fixture),
      ...reconcilerApiKeyStatements([PLAN_A]),
      reconcilerAppClientStatement('arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123'),
    ]);
  });

  test('has no managed policy and no inline policy besides the one asserted above', () => {
    const fixture = webhookFixture();
    const roleId = logicalId(fixture.stack, fixture.webhook.reconciler.role);

    const role = fixture.template.toJSON().Resources[roleId] as { Properties: Record<string, unknown> };

    expect([role.Properties.ManagedPolicyArns, role.Properties.Policies]).toEqual([undefined, undefined]);
  });
});

describe('the tag conditions', () => {
  test('allow every tag key the handler sets on a new key, the ledger marker included', () => {
    const ledgerMarker = { instance: marker.instanceOf('ledger'), ledgerId: marker.newLedgerId() };

    const tags = apiKeyNaming.resourceTags('590d83b5c05f', 'dev@example.com', ledgerMarker);

    expect(Object.keys(tags).sort()).toEqual([...API_KEY_TAG_KEYS].sort());
    expect(tags[MARKER_TAG]).toBe(marker.formatMarker(ledgerMarker));
  });
});
