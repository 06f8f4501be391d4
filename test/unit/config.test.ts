import { ConfigError, DEFAULT_GRACE_SECONDS, loadConfig, loadReconcilerConfig } from '../../lambda/config';
import { instanceOf } from '../../lambda/credentials/marker';
import { clientEnv, type Env, env, expectConfigError } from '../support/config';

/** The smallest valid environment for a local run; tests override one variable at a time. */

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-AbCdEf';

/** Asserts that loading `environment` throws a ConfigError that names `variable`. */

describe('Basic credentials', () => {
  test('come from WEBHOOK_USERNAME and WEBHOOK_PASSWORD when there is no secret', () => {
    expect(loadConfig(env()).auth).toEqual({ source: 'static', username: 'portal', password: 'pass' });
  });

  test('come from Secrets Manager when WEBHOOK_SECRET_ARN is set, cached 300 s by default', () => {
    const config = loadConfig(env({ WEBHOOK_SECRET_ARN: SECRET_ARN }));

    expect(config.auth).toEqual({ source: 'secrets-manager', secretId: SECRET_ARN, cacheTtlSeconds: 300 });
  });

  test('need no username or password when WEBHOOK_SECRET_ARN is set', () => {
    const config = loadConfig({ WEBHOOK_SECRET_ARN: SECRET_ARN, ALLOWED_USAGE_PLAN_IDS: '*' });

    expect(config.auth.source).toBe('secrets-manager');
  });

  test('trim surrounding whitespace from the secret id', () => {
    expect(loadConfig(env({ WEBHOOK_SECRET_ARN: `  ${SECRET_ARN}\n` })).auth).toMatchObject({
      secretId: SECRET_ARN,
    });
  });

  test('require WEBHOOK_SECRET_ARN when neither username nor password is set', () => {
    expectConfigError({ ALLOWED_USAGE_PLAN_IDS: '*' }, 'WEBHOOK_SECRET_ARN');
  });

  test('require WEBHOOK_SECRET_ARN when only the username is set', () => {
    expectConfigError(env({ WEBHOOK_PASSWORD: undefined }), 'WEBHOOK_SECRET_ARN');
  });

  test('require WEBHOOK_SECRET_ARN when only the password is set', () => {
    expectConfigError(env({ WEBHOOK_USERNAME: undefined }), 'WEBHOOK_SECRET_ARN');
  });

  test('treat a blank password as missing', () => {
    expectConfigError(env({ WEBHOOK_PASSWORD: '   ' }), 'WEBHOOK_SECRET_ARN');
  });

  test('refuse a username containing a colon (Basic auth splits on it)', () => {
    expectConfigError(env({ WEBHOOK_USERNAME: 'por:tal' }), 'WEBHOOK_USERNAME');
  });
});

describe('WEBHOOK_SECRET_CACHE_SECONDS', () => {
  const withCache = (value: string): Env =>
    env({ WEBHOOK_SECRET_ARN: SECRET_ARN, WEBHOOK_SECRET_CACHE_SECONDS: value });

  test.each([
    ['0', 0],
    ['60', 60],
    ['3600', 3600],
    [' 120 ', 120],
  ])('accepts %j', (value, seconds) => {
    expect(loadConfig(withCache(value)).auth).toMatchObject({ cacheTtlSeconds: seconds });
  });

  test.each(['-1', '3601', '1.5', 'five', '10s'])('refuses %j, naming the variable', (value) => {
    expectConfigError(withCache(value), 'WEBHOOK_SECRET_CACHE_SECONDS');
  });

  test('quotes the refused value in the message', () => {
    expect(() => loadConfig(withCache('3601'))).toThrow('"3601"');
  });
});

describe('ALLOWED_USAGE_PLAN_IDS', () => {
  test('"*" allows any usage plan', () => {
    expect(loadConfig(env({ ALLOWED_USAGE_PLAN_IDS: '*' })).allowedUsagePlanIds).toBe('any');
  });

  test('"*" with surrounding spaces allows any usage plan', () => {
    expect(loadConfig(env({ ALLOWED_USAGE_PLAN_IDS: ' * ' })).allowedUsagePlanIds).toBe('any');
  });

  test('a comma-separated list allows exactly those plans', () => {
    expect(loadConfig(env({ ALLOWED_USAGE_PLAN_IDS: '1el57v,abc123' })).allowedUsagePlanIds).toEqual(
      new Set(['1el57v', 'abc123']),
    );
  });

  test('a single id is a one-plan list', () => {
    expect(loadConfig(env({ ALLOWED_USAGE_PLAN_IDS: '1el57v' })).allowedUsagePlanIds).toEqual(
      new Set(['1el57v']),
    );
  });

  test('spaces around the ids are ignored', () => {
    expect(loadConfig(env({ ALLOWED_USAGE_PLAN_IDS: ' 1el57v , abc123 ' })).allowedUsagePlanIds).toEqual(
      new Set(['1el57v', 'abc123']),
    );
  });

  test('is required', () => {
    expectConfigError(env({ ALLOWED_USAGE_PLAN_IDS: undefined }), 'ALLOWED_USAGE_PLAN_IDS');
  });

  test('refuses a blank value', () => {
    expectConfigError(env({ ALLOWED_USAGE_PLAN_IDS: '  ' }), 'ALLOWED_USAGE_PLAN_IDS');
  });

  test.each(['plan-1', '1el57v,,abc123', '1el57v,', '*,1el57v', '1el57v;abc123'])(
    'refuses %j, naming the variable',
    (value) => {
      expectConfigError(env({ ALLOWED_USAGE_PLAN_IDS: value }), 'ALLOWED_USAGE_PLAN_IDS');
    },
  );
});

/** The variables a deployment that issues client credentials needs, besides Basic credentials. */

describe('DEFAULT_CREDENTIAL_TYPE', () => {
  test('defaults to API_KEY', () => {
    expect(loadConfig(env()).defaultCredentialType).toBe('API_KEY');
  });

  test('accepts API_KEY', () => {
    expect(loadConfig(env({ DEFAULT_CREDENTIAL_TYPE: 'API_KEY' })).defaultCredentialType).toBe('API_KEY');
  });

  test('accepts CLIENT_CREDENTIALS', () => {
    expect(loadConfig(clientEnv()).defaultCredentialType).toBe('CLIENT_CREDENTIALS');
  });

  test.each(['api_key', 'OAUTH', 'API KEY'])('refuses %j, naming the variable', (value) => {
    expectConfigError(env({ DEFAULT_CREDENTIAL_TYPE: value }), 'DEFAULT_CREDENTIAL_TYPE');
  });
});

describe('API_CREDENTIAL_TYPES', () => {
  test('defaults to no per-API override', () => {
    expect(loadConfig(env()).credentialTypeByApi).toEqual(new Map());
  });

  test('maps REST API ids to credential types', () => {
    const value = '{"5aba4csvd4":"CLIENT_CREDENTIALS","a1b2c3d4e5":"API_KEY"}';

    expect(
      loadConfig(clientEnv({ API_CREDENTIAL_TYPES: value, ALLOWED_USAGE_PLAN_IDS: '*' })).credentialTypeByApi,
    ).toEqual(
      new Map([
        ['5aba4csvd4', 'CLIENT_CREDENTIALS'],
        ['a1b2c3d4e5', 'API_KEY'],
      ]),
    );
  });

  test('accepts an empty object', () => {
    expect(loadConfig(env({ API_CREDENTIAL_TYPES: '{}' })).credentialTypeByApi).toEqual(new Map());
  });

  test('refuses text that is not JSON, naming the variable', () => {
    expectConfigError(
      env({ API_CREDENTIAL_TYPES: '{5aba4csvd4: CLIENT_CREDENTIALS}' }),
      'API_CREDENTIAL_TYPES',
    );
  });

  test('refuses an unknown credential type, naming the variable', () => {
    expectConfigError(env({ API_CREDENTIAL_TYPES: '{"5aba4csvd4":"OAUTH"}' }), 'API_CREDENTIAL_TYPES');
  });

  test('refuses a key that is not a REST API id, naming the variable', () => {
    expectConfigError(env({ API_CREDENTIAL_TYPES: '{"api-1":"API_KEY"}' }), 'API_CREDENTIAL_TYPES');
  });

  test.each(['[]', 'null', '"API_KEY"', '42'])('refuses the JSON value %s, naming the variable', (value) => {
    expectConfigError(env({ API_CREDENTIAL_TYPES: value }), 'API_CREDENTIAL_TYPES');
  });
});

describe('which settings each credential type needs', () => {
  test('a deployment that issues only API keys has no client-credentials settings', () => {
    expect(loadConfig(env()).clientCredentials).toBeUndefined();
  });

  test('a deployment that issues only client credentials needs no usage-plan allow-list', () => {
    expect(loadConfig(clientEnv()).allowedUsagePlanIds).toEqual(new Set());
  });

  test('a usage-plan allow-list given to a client-credentials-only deployment is still checked', () => {
    expectConfigError(clientEnv({ ALLOWED_USAGE_PLAN_IDS: 'plan-1' }), 'ALLOWED_USAGE_PLAN_IDS');
  });

  test('one API overridden to API_KEY makes the allow-list required', () => {
    expectConfigError(
      clientEnv({ API_CREDENTIAL_TYPES: '{"a1b2c3d4e5":"API_KEY"}' }),
      'ALLOWED_USAGE_PLAN_IDS',
    );
  });

  test('one API overridden to CLIENT_CREDENTIALS makes the user pool required', () => {
    expectConfigError(env({ API_CREDENTIAL_TYPES: '{"a1b2c3d4e5":"CLIENT_CREDENTIALS"}' }), 'USER_POOL_ID');
  });

  test('client-credentials settings are read from the environment', () => {
    expect(loadConfig(clientEnv({ DEFAULT_SCOPES: 'orders/read orders/write' })).clientCredentials).toEqual({
      userPoolId: 'us-east-1_AbC123',
      tokenUrl: 'https://auth.example.com/oauth2/token',
      defaultScopes: ['orders/read', 'orders/write'],
      scopesByApi: new Map(),
      accessTokenValidityMinutes: 60,
    });
  });
});

describe('USER_POOL_ID', () => {
  test('is required for client credentials', () => {
    expectConfigError(clientEnv({ USER_POOL_ID: undefined }), 'USER_POOL_ID');
  });

  test.each(['AbC123', 'us-east-1-AbC123', 'us-east-1_', 'us east 1_AbC123'])(
    'refuses %j, naming the variable',
    (value) => {
      expectConfigError(clientEnv({ USER_POOL_ID: value }), 'USER_POOL_ID');
    },
  );
});

describe('TOKEN_URL', () => {
  test('is required for client credentials', () => {
    expectConfigError(clientEnv({ TOKEN_URL: undefined }), 'TOKEN_URL');
  });

  test('refuses text that is not a URL', () => {
    expectConfigError(clientEnv({ TOKEN_URL: 'auth.example.com/oauth2/token' }), 'TOKEN_URL');
  });

  test.each(['http://auth.example.com/oauth2/token', 'ftp://auth.example.com/oauth2/token'])(
    'refuses the non-https URL %s',
    (value) => {
      expectConfigError(clientEnv({ TOKEN_URL: value }), 'TOKEN_URL');
    },
  );

  test.each(['http://localhost:3000/oauth2/token', 'http://127.0.0.1:3000/oauth2/token'])(
    'accepts the loopback http URL %s for local runs',
    (value) => {
      expect(loadConfig(clientEnv({ TOKEN_URL: value })).clientCredentials).toMatchObject({
        tokenUrl: value,
      });
    },
  );
});

describe('DEFAULT_SCOPES and API_SCOPES', () => {
  test('DEFAULT_SCOPES may be separated by spaces and commas', () => {
    expect(
      loadConfig(clientEnv({ DEFAULT_SCOPES: ' orders/read, orders/write\tusers/read ' })).clientCredentials,
    ).toMatchObject({ defaultScopes: ['orders/read', 'orders/write', 'users/read'] });
  });

  test('accepts a resource server identifier that is a URL', () => {
    expect(
      loadConfig(clientEnv({ DEFAULT_SCOPES: 'https://api.example.com/orders.read' })).clientCredentials,
    ).toMatchObject({ defaultScopes: ['https://api.example.com/orders.read'] });
  });

  test.each(['read', 'orders/', '/read', 'orders/re"ad'])(
    'DEFAULT_SCOPES refuses the scope %j, naming the variable',
    (value) => {
      expectConfigError(clientEnv({ DEFAULT_SCOPES: value }), 'DEFAULT_SCOPES');
    },
  );

  test('API_SCOPES maps REST API ids to their scopes', () => {
    const config = loadConfig(
      clientEnv({ DEFAULT_SCOPES: undefined, API_SCOPES: '{"a1b2c3d4e5":["orders/read","orders/write"]}' }),
    );

    expect(config.clientCredentials).toMatchObject({
      defaultScopes: [],
      scopesByApi: new Map([['a1b2c3d4e5', ['orders/read', 'orders/write']]]),
    });
  });

  test('one of DEFAULT_SCOPES or API_SCOPES is required, naming DEFAULT_SCOPES', () => {
    expectConfigError(clientEnv({ DEFAULT_SCOPES: undefined }), 'DEFAULT_SCOPES');
  });

  test('API_SCOPES refuses text that is not JSON, naming the variable', () => {
    expectConfigError(clientEnv({ API_SCOPES: '{a1b2c3d4e5: orders/read}' }), 'API_SCOPES');
  });

  test.each([
    ['a scope without a resource server', '{"a1b2c3d4e5":["read"]}'],
    ['a key that is not a REST API id', '{"api-1":["orders/read"]}'],
    ['a scope that is not in an array', '{"a1b2c3d4e5":"orders/read"}'],
    ['an array', '[["orders/read"]]'],
  ])('API_SCOPES refuses %s, naming the variable', (_problem, value) => {
    expectConfigError(clientEnv({ API_SCOPES: value }), 'API_SCOPES');
  });
});

describe('ACCESS_TOKEN_VALIDITY_MINUTES', () => {
  test.each([
    ['5', 5],
    ['1440', 1440],
  ])('accepts %j', (value, minutes) => {
    expect(loadConfig(clientEnv({ ACCESS_TOKEN_VALIDITY_MINUTES: value })).clientCredentials).toMatchObject({
      accessTokenValidityMinutes: minutes,
    });
  });

  test.each(['4', '1441', '30.5', 'an hour'])('refuses %j, naming the variable', (value) => {
    expectConfigError(clientEnv({ ACCESS_TOKEN_VALIDITY_MINUTES: value }), 'ACCESS_TOKEN_VALIDITY_MINUTES');
  });
});

describe('the ledger table', () => {
  test('is in memory, with the instance of "local", when no table is named', () => {
    expect(loadConfig(env()).ledger).toEqual({ tableName: undefined, instance: instanceOf('local') });
  });

  test('is named by LEDGER_TABLE', () => {
    expect(loadConfig(env({ LEDGER_TABLE: 'webhook-ledger' })).ledger.tableName).toBe('webhook-ledger');
  });

  test('is named by IDEMPOTENCY_TABLE, its earlier name, when only that is set', () => {
    expect(loadConfig(env({ IDEMPOTENCY_TABLE: 'records' })).ledger.tableName).toBe('records');
  });

  test('prefers LEDGER_TABLE when both are set', () => {
    const config = loadConfig(env({ LEDGER_TABLE: 'webhook-ledger', IDEMPOTENCY_TABLE: 'records' }));

    expect(config.ledger.tableName).toBe('webhook-ledger');
  });

  test('gives the deployment the instance derived from the table name: 8 hex characters', () => {
    const { instance } = loadConfig(env({ LEDGER_TABLE: 'webhook-ledger' })).ledger;

    expect(instance).toBe(instanceOf('webhook-ledger'));
    expect(instance).toMatch(/^[0-9a-f]{8}$/);
  });

  test("gives two tables two instances, so two deployments never touch each other's resources", () => {
    const a = loadConfig(env({ LEDGER_TABLE: 'ledger-a' })).ledger.instance;
    const b = loadConfig(env({ LEDGER_TABLE: 'ledger-b' })).ledger.instance;

    expect(a).not.toBe(b);
  });

  test('derives the same instance from IDEMPOTENCY_TABLE as from LEDGER_TABLE of the same name', () => {
    expect(loadConfig(env({ IDEMPOTENCY_TABLE: 'records' })).ledger.instance).toBe(
      loadConfig(env({ LEDGER_TABLE: 'records' })).ledger.instance,
    );
  });

  test.each(['ab', 'has space', 'table/1', 'x'.repeat(256)])(
    'refuses %j as a table name, naming LEDGER_TABLE',
    (value) => {
      expectConfigError(env({ LEDGER_TABLE: value }), 'LEDGER_TABLE');
    },
  );

  test('refuses a bad IDEMPOTENCY_TABLE naming LEDGER_TABLE, the variable to set', () => {
    expectConfigError(env({ IDEMPOTENCY_TABLE: 'has space' }), 'LEDGER_TABLE');
  });
});

describe('a deployed webhook (Lambda)', () => {
  const base = {
    WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:basic',
    LEDGER_TABLE: 'webhook-ledger',
    ALLOWED_USAGE_PLAN_IDS: 'p1',
  };

  test('loads with a secret and a ledger table', () => {
    expect(loadConfig(base, { deployed: true }).ledger).toEqual({
      tableName: 'webhook-ledger',
      instance: instanceOf('webhook-ledger'),
    });
  });

  test('accepts the table under its earlier name, IDEMPOTENCY_TABLE', () => {
    const { LEDGER_TABLE: _ledger, ...earlier } = base;

    expect(
      loadConfig({ ...earlier, IDEMPOTENCY_TABLE: 'records' }, { deployed: true }).ledger.tableName,
    ).toBe('records');
  });

  test.each(['WEBHOOK_SECRET_ARN', 'LEDGER_TABLE'])('requires %s', (variable) => {
    const env: Record<string, string> = { ...base, WEBHOOK_USERNAME: 'u', WEBHOOK_PASSWORD: 'p' };
    delete env[variable];

    expect(() => loadConfig(env, { deployed: true })).toThrow(`Invalid configuration: ${variable} `);
  });
});

describe('loadReconcilerConfig', () => {
  /** The reconciler of a deployment issuing API keys for plans p1 and p2. */
  const reconcilerEnv = (overrides: Env = {}): Env => ({
    LEDGER_TABLE: 'webhook-ledger',
    ALLOWED_USAGE_PLAN_IDS: 'p1,p2',
    ...overrides,
  });

  function expectReconcilerConfigError(environment: Env, variable: string): void {
    expect(() => loadReconcilerConfig(environment)).toThrow(ConfigError);
    expect(() => loadReconcilerConfig(environment)).toThrow(`Invalid configuration: ${variable} `);
  }

  test('reads the ledger, the allow-list and the default grace period of 300 s', () => {
    expect(loadReconcilerConfig(reconcilerEnv())).toEqual({
      ledger: { tableName: 'webhook-ledger', instance: instanceOf('webhook-ledger') },
      allowedUsagePlanIds: new Set(['p1', 'p2']),
      userPoolId: undefined,
      graceSeconds: DEFAULT_GRACE_SECONDS,
    });
    expect(DEFAULT_GRACE_SECONDS).toBe(300);
  });

  test('needs no Basic credentials', () => {
    expect(() => loadReconcilerConfig(reconcilerEnv())).not.toThrow();
  });

  test('requires LEDGER_TABLE', () => {
    expectReconcilerConfigError(reconcilerEnv({ LEDGER_TABLE: undefined }), 'LEDGER_TABLE');
  });

  test('accepts the table under its earlier name, IDEMPOTENCY_TABLE', () => {
    const config = loadReconcilerConfig(
      reconcilerEnv({ LEDGER_TABLE: undefined, IDEMPOTENCY_TABLE: 'records' }),
    );

    expect(config.ledger).toEqual({ tableName: 'records', instance: instanceOf('records') });
  });

  test('requires ALLOWED_USAGE_PLAN_IDS when the deployment issues API keys', () => {
    expectReconcilerConfigError(
      reconcilerEnv({ ALLOWED_USAGE_PLAN_IDS: undefined }),
      'ALLOWED_USAGE_PLAN_IDS',
    );
  });

  test('reads "*" as any plan', () => {
    expect(loadReconcilerConfig(reconcilerEnv({ ALLOWED_USAGE_PLAN_IDS: '*' })).allowedUsagePlanIds).toBe(
      'any',
    );
  });

  test('checks no bindings when the deployment issues no API keys', () => {
    const config = loadReconcilerConfig({
      LEDGER_TABLE: 'webhook-ledger',
      DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
      USER_POOL_ID: 'us-east-1_AbC123',
    });

    expect(config.allowedUsagePlanIds).toBeUndefined();
  });

  test('reads the user pool when the deployment issues client credentials', () => {
    const config = loadReconcilerConfig(
      reconcilerEnv({
        API_CREDENTIAL_TYPES: '{"a1b2c3d4e5":"CLIENT_CREDENTIALS"}',
        USER_POOL_ID: 'us-east-1_AbC123',
      }),
    );

    expect(config).toMatchObject({
      userPoolId: 'us-east-1_AbC123',
      allowedUsagePlanIds: new Set(['p1', 'p2']),
    });
  });

  test('requires USER_POOL_ID when the deployment issues client credentials', () => {
    expectReconcilerConfigError(
      reconcilerEnv({ DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS' }),
      'USER_POOL_ID',
    );
  });

  test('refuses a malformed USER_POOL_ID', () => {
    expectReconcilerConfigError(
      reconcilerEnv({ DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS', USER_POOL_ID: 'pool' }),
      'USER_POOL_ID',
    );
  });

  test('ignores a USER_POOL_ID when the deployment issues no client credentials', () => {
    expect(
      loadReconcilerConfig(reconcilerEnv({ USER_POOL_ID: 'us-east-1_AbC123' })).userPoolId,
    ).toBeUndefined();
  });

  test.each([
    ['0', 0],
    ['600', 600],
    ['604800', 604_800],
  ])('reads RECONCILE_GRACE_SECONDS %j', (value, seconds) => {
    expect(loadReconcilerConfig(reconcilerEnv({ RECONCILE_GRACE_SECONDS: value })).graceSeconds).toBe(
      seconds,
    );
  });

  test.each(['604801', '-1', '1.5', 'five minutes'])('refuses RECONCILE_GRACE_SECONDS %j', (value) => {
    expectReconcilerConfigError(reconcilerEnv({ RECONCILE_GRACE_SECONDS: value }), 'RECONCILE_GRACE_SECONDS');
  });
});
