/** validateCredentials' own Basic credentials and its ledger cache: parsed once, refused loudly. */
import { loadConfig } from '../../lambda/config';
import { type Env, env, expectConfigError } from '../support/config';

const WEBHOOK_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-AbCdEf';
const VALIDATOR_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:validator-GhIjKl';

test('none configured: the endpoint is off', () => {
  expect(loadConfig(env()).validatorAuth).toBeUndefined();
});

test('VALIDATOR_USERNAME and VALIDATOR_PASSWORD for a local run', () => {
  const config = loadConfig(env({ VALIDATOR_USERNAME: ' validator ', VALIDATOR_PASSWORD: 'v-pass' }));

  expect(config.validatorAuth).toEqual({ source: 'static', username: 'validator', password: 'v-pass' });
});

test('VALIDATOR_SECRET_ARN, cached as the Portal secret is (WEBHOOK_SECRET_CACHE_SECONDS)', () => {
  expect(loadConfig(env({ VALIDATOR_SECRET_ARN: VALIDATOR_SECRET })).validatorAuth).toEqual({
    source: 'secrets-manager',
    secretId: VALIDATOR_SECRET,
    cacheTtlSeconds: 300,
  });
  expect(
    loadConfig(env({ VALIDATOR_SECRET_ARN: VALIDATOR_SECRET, WEBHOOK_SECRET_CACHE_SECONDS: '60' }))
      .validatorAuth,
  ).toMatchObject({ cacheTtlSeconds: 60 });
});

test('the secret wins over the variables, as for the Portal', () => {
  const config = loadConfig(
    env({ VALIDATOR_SECRET_ARN: VALIDATOR_SECRET, VALIDATOR_USERNAME: 'v', VALIDATOR_PASSWORD: 'p' }),
  );

  expect(config.validatorAuth?.source).toBe('secrets-manager');
});

test('deployed, the secret is accepted', () => {
  const config = loadConfig(
    {
      WEBHOOK_SECRET_ARN: WEBHOOK_SECRET,
      VALIDATOR_SECRET_ARN: VALIDATOR_SECRET,
      ALLOWED_USAGE_PLAN_IDS: '*',
      LEDGER_TABLE: 'webhook-ledger',
    },
    { deployed: true },
  );

  expect(config.validatorAuth).toMatchObject({ source: 'secrets-manager', secretId: VALIDATOR_SECRET });
});

describe('refused, naming the variable', () => {
  test.each<[string, Env, string]>([
    ['a username without a password', { VALIDATOR_USERNAME: 'validator' }, 'VALIDATOR_PASSWORD'],
    ['a password without a username', { VALIDATOR_PASSWORD: 'v-pass' }, 'VALIDATOR_USERNAME'],
    ['a blank password', { VALIDATOR_USERNAME: 'validator', VALIDATOR_PASSWORD: '  ' }, 'VALIDATOR_PASSWORD'],
    [
      'a username with ":"',
      { VALIDATOR_USERNAME: 'val:idator', VALIDATOR_PASSWORD: 'p' },
      'VALIDATOR_USERNAME',
    ],
    [
      "the Portal's own username and password",
      { VALIDATOR_USERNAME: 'portal', VALIDATOR_PASSWORD: 'pass' },
      'VALIDATOR_PASSWORD',
    ],
    [
      "the Portal's secret",
      { WEBHOOK_SECRET_ARN: WEBHOOK_SECRET, VALIDATOR_SECRET_ARN: WEBHOOK_SECRET },
      'VALIDATOR_SECRET_ARN',
    ],
  ])('%s', (_name, overrides, variable) => {
    expectConfigError(env(overrides), variable);
  });

  test('deployed, plain variables in place of the secret', () => {
    expectConfigError(
      {
        WEBHOOK_SECRET_ARN: WEBHOOK_SECRET,
        VALIDATOR_USERNAME: 'validator',
        VALIDATOR_PASSWORD: 'v-pass',
        ALLOWED_USAGE_PLAN_IDS: '*',
        LEDGER_TABLE: 'webhook-ledger',
      },
      'VALIDATOR_SECRET_ARN',
      true,
    );
  });
});

test('the Portal username with another password is accepted: each endpoint checks its own pair', () => {
  const config = loadConfig(env({ VALIDATOR_USERNAME: 'portal', VALIDATOR_PASSWORD: 'other' }));

  expect(config.validatorAuth).toMatchObject({ username: 'portal', password: 'other' });
});

describe('VALIDATOR_CACHE_SECONDS', () => {
  test("unset: the validator's own default", () => {
    expect(loadConfig(env()).validatorCacheSeconds).toBeUndefined();
  });

  test.each([
    ['0', 0],
    ['300', 300],
  ])('%s', (raw, seconds) => {
    expect(loadConfig(env({ VALIDATOR_CACHE_SECONDS: raw })).validatorCacheSeconds).toBe(seconds);
  });

  test.each(['-1', '301', '1.5', 'soon'])('%s is refused', (raw) => {
    expectConfigError(env({ VALIDATOR_CACHE_SECONDS: raw }), 'VALIDATOR_CACHE_SECONDS');
  });
});
