/**
 * Helpers for the infrastructure tests: a fast App (no bundling, no CloudFormation validation: the
 * validation's WASM module costs about 1.4 s a synth; one full synth runs in synth.test.ts), small
 * stack factories, and `render`, which turns CloudFormation intrinsics into
 * readable text so IAM statements can be asserted exactly.
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { CredentialWebhook, type CredentialWebhookProps, type CredentialWebhookStackProps } from '../../lib';

export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

/** Usage plan ids used across the tests (shaped like API Gateway's). */
export const PLAN_A = 'plan1a';
export const PLAN_B = 'plan2b';

/** An App whose stacks synthesize in milliseconds: assets are not bundled, templates not validated. */
export function fastApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}

export function testStack(): Stack {
  return new Stack(fastApp(), 'Test', { env: TEST_ENV });
}

export interface WebhookFixture {
  readonly stack: Stack;
  readonly webhook: CredentialWebhook;
  readonly template: Template;
}

/** A stack holding one CredentialWebhook (API keys for PLAN_A unless the props say otherwise). */
export function webhookFixture(
  props: CredentialWebhookProps = { allowedUsagePlanIds: [PLAN_A] },
): WebhookFixture {
  const stack = testStack();
  const webhook = new CredentialWebhook(stack, 'Webhook', props);
  return { stack, webhook, template: Template.fromStack(stack) };
}

/** A created pool with a resource server "orders" and scopes read/write. */
export const CREATED_POOL = {
  createUserPool: true,
  domainPrefix: 'example-webhook',
  resourceServerIdentifier: 'orders',
  scopes: ['read', 'write'],
} as const;

/** An existing pool imported by id, with its domain prefix and the scopes its clients get. */
export const IMPORTED_POOL = {
  userPoolId: 'us-east-1_AbC123',
  domainPrefix: 'existing-auth',
  defaultScopes: ['orders-api/read'],
} as const;

/** The logical id CloudFormation gives a construct's resource. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return stack.getLogicalId(resource as CfnElement);
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Renders intrinsics as text: Ref AWS::Partition -> "aws", other pseudo parameters and resource
 * Refs -> "${Name}", GetAtt -> "${Resource.Attribute}", Fn::Join -> the joined text.
 */
export function render(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(render);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first !== undefined) {
    const [key, argument] = first;
    if (key === 'Ref') return argument === 'AWS::Partition' ? 'aws' : `\${${String(argument)}}`;
    if (key === 'Fn::GetAtt' && Array.isArray(argument)) return `\${${argument.join('.')}}`;
    if (key === 'Fn::Join' && Array.isArray(argument)) {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => String(render(part))).join(separator);
    }
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, render(inner)]));
}

/** The one resource of a type, by logical id and properties. */
export function onlyResource(
  template: Template,
  type: string,
): { id: string; properties: Record<string, Json> } {
  const resources = Object.entries(template.findResources(type));
  if (resources.length !== 1) throw new Error(`expected one ${type}, found ${resources.length}`);
  const [[id, resource]] = resources as [[string, { Properties?: Record<string, Json> }]];
  return { id, properties: resource.Properties ?? {} };
}

/** The properties of a construct's resource, as the template has them. */
export function propertiesOf(fixture: WebhookFixture, construct: IConstruct): Record<string, Json> {
  const resource = fixture.template.toJSON().Resources[logicalId(fixture.stack, construct)] as
    | { Properties?: Record<string, Json> }
    | undefined;
  if (resource === undefined) throw new Error(`${construct.node.path} has no resource in the template`);
  return resource.Properties ?? {};
}

/** The rendered statements of the resource policy on a created secret, by the secret's logical id. */
export function secretPolicies(template: Template): Record<string, unknown[]> {
  const policies = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy')).map(
    (policy) => render(policy.Properties) as { SecretId: string; ResourcePolicy: { Statement: unknown[] } },
  );
  return Object.fromEntries(
    policies.map((policy) => [
      policy.SecretId.replace(/^\$\{(.*)\}$/, '$1'),
      policy.ResourcePolicy.Statement,
    ]),
  );
}

/** The webhook function's execution role (the construct always gives it one). */
export function handlerRole(webhook: CredentialWebhook): iam.IRole {
  const role = webhook.lambdaFunction.role;
  if (role === undefined) throw new Error('the webhook function has no role');
  return role;
}

/** The Cognito domain of a webhook's created user pool. */
export function createdDomain(webhook: CredentialWebhook): cognito.UserPoolDomain {
  const domain = webhook.node.findAll().find((child) => child instanceof cognito.UserPoolDomain);
  if (!(domain instanceof cognito.UserPoolDomain)) throw new Error('no created user pool domain');
  return domain;
}

/** The statements of the webhook function role's (only) policy, rendered. */
export function roleStatements(fixture: WebhookFixture): unknown[] {
  return policyStatements(fixture, handlerRole(fixture.webhook));
}

/** The statements of the reconciler role's (only) policy, rendered. */
export function reconcilerStatements(fixture: WebhookFixture): unknown[] {
  return policyStatements(fixture, fixture.webhook.reconciler.role);
}

function policyStatements(fixture: WebhookFixture, role: iam.IRole): unknown[] {
  const roleId = logicalId(fixture.stack, role);
  const policies = Object.values(fixture.template.findResources('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(roleId),
  );
  if (policies.length !== 1) throw new Error(`expected one policy on the role, found ${policies.length}`);
  const [policy] = policies as [{ Properties: { PolicyDocument: { Statement: unknown[] } } }];
  return render(policy.Properties.PolicyDocument.Statement) as unknown[];
}

/** The webhook function's environment variables, rendered. */
export function functionEnvironment(fixture: WebhookFixture): Record<string, string> {
  return environmentOf(fixture, fixture.webhook.lambdaFunction);
}

/** The reconciler function's environment variables, rendered. */
export function reconcilerEnvironment(fixture: WebhookFixture): Record<string, string> {
  return environmentOf(fixture, fixture.webhook.reconciler.function);
}

function environmentOf(fixture: WebhookFixture, fn: lambda.IFunction): Record<string, string> {
  const resource = fixture.template.toJSON().Resources[logicalId(fixture.stack, fn)] as {
    Properties: { Environment: { Variables: unknown } };
  };
  return render(resource.Properties.Environment.Variables) as Record<string, string>;
}

/** Stack props with every option on: client credentials with a created pool, a per-API override,
 * alarm e-mail, API Gateway's logging role, source CIDRs and WAF. */
export const EVERY_OPTION = {
  alarmEmail: 'oncall@example.com',
  webhook: {
    defaultCredentialType: 'CLIENT_CREDENTIALS',
    apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
    allowedUsagePlanIds: [PLAN_A],
    clientCredentials: CREATED_POOL,
    apiOptions: {
      cloudWatchRole: true,
      allowedSourceCidrs: ['203.0.113.0/24'],
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/portal/0123abcd',
    },
  },
} satisfies Omit<CredentialWebhookStackProps, 'env'>;

/**
 * A rendered environment as the function sees it once deployed: each `${LogicalId}` reference
 * becomes a stand-in name shaped like the one CloudFormation generates.
 */
export function deployedEnvironment(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      value.replace(/\$\{([A-Za-z0-9]+)\}/g, (_reference, id: string) => `Stack-${id}`),
    ]),
  );
}
