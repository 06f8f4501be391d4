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

/** A deployable stack around one CredentialWebhook, configured by typed props (bin/ reads them from context). */
export class CredentialWebhookStack extends Stack {
  /** The webhook construct, whose parts (lambdaFunction, apiGateway, secret, table, ...) it exposes. */
  readonly webhook: CredentialWebhook;
  /** The topic the alarms notify: the one passed in webhook.alarmTopic, or the stack's own. */
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

    const secretArn = this.webhook.secret.secretArn;
    this.output(
      'WebhookBaseUrl',
      'Webhook URL for the Sensedia Portal (it calls <url>/v1/createCredentials and the other routes)',
      this.webhook.baseUrl,
    );
    this.output(
      'HealthCheckUrl',
      'GET with the Basic credentials: 204 when the webhook is up',
      `${this.webhook.baseUrl}/v1/health`,
    );
    this.output(
      'BasicAuthSecretArn',
      'Secrets Manager secret with the Basic username and password for the Portal',
      secretArn,
    );
    this.output(
      'GetBasicAuthCommand',
      'Prints {"username","password"} for the Portal',
      this.readCommand(secretArn),
    );
    const validatorSecret = this.webhook.validatorSecret;
    if (validatorSecret !== undefined) {
      this.output(
        'ValidatorSecretArn',
        'Secrets Manager secret with the Basic username and password for callers of /v1/validateCredentials',
        validatorSecret.secretArn,
      );
      this.output(
        'GetValidatorAuthCommand',
        'Prints {"username","password"} for the backends that call /v1/validateCredentials',
        this.readCommand(validatorSecret.secretArn),
      );
    }
    if (this.webhook.tokenUrl !== undefined && this.webhook.userPool !== undefined) {
      this.output(
        'TokenEndpoint',
        'Where developers exchange client id and secret for an access token (client_credentials grant)',
        this.webhook.tokenUrl,
      );
      this.output(
        'UserPoolId',
        'User pool the app clients are created in (for the Cognito authorizers of your APIs)',
        this.webhook.userPool.userPoolId,
      );
    }
    this.output(
      'AlarmTopicArn',
      'SNS topic the alarms notify; subscribe your on-call channel',
      this.alarmTopic.topicArn,
    );
    this.output(
      'DashboardUrl',
      'CloudWatch dashboard of the webhook',
      `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.webhook.monitoring.dashboard.dashboardName}`,
    );
  }

  /** The AWS CLI command that prints a secret's value. */
  private readCommand(secretArn: string): string {
    return `aws secretsmanager get-secret-value --secret-id ${secretArn} --region ${this.region} --query SecretString --output text`;
  }

  /** An output for the operator; the id is its name in `cdk deploy`'s output. */
  private output(id: string, description: string, value: string): void {
    new CfnOutput(this, id, { description, value });
  }
}
