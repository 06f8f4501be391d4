/** CREDENTIAL_LIFETIME_SECONDS and API_CREDENTIAL_LIFETIMES: how long issued credentials live. */
import { loadConfig } from '../../lambda/config';
import { clientEnv, type Env, env, expectConfigError } from '../support/config';

/** A valid API-key deployment for a local run; tests override one variable at a time. */

const lifetimesOf = (environment: Env) => loadConfig(environment).credentialLifetimes;

describe('CREDENTIAL_LIFETIME_SECONDS', () => {
  test('unset, credentials never expire', () => {
    expect(lifetimesOf(env())).toEqual({ defaultSeconds: undefined, byApi: new Map() });
  });

  test.each([
    ['60', 60],
    ['2592000', 2_592_000],
    [' 86400 ', 86_400],
    ['315360000', 315_360_000],
  ])('accepts %j', (value, seconds) => {
    expect(lifetimesOf(env({ CREDENTIAL_LIFETIME_SECONDS: value }))?.defaultSeconds).toBe(seconds);
  });

  test.each(['59', '0', '-60', '3600.5', '30d', 'never', '315360001'])(
    'refuses %j, naming the variable',
    (value) => {
      expectConfigError(env({ CREDENTIAL_LIFETIME_SECONDS: value }), 'CREDENTIAL_LIFETIME_SECONDS');
    },
  );

  test('a blank value is unset', () => {
    expect(lifetimesOf(env({ CREDENTIAL_LIFETIME_SECONDS: ' ' }))?.defaultSeconds).toBeUndefined();
  });
});

describe('API_CREDENTIAL_LIFETIMES', () => {
  test('maps REST API ids to seconds, or "never"', () => {
    const lifetimes = lifetimesOf(
      env({
        CREDENTIAL_LIFETIME_SECONDS: '86400',
        API_CREDENTIAL_LIFETIMES: '{"a1b2c3d4e5":3600,"f6g7h8i9j0":"never"}',
      }),
    );

    expect(lifetimes).toEqual({
      defaultSeconds: 86_400,
      byApi: new Map<string, number | 'never'>([
        ['a1b2c3d4e5', 3600],
        ['f6g7h8i9j0', 'never'],
      ]),
    });
  });

  test('applies without a default: other APIs never expire', () => {
    expect(lifetimesOf(env({ API_CREDENTIAL_LIFETIMES: '{"a1b2c3d4e5":600}' }))).toEqual({
      defaultSeconds: undefined,
      byApi: new Map([['a1b2c3d4e5', 600]]),
    });
  });

  test.each([
    ['not JSON', '{a1b2c3d4e5: 60}'],
    ['too short', '{"a1b2c3d4e5":59}'],
    ['a fraction', '{"a1b2c3d4e5":90.5}'],
    ['seconds as text', '{"a1b2c3d4e5":"3600"}'],
    ['another word', '{"a1b2c3d4e5":"forever"}'],
    ['a key that is not a REST API id', '{"a1-b2":3600}'],
    ['an array', '[3600]'],
  ])('refuses %s, naming the variable', (_problem, value) => {
    expectConfigError(env({ API_CREDENTIAL_LIFETIMES: value }), 'API_CREDENTIAL_LIFETIMES');
  });
});

describe('lifetimes of client credentials', () => {
  test('may be 5 minutes (Cognito’s shortest token lifetime)', () => {
    expect(lifetimesOf(clientEnv({ CREDENTIAL_LIFETIME_SECONDS: '300' }))?.defaultSeconds).toBe(300);
  });

  test('refuse a default under 5 minutes when clients get it, naming the variable', () => {
    expectConfigError(clientEnv({ CREDENTIAL_LIFETIME_SECONDS: '299' }), 'CREDENTIAL_LIFETIME_SECONDS');
  });

  test('refuse a default under 5 minutes when one API gets clients without a lifetime of its own', () => {
    expectConfigError(
      env({
        API_CREDENTIAL_TYPES: '{"c1":"CLIENT_CREDENTIALS"}',
        USER_POOL_ID: 'us-east-1_AbC123',
        TOKEN_URL: 'https://auth.example.com/oauth2/token',
        DEFAULT_SCOPES: 'orders/read',
        CREDENTIAL_LIFETIME_SECONDS: '120',
      }),
      'CREDENTIAL_LIFETIME_SECONDS',
    );
  });

  test('accept a short default when every client API has its own lifetime', () => {
    const lifetimes = lifetimesOf(
      env({
        API_CREDENTIAL_TYPES: '{"c1":"CLIENT_CREDENTIALS"}',
        USER_POOL_ID: 'us-east-1_AbC123',
        TOKEN_URL: 'https://auth.example.com/oauth2/token',
        DEFAULT_SCOPES: 'orders/read',
        CREDENTIAL_LIFETIME_SECONDS: '120',
        API_CREDENTIAL_LIFETIMES: '{"c1":3600}',
      }),
    );

    expect(lifetimes?.defaultSeconds).toBe(120);
  });

  test('refuse a per-API lifetime under 5 minutes for an API that gets clients', () => {
    expectConfigError(clientEnv({ API_CREDENTIAL_LIFETIMES: '{"c1":240}' }), 'API_CREDENTIAL_LIFETIMES');
  });

  test('accept a per-API lifetime under 5 minutes for an API that gets API keys', () => {
    const lifetimes = lifetimesOf(
      clientEnv({
        ALLOWED_USAGE_PLAN_IDS: '*',
        API_CREDENTIAL_TYPES: '{"k1":"API_KEY"}',
        API_CREDENTIAL_LIFETIMES: '{"k1":60}',
      }),
    );

    expect(lifetimes?.byApi.get('k1')).toBe(60);
  });
});
