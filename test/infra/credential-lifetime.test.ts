/**
 * Credential lifetimes in the CDK: the construct's props in days become the webhook function's
 * CREDENTIAL_LIFETIME_SECONDS / API_CREDENTIAL_LIFETIMES (which lambda/config.ts accepts), bad
 * values fail synth naming the prop, and the app's context keys set the props.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ContextError, readAppConfig } from '../../bin/context';
import { loadConfig } from '../../lambda/config';
import type { CredentialWebhookProps } from '../../lib/credential-webhook';
import { CredentialWebhookStack } from '../../lib/credential-webhook-stack';
import {
  deployedEnvironment,
  functionEnvironment,
  IMPORTED_POOL,
  PLAN_A,
  reconcilerEnvironment,
  TEST_ENV,
  webhookFixture,
} from './support';

const DAY = 86_400;

describe('the construct props', () => {
  test('credentialLifetimeDays sets CREDENTIAL_LIFETIME_SECONDS, which the handler accepts', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A], credentialLifetimeDays: 90 });

    const environment = functionEnvironment(fixture);

    expect(environment.CREDENTIAL_LIFETIME_SECONDS).toBe(String(90 * DAY));
    expect(
      loadConfig(deployedEnvironment(environment), { deployed: true }).credentialLifetimes?.defaultSeconds,
    ).toBe(90 * DAY);
  });

  test('apiCredentialLifetimeDays sets API_CREDENTIAL_LIFETIMES in seconds, "never" kept', () => {
    const fixture = webhookFixture({
      allowedUsagePlanIds: [PLAN_A],
      apiCredentialLifetimeDays: { a1b2c3d4e5: 30, f6g7h8i9j0: 'never' },
    });

    const environment = functionEnvironment(fixture);

    expect(JSON.parse(environment.API_CREDENTIAL_LIFETIMES ?? '')).toEqual({
      a1b2c3d4e5: 30 * DAY,
      f6g7h8i9j0: 'never',
    });
    expect(loadConfig(deployedEnvironment(environment), { deployed: true }).credentialLifetimes).toEqual({
      defaultSeconds: undefined,
      byApi: new Map<string, number | 'never'>([
        ['a1b2c3d4e5', 30 * DAY],
        ['f6g7h8i9j0', 'never'],
      ]),
    });
  });

  test('a lifetime for client credentials is accepted by the handler too', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: IMPORTED_POOL,
      credentialLifetimeDays: 1,
    });

    const config = loadConfig(deployedEnvironment(functionEnvironment(fixture)), { deployed: true });

    expect(config.credentialLifetimes?.defaultSeconds).toBe(DAY);
  });

  test('without them, no lifetime variable is set: credentials never expire', () => {
    const environment = functionEnvironment(webhookFixture());

    expect(Object.keys(environment).filter((name) => name.includes('LIFETIME'))).toEqual([]);
  });

  test('are the webhook’s alone: the reconciler reads each expiry from the ledger', () => {
    const fixture = webhookFixture({ allowedUsagePlanIds: [PLAN_A], credentialLifetimeDays: 90 });

    expect(Object.keys(reconcilerEnvironment(fixture)).filter((name) => name.includes('LIFETIME'))).toEqual(
      [],
    );
  });

  test.each<[string, CredentialWebhookProps, string]>([
    [
      'zero days',
      { credentialLifetimeDays: 0 },
      'credentialLifetimeDays must be an integer from 1 to 3650, got 0',
    ],
    [
      'a fraction of a day',
      { credentialLifetimeDays: 1.5 },
      'credentialLifetimeDays must be an integer from 1 to 3650, got 1.5',
    ],
    [
      'more than ten years',
      { credentialLifetimeDays: 3651 },
      'credentialLifetimeDays must be an integer from 1 to 3650, got 3651',
    ],
    [
      'a per-API lifetime of zero',
      { apiCredentialLifetimeDays: { a1b2c3d4e5: 0 } },
      'apiCredentialLifetimeDays.a1b2c3d4e5 must be an integer from 1 to 3650, got 0',
    ],
    [
      'a per-API key that is not a REST API id',
      { apiCredentialLifetimeDays: { 'my-api': 30 } },
      'apiCredentialLifetimeDays has an invalid REST API id "my-api"',
    ],
  ])('refuse %s, naming the prop', (_case, props, message) => {
    expect(() => webhookFixture({ allowedUsagePlanIds: [PLAN_A], ...props })).toThrow(message);
  });
});

describe('the context keys', () => {
  function configFrom(context: Record<string, unknown>) {
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [], allowedUsagePlanIds: [PLAN_A], ...context },
      builtinCloudFormationValidation: false,
    });
    return { app, config: readAppConfig(app.node) };
  }

  test('credentialLifetimeDays and apiCredentialLifetimeDays set the props, from -c strings too', () => {
    const { config } = configFrom({
      credentialLifetimeDays: '90',
      apiCredentialLifetimeDays: '{"a1b2c3d4e5":30,"f6g7h8i9j0":"never"}',
    });

    expect(config.stackProps.webhook).toMatchObject({
      credentialLifetimeDays: 90,
      apiCredentialLifetimeDays: { a1b2c3d4e5: 30, f6g7h8i9j0: 'never' },
    });
  });

  test('reach the function’s environment when the stack is synthesized', () => {
    const { app, config } = configFrom({ credentialLifetimeDays: 30 });
    const stack = new CredentialWebhookStack(app, config.stackName, { ...config.stackProps, env: TEST_ENV });

    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { CREDENTIAL_LIFETIME_SECONDS: String(30 * DAY) } } },
    });

    expect(Object.keys(functions)).toHaveLength(1);
  });

  test('unset, leave the props without a lifetime', () => {
    const { config } = configFrom({});

    expect(config.stackProps.webhook).not.toHaveProperty('credentialLifetimeDays');
    expect(config.stackProps.webhook).not.toHaveProperty('apiCredentialLifetimeDays');
  });

  test.each([['0'], ['3651'], ['1.5'], ['ninety'], [-1]])(
    'credentialLifetimeDays refuses %j, naming the key',
    (value) => {
      expect(() => configFrom({ credentialLifetimeDays: value })).toThrow(ContextError);
      expect(() => configFrom({ credentialLifetimeDays: value })).toThrow('"credentialLifetimeDays"');
    },
  );

  test.each([
    ['{"a1b2c3d4e5":0}'],
    ['{"a1b2c3d4e5":"30"}'],
    ['{"a1b2c3d4e5":"forever"}'],
    ['[30]'],
    ['{bad'],
  ])('apiCredentialLifetimeDays refuses %s, naming the key', (value) => {
    expect(() => configFrom({ apiCredentialLifetimeDays: value })).toThrow(ContextError);
    expect(() => configFrom({ apiCredentialLifetimeDays: value })).toThrow('"apiCredentialLifetimeDays"');
  });
});
