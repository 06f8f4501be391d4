/**
 * The deployable stack: the CredentialWebhook construct, an SNS topic for its alarms, and the
 * outputs an operator pastes into the Sensedia Portal.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { CredentialWebhook, type CredentialWebhookProps } from './credential-webhook';
import { InvalidPropsError } from './validation';

export interface CredentialWebhookStackProps extends StackProps {
  /** The webhook's configuration (with an alarmTopic, the stack creates no topic of its own). */
  readonly webhook: CredentialWebhookProps;
  /**
   * E-mail address subscribed to the alarm topic (AWS sends a confirmation first).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class CredentialWebhookStack extends Stack {
  readonly webhook: CredentialWebhook;
  readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: CredentialWebhookStackProps) {
    super(scope, id, props);
    if (props.alarmEmail !== undefined && !EMAIL.test(props.alarmEmail)) {
      throw new InvalidPropsError(
        'CredentialWebhookStack',
        `alarmEmail must be an e-mail address, got "${props.alarmEmail}"`,
      );
    }
    this.alarmTopic =
      props.webhook.alarmTopic ??
      new sns.Topic(this, 'AlarmTopic', { displayName: 'Credential webhook alarms', enforceSSL: true });
    if (props.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    this.webhook = new CredentialWebhook(this, 'Webhook', { ...props.webhook, alarmTopic: this.alarmTopic });

    const secretArn = this.webhook.basicAuthSecret.secretArn;
    new CfnOutput(this, 'WebhookBaseUrl', {
      description:
        'Webhook URL for the Sensedia Portal (it calls <url>/v1/createCredentials and the other routes)',
      value: this.webhook.baseUrl,
    });
    new CfnOutput(this, 'HealthCheckUrl', {
      description: 'GET with the Basic credentials: 204 when the webhook is up',
      value: `${this.webhook.baseUrl}/v1/health`,
    });
    new CfnOutput(this, 'BasicAuthSecretArn', {
      description: 'Secrets Manager secret with the Basic username and password for the Portal',
      value: secretArn,
    });
    new CfnOutput(this, 'GetBasicAuthCommand', {
      description: 'Prints {"username","password"} for the Portal',
      value: `aws secretsmanager get-secret-value --secret-id ${secretArn} --region ${this.region} --query SecretString --output text`,
    });
    if (this.webhook.tokenUrl !== undefined && this.webhook.userPool !== undefined) {
      new CfnOutput(this, 'TokenEndpoint', {
        description:
          'Where developers exchange client id and secret for an access token (client_credentials grant)',
        value: this.webhook.tokenUrl,
      });
      new CfnOutput(this, 'UserPoolId', {
        description: 'User pool the app clients are created in (for the Cognito authorizers of your APIs)',
        value: this.webhook.userPool.userPoolId,
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic the alarms notify; subscribe your on-call channel',
      value: this.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'CloudWatch dashboard of the webhook',
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.webhook.monitoring.dashboard.dashboardName}`,
    });
  }
}
