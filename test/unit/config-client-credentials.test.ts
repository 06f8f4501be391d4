/**
 * loadConfig for the client-credentials variables: what a deployment issuing Cognito app clients
 * must set, and that every refusal names the variable to fix.
 */
import { loadConfig } from '../../lambda/config';
import { clientEnv, type Env, expectConfigError } from '../support/config';

/** The smallest environment of a deployment that issues only client credentials. */

/** Asserts that loading `environment` throws a ConfigError whose message starts with `variable`. */

const clientSettings = (environment: Env) => loadConfig(environment).clientCredentials;

describe('a deployment issuing client credentials', () => {
  test('reads the user pool, token URL, scopes and default one-hour token validity', () => {
    expect(clientSettings(clientEnv())).toEqual({
      userPoolId: 'us-east-1_AbC123',
      tokenUrl: 'https://auth.example.com/oauth2/token',
      defaultScopes: ['orders/read'],
      scopesByApi: new Map(),
      accessTokenValidityMinutes: 60,
    });
  });

  test('does not need ALLOWED_USAGE_PLAN_IDS when it issues no API keys', () => {
    expect(() => loadConfig(clientEnv({ ALLOWED_USAGE_PLAN_IDS: undefined }))).not.toThrow();
  });

  test('needs the client settings when only one API is overridden to CLIENT_CREDENTIALS', () => {
    const apiKeyDeployment = clientEnv({
      DEFAULT_CREDENTIAL_TYPE: 'API_KEY',
      ALLOWED_USAGE_PLAN_IDS: '*',
      API_CREDENTIAL_TYPES: '{"a1b2c3d4e5":"CLIENT_CREDENTIALS"}',
      TOKEN_URL: undefined,
    });

    expectConfigError(apiKeyDeployment, 'TOKEN_URL');
  });

  test('ignores the client variables of a deployment that issues only API keys', () => {
    const apiKeyOnly = clientEnv({
      DEFAULT_CREDENTIAL_TYPE: 'API_KEY',
      ALLOWED_USAGE_PLAN_IDS: '*',
      USER_POOL_ID: 'not a pool',
    });

    expect(clientSettings(apiKeyOnly)).toBeUndefined();
  });
});

describe('USER_POOL_ID', () => {
  test.each([
    ['missing', undefined],
    ['blank', '   '],
  ])('is required: refused when %s', (_case, value) => {
    expectConfigError(clientEnv({ USER_POOL_ID: value }), 'USER_POOL_ID');
  });

  test.each(['AbC123', 'us-east-1_', '_AbC123', 'us-east-1_AbC-123', 'us east 1_AbC123'])(
    'refuses %j',
    (value) => {
      expectConfigError(clientEnv({ USER_POOL_ID: value }), 'USER_POOL_ID');
    },
  );

  test('is read without surrounding whitespace', () => {
    expect(clientSettings(clientEnv({ USER_POOL_ID: ' eu-west-1_Xy9Z \n' }))).toMatchObject({
      userPoolId: 'eu-west-1_Xy9Z',
    });
  });
});

describe('TOKEN_URL', () => {
  test('is required', () => {
    expectConfigError(clientEnv({ TOKEN_URL: undefined }), 'TOKEN_URL');
  });

  test.each(['auth.example.com/oauth2/token', 'https//auth.example.com', 'not a url'])(
    'refuses %j, which is not a URL',
    (value) => {
      expectConfigError(clientEnv({ TOKEN_URL: value }), 'TOKEN_URL');
    },
  );

  test.each([
    'http://auth.example.com/oauth2/token',
    'http://10.0.0.5/oauth2/token',
    'ftp://auth.example.com/oauth2/token',
  ])('refuses %s: tokens travel only over https off loopback', (value) => {
    expectConfigError(clientEnv({ TOKEN_URL: value }), 'TOKEN_URL');
  });

  test.each(['http://localhost:3000/oauth2/token', 'http://127.0.0.1:3000/oauth2/token'])(
    'accepts the loopback http URL %s of a local run',
    (value) => {
      expect(clientSettings(clientEnv({ TOKEN_URL: value }))).toMatchObject({ tokenUrl: value });
    },
  );

  test('accepts a Cognito domain token endpoint', () => {
    const url = 'https://my-domain.auth.us-east-1.amazoncognito.com/oauth2/token';

    expect(clientSettings(clientEnv({ TOKEN_URL: url }))).toMatchObject({ tokenUrl: url });
  });
});

describe('DEFAULT_SCOPES', () => {
  test('splits on spaces and commas', () => {
    expect(
      clientSettings(clientEnv({ DEFAULT_SCOPES: 'orders/read,orders/write  users/read' })),
    ).toMatchObject({
      defaultScopes: ['orders/read', 'orders/write', 'users/read'],
    });
  });

  test.each(['read', 'orders/', '/read', 'orders/re"ad', 'orders\\read', 'orders/read,write/'])(
    'refuses %j',
    (value) => {
      expectConfigError(clientEnv({ DEFAULT_SCOPES: value }), 'DEFAULT_SCOPES');
    },
  );
});

describe('API_SCOPES', () => {
  test('maps REST API ids to their own scopes', () => {
    const settings = clientSettings(
      clientEnv({ API_SCOPES: '{"a1b2c3d4e5":["billing/read","billing/write"]}' }),
    );

    expect(settings).toMatchObject({
      defaultScopes: ['orders/read'],
      scopesByApi: new Map([['a1b2c3d4e5', ['billing/read', 'billing/write']]]),
    });
  });

  test('is enough without DEFAULT_SCOPES', () => {
    const settings = clientSettings(
      clientEnv({ DEFAULT_SCOPES: undefined, API_SCOPES: '{"a1b2c3d4e5":["billing/read"]}' }),
    );

    expect(settings).toMatchObject({ defaultScopes: [] });
  });

  test.each(['{a1b2c3d4e5: ["billing/read"]}', '{"a1b2c3d4e5":["billing/read"]', "{'a1b2c3d4e5':[]}"])(
    'refuses %j, which is not JSON',
    (value) => {
      expectConfigError(clientEnv({ API_SCOPES: value }), 'API_SCOPES');
    },
  );

  test.each([
    ['an array', '[["billing/read"]]'],
    ['a number', '42'],
    ['a scope outside an array', '{"a1b2c3d4e5":"billing/read"}'],
    ['a scope without a resource server', '{"a1b2c3d4e5":["read"]}'],
    ['a key that is not a REST API id', '{"api-1":["billing/read"]}'],
    ['a scope that is not a string', '{"a1b2c3d4e5":[42]}'],
  ])('refuses %s', (_case, value) => {
    expectConfigError(clientEnv({ API_SCOPES: value }), 'API_SCOPES');
  });
});

describe('neither DEFAULT_SCOPES nor API_SCOPES', () => {
  test.each([
    ['both unset', { DEFAULT_SCOPES: undefined }],
    ['DEFAULT_SCOPES blank', { DEFAULT_SCOPES: '  ' }],
    ['API_SCOPES empty', { DEFAULT_SCOPES: undefined, API_SCOPES: '{}' }],
  ])('is refused when %s, naming DEFAULT_SCOPES', (_case, overrides) => {
    expectConfigError(clientEnv(overrides), 'DEFAULT_SCOPES');
  });

  test('is refused with a message that names API_SCOPES too', () => {
    expect(() => loadConfig(clientEnv({ DEFAULT_SCOPES: undefined }))).toThrow('API_SCOPES');
  });
});

describe('ACCESS_TOKEN_VALIDITY_MINUTES', () => {
  test.each([
    ['5', 5],
    ['60', 60],
    ['1440', 1440],
  ])('accepts %j', (value, minutes) => {
    expect(clientSettings(clientEnv({ ACCESS_TOKEN_VALIDITY_MINUTES: value }))).toMatchObject({
      accessTokenValidityMinutes: minutes,
    });
  });

  test.each(['0', '4', '1441', '-5', '30.5', '1e2', 'an hour'])('refuses %j', (value) => {
    expectConfigError(clientEnv({ ACCESS_TOKEN_VALIDITY_MINUTES: value }), 'ACCESS_TOKEN_VALIDITY_MINUTES');
  });
});
