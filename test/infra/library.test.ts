/**
 * The library as another team uses it: everything comes from lib/index.ts, and a webhook built in a
 * fresh stack exposes its parts under the AWS Solutions Constructs names, wired to each other.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  BasicAuthSecret,
  ClientCredentialsPool,
  CredentialLedgerTable,
  CredentialPermissions,
  CredentialReconciler,
  CredentialWebhook,
  type CredentialWebhookProps,
  InvalidPropsError,
  ReconcilerPermissions,
  WebhookApi,
  WebhookFunction,
  WebhookMonitoring,
} from '../../lib';
import { CREATED_POOL, logicalId, PLAN_A, TEST_ENV } from './support';

/** A consumer's own app and stack; bundling is skipped so the test stays fast. */
function consumerStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'ConsumerStack', { env: TEST_ENV });
}

describe('the library entry point', () => {
  test('builds a webhook whose function reads the exposed table and secret and serves the exposed API', () => {
    const stack = consumerStack();
    const props: CredentialWebhookProps = { allowedUsagePlanIds: [PLAN_A] };
    const webhook = new CredentialWebhook(stack, 'Webhook', props);
    const template = Template.fromStack(stack);
    const functionId = logicalId(stack, webhook.lambdaFunction);

    const fn = template.toJSON().Resources[functionId] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };

    expect(fn.Properties.Environment.Variables).toMatchObject({
      LEDGER_TABLE: { Ref: logicalId(stack, webhook.table) },
      WEBHOOK_SECRET_ARN: { Ref: logicalId(stack, webhook.secret) },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ Ref: logicalId(stack, webhook.apiGateway) }])],
      }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack, webhook.apiGatewayLogGroup), 'Arn'] },
      }),
    });
    expect(webhook.userPool).toBeUndefined();
  });

  test('exposes the created user pool and builds from the exported per-concern constructs', () => {
    const webhook = new CredentialWebhook(consumerStack(), 'Webhook', {
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: CREATED_POOL,
    });
    const child = (id: string) => webhook.node.findChild(id);

    expect(child('UserPool')).toBeInstanceOf(ClientCredentialsPool);
    expect(webhook.userPool).toBe((child('UserPool') as ClientCredentialsPool).userPool);
    expect(child('Function')).toBeInstanceOf(WebhookFunction);
    expect(child('Api')).toBeInstanceOf(WebhookApi);
    expect(child('BasicAuth')).toBeInstanceOf(BasicAuthSecret);
    expect(child('ValidatorAuth')).toBeInstanceOf(BasicAuthSecret);
    expect(webhook.validatorSecret).toBe((child('ValidatorAuth') as BasicAuthSecret).secret);
    expect(child('Idempotency')).toBeInstanceOf(CredentialLedgerTable);
    expect(webhook.permissions).toBeInstanceOf(CredentialPermissions);
    expect(webhook.reconciler).toBeInstanceOf(CredentialReconciler);
    expect(webhook.reconcilerPermissions).toBeInstanceOf(ReconcilerPermissions);
    expect(webhook.monitoring).toBeInstanceOf(WebhookMonitoring);
  });

  test('refuses contradicting props with the exported error type', () => {
    expect(() => new CredentialWebhook(consumerStack(), 'Webhook', {})).toThrow(InvalidPropsError);
  });
});
