/**
 * The CDK app: one CredentialWebhookStack configured from context (cdk.json, `-c key=value`).
 * cdk-nag's AwsSolutions checks run on every synth; an unacknowledged finding stops it.
 */
import { Annotations, App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CredentialWebhookStack } from '../lib';
import { PLACEHOLDER_USAGE_PLAN_ID, readAppConfig } from './context';

const app = new App();
const config = readAppConfig(app.node);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

const stack = new CredentialWebhookStack(app, config.stackName, {
  ...config.stackProps,
  description: 'Credential webhook for the Sensedia Developer Portal (API keys and Cognito app clients)',
  // Unset offline: the stack then synthesizes Region-agnostic; `cdk deploy` sets both.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
if (config.usesPlaceholderUsagePlan) {
  Annotations.of(stack).addWarningV2(
    'credential-webhook:placeholderUsagePlan',
    `allowedUsagePlanIds is still the placeholder ${PLACEHOLDER_USAGE_PLAN_ID}: the webhook will refuse every ` +
      'usage plan. Set your plan ids in cdk.json or with -c allowedUsagePlanIds=id1,id2 before deploying.',
  );
}
