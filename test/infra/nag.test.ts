/**
 * cdk-nag's AwsSolutions checks on every deployment shape: no finding is left unacknowledged, and
 * every acknowledgment says why.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { CredentialWebhookStack, type CredentialWebhookStackProps } from '../../lib/credential-webhook-stack';
import { CREATED_POOL, EVERY_OPTION, fastApp, IMPORTED_POOL, PLAN_A, PLAN_B, TEST_ENV } from './support';

function nagStack(props: CredentialWebhookStackProps): CredentialWebhookStack {
  return new CredentialWebhookStack(fastApp(), 'CredentialWebhook', { env: TEST_ENV, ...props });
}

/** "rule (severity) at construct path" for every finding cdk-nag reports. */
function findings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(scope);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map(
      (resource) => `${violation.ruleName} (${violation.severity}) at ${resource.constructPath}`,
    ),
  );
}

describe('the AwsSolutions checks', () => {
  test('find nothing unacknowledged when the webhook issues API keys', () => {
    const stack = nagStack({ webhook: { allowedUsagePlanIds: [PLAN_A, PLAN_B] } });

    expect(findings(stack)).toEqual([]);
  });

  test('need no WAF acknowledgment when the stack creates its web ACL', () => {
    const stack = nagStack({ webhook: { allowedUsagePlanIds: [PLAN_A] } });

    const acknowledged = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>));

    expect(acknowledged.filter((rule) => rule.startsWith('AwsSolutions-APIG3'))).toEqual([]);
    expect(findings(stack)).toEqual([]);
  });

  test('find nothing unacknowledged with WAF turned off (acknowledged, with the reason)', () => {
    const stack = nagStack({
      webhook: { allowedUsagePlanIds: [PLAN_A], apiOptions: { createWebAcl: false } },
    });

    expect(findings(stack)).toEqual([]);
  });

  test('report a stage without WAF unless it was turned off on purpose', () => {
    const stack = nagStack({ webhook: { allowedUsagePlanIds: [PLAN_A] } });
    // The web ACL is a sibling of the RestApi, in the WebhookApi construct.
    stack.webhook.apiGateway.node.scope?.node.tryRemoveChild('WebAcl');

    expect(findings(stack)).toEqual([
      `AwsSolutions-APIG3 (warning) at ${stack.webhook.apiGateway.deploymentStage.node.path}/Resource`,
    ]);
  });

  test('find nothing unacknowledged with a created pool, the logging role, source CIDRs and WAF', () => {
    const stack = nagStack(EVERY_OPTION);

    expect(findings(stack)).toEqual([]);
  });

  test('find nothing unacknowledged with an imported pool and existing secrets', () => {
    const app = fastApp();
    const shared = new Stack(app, 'Shared', { env: TEST_ENV });
    const stack = new CredentialWebhookStack(app, 'CredentialWebhook', {
      env: TEST_ENV,
      webhook: {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        clientCredentials: IMPORTED_POOL,
        basicAuthSecret: secretsmanager.Secret.fromSecretNameV2(shared, 'Secret', 'team/webhook-basic'),
        validatorSecret: secretsmanager.Secret.fromSecretNameV2(
          shared,
          'Validator',
          'team/webhook-validator',
        ),
      },
    });

    expect(findings(stack)).toEqual([]);
  });

  test('find nothing unacknowledged without validateCredentials', () => {
    const stack = nagStack({ webhook: { allowedUsagePlanIds: [PLAN_A], validationEndpoint: false } });

    expect(findings(stack)).toEqual([]);
  });

  test("acknowledge the validateCredentials secret's manual rotation on that secret, with the reason", () => {
    const stack = nagStack({ webhook: { allowedUsagePlanIds: [PLAN_A] } });
    const validator = stack.webhook.validatorSecret;
    if (validator === undefined) throw new Error('no validator secret');

    const acknowledged = validator.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.keys(entry.data as Record<string, string>));

    expect(acknowledged).toEqual([expect.stringMatching(/AwsSolutions-SMG4$/)]);
  });

  test('find nothing unacknowledged in a Region-agnostic stack (as `cdk synth` without a Region)', () => {
    const stack = new CredentialWebhookStack(fastApp(), 'CredentialWebhook', {
      webhook: { allowedUsagePlanIds: [PLAN_A, PLAN_B] },
    });

    expect(findings(stack)).toEqual([]);
  });

  test('do see the stack: an unprotected topic added to it is reported', () => {
    const stack = nagStack({ webhook: { allowedUsagePlanIds: [PLAN_A] } });
    new sns.Topic(stack, 'Unprotected');

    expect(findings(stack)).toEqual(['AwsSolutions-SNS3 (error) at CredentialWebhook/Unprotected/Resource']);
  });

  test('are acknowledged only with a reason of a sentence or more', () => {
    const stack = nagStack({
      webhook: {
        defaultCredentialType: 'CLIENT_CREDENTIALS',
        apiCredentialTypes: { a1b2c3d4e5: 'API_KEY' },
        allowedUsagePlanIds: [PLAN_A],
        clientCredentials: CREATED_POOL,
        apiOptions: { cloudWatchRole: true },
      },
    });

    const reasons = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.values(entry.data as Record<string, string>));

    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.filter((reason) => reason.length < 60)).toEqual([]);
  });
});
