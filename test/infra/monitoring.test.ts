/** Alarms on failures and throttling, sent to the topic, and the dashboard. */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CredentialWebhook, type CredentialWebhookProps } from '../../lib/credential-webhook';
import { WebhookApi } from '../../lib/webhook-api';
import { WebhookMonitoring, type WebhookMonitoringProps } from '../../lib/webhook-monitoring';
import { logicalId, PLAN_A, render, testStack, webhookFixture } from './support';

interface AlarmProperties {
  Namespace: string;
  MetricName: string;
  Dimensions: Array<{ Name: string; Value: unknown }>;
  Statistic: string;
  Period: number;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData: string;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
}

const WEBHOOK_ALARMS = [
  'lambdaErrorsAlarm',
  'api5xxAlarm',
  'operationFailedAlarm',
  'upstreamThrottledAlarm',
] as const;
/** Alarms on refused requests: each fires on a spike, not on one occurrence. */
const SPIKE_ALARMS = ['authenticationFailedAlarm', 'api4xxAlarm', 'apiThrottledAlarm'] as const;
const RECONCILER_ALARMS = ['reconcileFailedAlarm', 'reconcileDriftAlarm'] as const;
type AlarmName =
  | (typeof WEBHOOK_ALARMS)[number]
  | (typeof SPIKE_ALARMS)[number]
  | (typeof RECONCILER_ALARMS)[number];

function alarmsWithTopic(
  props: Omit<CredentialWebhookProps, 'alarmTopic'> = { allowedUsagePlanIds: [PLAN_A] },
) {
  const stack = testStack();
  const topic = new sns.Topic(stack, 'Topic');
  const webhook = new CredentialWebhook(stack, 'Webhook', { ...props, alarmTopic: topic });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: unknown }>;
  const alarm = (name: AlarmName): AlarmProperties => {
    const created = webhook.monitoring[name];
    if (created === undefined) throw new Error(`no ${name}`);
    return render(resources[logicalId(stack, created)]?.Properties) as AlarmProperties;
  };
  const all = Object.values(resources)
    .filter((resource) => (resource as { Type?: string }).Type === 'AWS::CloudWatch::Alarm')
    .map((resource) => render(resource.Properties) as AlarmProperties);
  return { stack, topic, webhook, alarm, all };
}

const summary = (alarm: AlarmProperties) =>
  `${alarm.Namespace}/${alarm.MetricName} ${alarm.Dimensions.map((dimension) => dimension.Name).join('+')}`;

describe('the webhook alarms', () => {
  test('watch Lambda errors, API 5xx, failed operations and upstream throttling', () => {
    const { alarm } = alarmsWithTopic();

    expect(WEBHOOK_ALARMS.map((name) => summary(alarm(name)))).toEqual([
      'AWS/Lambda/Errors FunctionName',
      'AWS/ApiGateway/5XXError ApiName+Stage',
      'CredentialWebhook/OperationFailed service',
      'CredentialWebhook/UpstreamThrottled service',
    ]);
  });

  test('read the handler metrics under its service dimension, and Lambda errors of the webhook function', () => {
    const { stack, webhook, alarm } = alarmsWithTopic();

    expect(
      [alarm('lambdaErrorsAlarm'), alarm('operationFailedAlarm'), alarm('upstreamThrottledAlarm')].map(
        (found) => found.Dimensions,
      ),
    ).toEqual([
      [{ Name: 'FunctionName', Value: `\${${logicalId(stack, webhook.lambdaFunction)}}` }],
      [{ Name: 'service', Value: 'credential-webhook' }],
      [{ Name: 'service', Value: 'credential-webhook' }],
    ]);
  });

  test('fire on the first occurrence in five minutes, and not when there is no traffic', () => {
    const { alarm } = alarmsWithTopic();

    for (const found of WEBHOOK_ALARMS.map(alarm)) {
      expect([
        found.Statistic,
        found.Period,
        found.EvaluationPeriods,
        found.Threshold,
        found.ComparisonOperator,
        found.TreatMissingData,
      ]).toEqual(['Sum', 300, 1, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching']);
    }
  });

  test('are all there is besides the spike and reconciler alarms', () => {
    const { all } = alarmsWithTopic();

    expect(all).toHaveLength(WEBHOOK_ALARMS.length + SPIKE_ALARMS.length + RECONCILER_ALARMS.length);
  });

  test('notify the topic when they fire and when they recover, the reconciler alarms too', () => {
    const { stack, topic, all } = alarmsWithTopic();
    const topicRef = `\${${logicalId(stack, topic)}}`;

    for (const found of all) {
      expect([found.AlarmActions, found.OKActions]).toEqual([[topicRef], [topicRef]]);
    }
  });

  test('notify nobody without a topic', () => {
    const { template } = webhookFixture();

    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });
});

describe('the refused-request alarms', () => {
  test('fire on 20 failed authentications, 50 API 4xx or 10 throttled requests in five minutes', () => {
    const { stack, webhook, alarm } = alarmsWithTopic();

    expect(
      SPIKE_ALARMS.map(alarm).map((found) => [
        summary(found),
        found.Dimensions.map((dimension) => dimension.Value),
        found.Statistic,
        found.Period,
        found.Threshold,
        found.ComparisonOperator,
        found.TreatMissingData,
      ]),
    ).toEqual([
      [
        'CredentialWebhook/AuthenticationFailed service',
        ['credential-webhook'],
        'Sum',
        300,
        20,
        'GreaterThanOrEqualToThreshold',
        'notBreaching',
      ],
      [
        'AWS/ApiGateway/4XXError ApiName+Stage',
        ['Api', `\${${logicalId(stack, webhook.apiGateway.deploymentStage)}}`],
        'Sum',
        300,
        50,
        'GreaterThanOrEqualToThreshold',
        'notBreaching',
      ],
      [
        'CredentialWebhook/ApiThrottled ApiId',
        [`\${${logicalId(stack, webhook.apiGateway)}}`],
        'Sum',
        300,
        10,
        'GreaterThanOrEqualToThreshold',
        'notBreaching',
      ],
    ]);
  });

  test('take their thresholds from the props', () => {
    const { alarm } = alarmsWithTopic({
      allowedUsagePlanIds: [PLAN_A],
      monitoringOptions: {
        authenticationFailureThreshold: 5,
        clientErrorThreshold: 200,
        throttledRequestThreshold: 3,
      },
    });

    expect(SPIKE_ALARMS.map((name) => alarm(name).Threshold)).toEqual([5, 200, 3]);
  });

  test('count throttled requests from the access log: status 429, by API id', () => {
    const { stack, webhook } = alarmsWithTopic();
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: logicalId(stack, webhook.apiGatewayLogGroup) },
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [
        {
          MetricNamespace: 'CredentialWebhook',
          MetricName: 'ApiThrottled',
          MetricValue: '1',
          Dimensions: [{ Key: 'ApiId', Value: '$.apiId' }],
        },
      ],
    });
  });

  test('refuse a threshold of zero', () => {
    const create = () =>
      alarmsWithTopic({ allowedUsagePlanIds: [PLAN_A], monitoringOptions: { clientErrorThreshold: 0 } });

    expect(create).toThrow(
      'WebhookMonitoring: clientErrorThreshold must be an integer from 1 to 1000000, got 0',
    );
  });
});

describe('the reconciler alarms', () => {
  test('fire when a pass fails: any error of the reconciler function in one schedule interval', () => {
    const { stack, webhook, alarm } = alarmsWithTopic();

    const failed = alarm('reconcileFailedAlarm');

    expect(failed).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: `\${${logicalId(stack, webhook.reconciler.function)}}` }],
      Statistic: 'Sum',
      Period: 600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('fire when two passes in a row find drift, and not when passes report nothing', () => {
    const { alarm } = alarmsWithTopic();

    const drift = alarm('reconcileDriftAlarm');

    expect(drift).toMatchObject({
      Namespace: 'CredentialWebhook',
      MetricName: 'ReconcileDrift',
      Dimensions: [{ Name: 'service', Value: 'credential-reconciler' }],
      Statistic: 'Maximum',
      Period: 600,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('evaluate one pass per period when the schedule changes', () => {
    const { alarm } = alarmsWithTopic({
      allowedUsagePlanIds: [PLAN_A],
      reconcileInterval: Duration.hours(1),
    });

    expect([alarm('reconcileFailedAlarm').Period, alarm('reconcileDriftAlarm').Period]).toEqual([3600, 3600]);
  });
});

describe('the dashboard', () => {
  test('shows the credential operations, failures (authentication included), latency and the reconciler', () => {
    const { template } = webhookFixture();
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));

    const body = JSON.parse(String(render(dashboard?.Properties.DashboardBody))) as {
      widgets: Array<{ properties: { title: string; metrics?: unknown[][]; alarms?: string[] } }>;
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
    expect(metricsOf('Requests')).toMatch(/Count.*4XXError.*ApiThrottled/);
    // Every alarm, the refused-request ones included, is on the status widget.
    expect(
      body.widgets.find((widget) => widget.properties.title === 'Alarms')?.properties.alarms,
    ).toHaveLength(9);
    expect(metricsOf('Reconciler: drift and actions per pass')).toMatch(
      /ReconcileDrift.*ReconcileDeleted.*ReconcileUnbound.*ReconcileMissing/,
    );
    expect(metricsOf('Reconciler: failed passes and duration (ms)')).toMatch(/Errors.*Duration/);
    expect(metricsOf('Credentials validated: valid, invalid')).toMatch(/CredentialValid.*CredentialInvalid/);
  });

  test('graphs the validations under the service dimension, and no validation graph without the endpoint', () => {
    const titles = (props: CredentialWebhookProps) => {
      const [dashboard] = Object.values(
        webhookFixture(props).template.findResources('AWS::CloudWatch::Dashboard'),
      );
      const body = JSON.parse(String(render(dashboard?.Properties.DashboardBody))) as {
        widgets: Array<{ properties: { title: string; metrics?: unknown[][] } }>;
      };
      return body.widgets.map((widget) => widget.properties);
    };

    const validated = titles({ allowedUsagePlanIds: [PLAN_A] }).find(
      (widget) => widget.title === 'Credentials validated: valid, invalid',
    );
    const without = titles({ allowedUsagePlanIds: [PLAN_A], validationEndpoint: false });

    expect(validated?.metrics).toEqual([
      ['CredentialWebhook', 'CredentialValid', 'service', 'credential-webhook', { stat: 'Sum' }],
      ['CredentialWebhook', 'CredentialInvalid', 'service', 'credential-webhook', { stat: 'Sum' }],
    ]);
    expect(without.map((widget) => widget.title)).not.toContain('Credentials validated: valid, invalid');
  });

  test('has no alarm on invalid credentials: refusing one is the answer a backend asked for', () => {
    const { all } = alarmsWithTopic();

    expect(all.map((alarm) => alarm.MetricName)).not.toContain('CredentialInvalid');
  });
});

describe('the monitoring props', () => {
  /** Monitoring of a bare function and API, with the props under test. */
  const monitoringWith = (props: Partial<WebhookMonitoringProps>) => {
    const stack = testStack();
    const handler = lambda.Function.fromFunctionName(stack, 'Fn', 'webhook');
    const api = new WebhookApi(stack, 'Api', { handler });
    return () =>
      new WebhookMonitoring(stack, 'Monitoring', {
        function: handler,
        restApi: api.restApi,
        stageName: 'prod',
        ...props,
      });
  };

  test('refuse a period that is not whole minutes', () => {
    const create = monitoringWith({ period: Duration.seconds(90) });

    expect(create).toThrow(
      'WebhookMonitoring: period must be a whole number of minutes, got 1 minute 30 seconds',
    );
  });

  test('refuse a throttling threshold without the access log to count from', () => {
    const create = monitoringWith({ throttledRequestThreshold: 5 });

    expect(create).toThrow('WebhookMonitoring: throttledRequestThreshold needs accessLogGroup');
  });
});
