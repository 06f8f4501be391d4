/** The deployable stack: the outputs an operator pastes into the Portal, and the alarm topic. */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CredentialWebhookStack, type CredentialWebhookStackProps } from '../../lib/credential-webhook-stack';
import { CREATED_POOL, createdDomain, fastApp, logicalId, PLAN_A, render, TEST_ENV } from './support';

function stackFixture(props: Partial<CredentialWebhookStackProps> = {}) {
  const stack = new CredentialWebhookStack(fastApp(), 'CredentialWebhook', {
    env: TEST_ENV,
    webhook: { allowedUsagePlanIds: [PLAN_A] },
    ...props,
  });
  const template = Template.fromStack(stack);
  const outputs = Object.fromEntries(
    Object.entries(template.findOutputs('*')).map(([name, output]) => [name, render(output.Value)]),
  );
  return { stack, template, outputs };
}

describe('the stack outputs', () => {
  test('give the webhook URL, its health URL and how to read the Basic credentials', () => {
    const { stack, outputs } = stackFixture();
    const api = `\${${logicalId(stack, stack.webhook.apiGateway)}}`;
    const secret = `\${${logicalId(stack, stack.webhook.secret)}}`;

    expect(outputs).toMatchObject({
      WebhookBaseUrl: `https://${api}.execute-api.us-east-1.\${AWS::URLSuffix}/prod`,
      HealthCheckUrl: `https://${api}.execute-api.us-east-1.\${AWS::URLSuffix}/prod/v1/health`,
      BasicAuthSecretArn: secret,
      GetBasicAuthCommand: `aws secretsmanager get-secret-value --secret-id ${secret} --region us-east-1 --query SecretString --output text`,
    });
  });

  test('give the validateCredentials secret and how to read it', () => {
    const { stack, outputs } = stackFixture();
    const validator = stack.webhook.validatorSecret;
    if (validator === undefined) throw new Error('no validator secret');
    const secret = `\${${logicalId(stack, validator)}}`;

    expect(outputs).toMatchObject({
      ValidatorSecretArn: secret,
      GetValidatorAuthCommand: `aws secretsmanager get-secret-value --secret-id ${secret} --region us-east-1 --query SecretString --output text`,
    });
  });

  test('give an existing validateCredentials secret', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-validator-AbCdEf';
    const app = fastApp();
    const shared = new Stack(app, 'Shared', { env: TEST_ENV });
    const stack = new CredentialWebhookStack(app, 'WithValidator', {
      env: TEST_ENV,
      webhook: {
        allowedUsagePlanIds: [PLAN_A],
        validatorSecret: secretsmanager.Secret.fromSecretCompleteArn(shared, 'Validator', arn),
      },
    });

    const outputs = Template.fromStack(stack).findOutputs('*');

    expect(outputs.ValidatorSecretArn?.Value).toBe(arn);
  });

  test('leave out the validateCredentials secret when the endpoint is left out', () => {
    const { outputs } = stackFixture({
      webhook: { allowedUsagePlanIds: [PLAN_A], validationEndpoint: false },
    });

    expect(
      Object.keys(outputs).filter((name) => ['ValidatorSecretArn', 'GetValidatorAuthCommand'].includes(name)),
    ).toEqual([]);
  });

  test('point at the alarm topic and the dashboard', () => {
    const { stack, outputs } = stackFixture();

    expect(outputs).toMatchObject({
      AlarmTopicArn: `\${${logicalId(stack, stack.alarmTopic)}}`,
      DashboardUrl: `https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=\${${logicalId(stack, stack.webhook.monitoring.dashboard)}}`,
    });
  });

  test('leave out the token endpoint when only API keys are issued', () => {
    const { outputs } = stackFixture();

    expect(Object.keys(outputs).filter((name) => ['TokenEndpoint', 'UserPoolId'].includes(name))).toEqual([]);
  });

  test('give the token endpoint and pool id when client credentials are issued', () => {
    const { stack, outputs } = stackFixture({
      webhook: { defaultCredentialType: 'CLIENT_CREDENTIALS', clientCredentials: CREATED_POOL },
    });
    const pool = stack.webhook.userPool;
    if (pool === undefined) throw new Error('no user pool');

    expect(outputs).toMatchObject({
      TokenEndpoint: `https://\${${logicalId(stack, createdDomain(stack.webhook))}}.auth.us-east-1.amazoncognito.com/oauth2/token`,
      UserPoolId: `\${${logicalId(stack, pool)}}`,
    });
  });
});

describe('the alarm topic', () => {
  test('only accepts publishers over TLS', () => {
    const { template } = stackFixture();

    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('mails the alarm address', () => {
    const { template } = stackFixture({ alarmEmail: 'oncall@example.com' });

    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  test('is not created when the webhook is given a topic', () => {
    const app = fastApp();
    const topic = sns.Topic.fromTopicArn(
      new Stack(app, 'Ops', { env: TEST_ENV }),
      'Shared',
      'arn:aws:sns:us-east-1:123456789012:ops',
    );
    const stack = new CredentialWebhookStack(app, 'WithTopic', {
      env: TEST_ENV,
      webhook: { allowedUsagePlanIds: [PLAN_A], alarmTopic: topic },
    });

    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('refuses an alarm address that is not one', () => {
    const create = () => stackFixture({ alarmEmail: 'oncall' });

    expect(create).toThrow('CredentialWebhookStack: alarmEmail must be an e-mail address, got "oncall"');
  });
});
