/** The environments the configuration tests start from, and how they assert a refusal. */
import { ConfigError, loadConfig } from '../../lambda/config';

export type Env = Record<string, string | undefined>;

/** The smallest valid environment for a local run; tests override one variable at a time. */
export const env = (overrides: Env = {}): Env => ({
  WEBHOOK_USERNAME: 'portal',
  WEBHOOK_PASSWORD: 'pass',
  ALLOWED_USAGE_PLAN_IDS: '*',
  ...overrides,
});

/** The smallest environment of a deployment that issues only client credentials. */
export const clientEnv = (overrides: Env = {}): Env =>
  env({
    ALLOWED_USAGE_PLAN_IDS: undefined,
    DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
    USER_POOL_ID: 'us-east-1_AbC123',
    TOKEN_URL: 'https://auth.example.com/oauth2/token',
    DEFAULT_SCOPES: 'orders/read',
    ...overrides,
  });

/** Asserts that loading `environment` throws a ConfigError that names `variable`. */
export function expectConfigError(environment: Env, variable: string, deployed = false): void {
  const load = () => loadConfig(environment, { deployed });
  expect(load).toThrow(ConfigError);
  expect(load).toThrow(`Invalid configuration: ${variable} `);
}
