/** Alarms on failures and throttling, sent to the topic, and the dashboard. */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CredentialWebhook } from '../../lib/credential-webhook';
import { WebhookApi } from '../../lib/webhook-api';
import { WebhookMonitoring } from '../../lib/webhook-monitoring';
import { logicalId, PLAN_A, render, testStack, webhookFixture } from './support';

interface AlarmProperties {
  Namespace: string;
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: unknown }>;
  Statistic: string;
  Period: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
}

function alarmsWithTopic() {
  const stack = testStack();
  const topic = new sns.Topic(stack, 'Topic');
  new CredentialWebhook(stack, 'Webhook', { allowedUsagePlanIds: [PLAN_A], alarmTopic: topic });
  const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => render(alarm.Properties) as AlarmProperties,
  );
  return { stack, topic, alarms };
}

const summary = (alarm: AlarmProperties) =>
  `${alarm.Namespace}/${alarm.MetricName} ${alarm.Dimensions.map((dimension) => dimension.Name).join('+')}`;

describe('the webhook alarms', () => {
  it('watch Lambda errors, API 5xx, failed operations and upstream throttling', () => {
    const { alarms } = alarmsWithTopic();

    expect(alarms.map(summary).sort()).toEqual([
      'AWS/ApiGateway/5XXError ApiName+Stage',
      'AWS/Lambda/Errors FunctionName',
      'CredentialWebhook/OperationFailed service',
      'CredentialWebhook/UpstreamThrottled service',
    ]);
  });

  it('read the handler metrics under its service dimension', () => {
    const { alarms } = alarmsWithTopic();

    const custom = alarms.filter((alarm) => alarm.Namespace === 'CredentialWebhook');

    expect(custom.map((alarm) => alarm.Dimensions)).toEqual([
      [{ Name: 'service', Value: 'credential-webhook' }],
      [{ Name: 'service', Value: 'credential-webhook' }],
    ]);
  });

  it('fire on the first occurrence in five minutes, and not when there is no traffic', () => {
    const { alarms } = alarmsWithTopic();

    for (const alarm of alarms) {
      expect([
        alarm.Statistic,
        alarm.Period,
        alarm.Threshold,
        alarm.ComparisonOperator,
        alarm.TreatMissingData,
      ]).toEqual(['Sum', 300, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching']);
    }
  });

  it('notify the topic when they fire and when they recover', () => {
    const { stack, topic, alarms } = alarmsWithTopic();
    const topicRef = `\${${logicalId(stack, topic)}}`;

    for (const alarm of alarms) {
      expect([alarm.AlarmActions, alarm.OKActions]).toEqual([[topicRef], [topicRef]]);
    }
  });

  it('notify nobody without a topic', () => {
    const { template } = webhookFixture();

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });
});

describe('the dashboard', () => {
  it('shows the credential operations, failures (authentication included) and latency', () => {
    const { template } = webhookFixture();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));

    const body = JSON.parse(String(render(dashboard?.Properties.DashboardBody))) as {
      widgets: Array<{ properties: { title: string; metrics?: unknown[][] } }>;
    };
    const metricsOf = (title: string) =>
      JSON.stringify(body.widgets.find((widget) => widget.properties.title === title)?.properties.metrics);

    expect(metricsOf('Credentials issued, updated, revoked')).toMatch(
      /CredentialIssued.*CredentialUpdated.*CredentialRevoked/,
    );
    expect(metricsOf('Failures')).toMatch(
      /OperationFailed.*UpstreamThrottled.*Errors.*5XXError.*AuthenticationFailed/,
    );
    expect(metricsOf('API latency (ms)')).toMatch(/Latency.*p50.*Latency.*p99/);
  });
});

describe('the monitoring props', () => {
  it('refuse a period that is not whole minutes', () => {
    const stack = testStack();
    const handler = lambda.Function.fromFunctionName(stack, 'Fn', 'webhook');
    const api = new WebhookApi(stack, 'Api', { handler });

    const create = () =>
      new WebhookMonitoring(stack, 'Monitoring', {
        function: handler,
        restApi: api.restApi,
        stageName: 'prod',
        period: Duration.seconds(90),
      });

    expect(create).toThrow(
      'WebhookMonitoring: period must be a whole number of minutes, got 1 minute 30 seconds',
    );
  });
});
