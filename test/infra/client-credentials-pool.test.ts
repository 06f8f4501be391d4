/** The user pool for client credentials: created (resource server, scopes, domain) or imported. */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ClientCredentialsPool, type ClientCredentialsPoolProps } from '../../lib/client-credentials-pool';
import {
  CREATED_POOL,
  createdDomain,
  functionEnvironment,
  IMPORTED_POOL,
  logicalId,
  testStack,
  webhookFixture,
} from './support';

function poolFixture(props: ClientCredentialsPoolProps) {
  const stack = testStack();
  const pool = new ClientCredentialsPool(stack, 'Pool', props);
  return { stack, pool, template: Template.fromStack(stack) };
}

describe('a created user pool', () => {
  test('lets nobody sign up', () => {
    const { template } = poolFixture(CREATED_POOL);

    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
    });
  });

  test('defines the resource server and its scopes', () => {
    const { template } = poolFixture(CREATED_POOL);

    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'orders',
      Scopes: [
        { ScopeName: 'read', ScopeDescription: 'read access' },
        { ScopeName: 'write', ScopeDescription: 'write access' },
      ],
    });
  });

  test('gets a Cognito domain with the prefix, whose /oauth2/token is the token URL', () => {
    const { stack, pool, template } = poolFixture(CREATED_POOL);
    const domain = pool.domain;
    if (domain === undefined) throw new Error('no domain');

    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'example-webhook' });
    expect(stack.resolve(pool.tokenUrl)).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: logicalId(stack, domain) }, '.auth.us-east-1.amazoncognito.com/oauth2/token'],
      ],
    });
  });

  test('is retained, with deletion protection, when the stack is deleted', () => {
    const { template } = poolFixture(CREATED_POOL);

    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: { DeletionProtection: 'ACTIVE' },
    });
  });

  test('can be destroyed with the stack when asked', () => {
    const { template } = poolFixture({ ...CREATED_POOL, removalPolicy: RemovalPolicy.DESTROY });

    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: { DeletionProtection: 'INACTIVE' },
    });
  });

  test('gives the webhook its id, token URL and every scope by default', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: CREATED_POOL,
    });
    const pool = fixture.webhook.userPool;
    if (pool === undefined) throw new Error('no user pool');

    const environment = functionEnvironment(fixture);

    expect(environment).toMatchObject({
      USER_POOL_ID: `\${${logicalId(fixture.stack, pool)}}`,
      TOKEN_URL: `https://\${${logicalId(fixture.stack, createdDomain(fixture.webhook))}}.auth.us-east-1.amazoncognito.com/oauth2/token`,
      DEFAULT_SCOPES: 'orders/read orders/write',
      ACCESS_TOKEN_VALIDITY_MINUTES: '60',
    });
  });
});

describe('an imported user pool', () => {
  test('creates no Cognito resource', () => {
    const { template } = poolFixture(IMPORTED_POOL);

    expect(Object.keys(template.toJSON().Resources ?? {})).toEqual([]);
  });

  test('derives the token URL from the prefix of its existing domain', () => {
    const { pool } = poolFixture(IMPORTED_POOL);

    expect(pool.tokenUrl).toBe('https://existing-auth.auth.us-east-1.amazoncognito.com/oauth2/token');
  });

  test('uses a given token URL, e.g. of a custom domain', () => {
    const { pool } = poolFixture({
      userPoolId: 'us-east-1_AbC123',
      tokenUrl: 'https://auth.example.com/oauth2/token',
    });

    expect(pool.tokenUrl).toBe('https://auth.example.com/oauth2/token');
  });

  test('gives the webhook its id and the configured scopes', () => {
    const fixture = webhookFixture({
      defaultCredentialType: 'CLIENT_CREDENTIALS',
      clientCredentials: {
        ...IMPORTED_POOL,
        apiScopes: { a1b2c3d4e5: ['orders-api/write'] },
        accessTokenValidityMinutes: 15,
      },
    });

    const environment = functionEnvironment(fixture);

    expect(environment).toMatchObject({
      USER_POOL_ID: 'us-east-1_AbC123',
      TOKEN_URL: 'https://existing-auth.auth.us-east-1.amazoncognito.com/oauth2/token',
      DEFAULT_SCOPES: 'orders-api/read',
      API_SCOPES: '{"a1b2c3d4e5":["orders-api/write"]}',
      ACCESS_TOKEN_VALIDITY_MINUTES: '15',
    });
  });
});

describe('the pool props', () => {
  test.each<[string, ClientCredentialsPoolProps, string]>([
    [
      'a pool id with createUserPool',
      { ...CREATED_POOL, userPoolId: 'us-east-1_AbC123' },
      'userPoolId imports an existing pool; it cannot be combined with createUserPool',
    ],
    [
      'a token URL with createUserPool',
      { ...CREATED_POOL, tokenUrl: 'https://auth.example.com/oauth2/token' },
      'tokenUrl is for an imported pool',
    ],
    [
      'a created pool without domain prefix',
      { createUserPool: true, scopes: ['read'] },
      'domainPrefix is required when createUserPool is true',
    ],
    [
      'a created pool without scopes',
      { createUserPool: true, domainPrefix: 'example-webhook' },
      'scopes must name at least one scope when createUserPool is true',
    ],
    [
      'a domain prefix with a reserved word',
      { ...CREATED_POOL, domainPrefix: 'my-cognito-auth' },
      'domainPrefix must not contain "cognito"',
    ],
    [
      'an upper-case domain prefix',
      { ...CREATED_POOL, domainPrefix: 'Example' },
      'domainPrefix must be 1-63 lowercase letters',
    ],
    [
      'a scope name with a slash',
      { ...CREATED_POOL, scopes: ['orders/read'] },
      'scopes has invalid scope names (no spaces, "/" or quotes): orders/read',
    ],
    [
      'a scope listed twice',
      { ...CREATED_POOL, scopes: ['read', 'read'] },
      'scopes lists read more than once',
    ],
    ['no pool at all', {}, 'userPoolId is required to import a pool (or set createUserPool to create one)'],
    [
      'a malformed pool id',
      { userPoolId: 'AbC123', domainPrefix: 'auth' },
      'userPoolId must look like "us-east-1_AbC123", got "AbC123"',
    ],
    [
      'a pool in another Region',
      { userPoolId: 'eu-west-1_AbC123', domainPrefix: 'auth' },
      'userPoolId eu-west-1_AbC123 is in eu-west-1, but the stack deploys to us-east-1',
    ],
    [
      'an imported pool without token endpoint',
      { userPoolId: 'us-east-1_AbC123' },
      'an imported pool needs exactly one of tokenUrl or domainPrefix',
    ],
    [
      'an imported pool with two token endpoints',
      { ...IMPORTED_POOL, tokenUrl: 'https://auth.example.com/oauth2/token' },
      'an imported pool needs exactly one of tokenUrl or domainPrefix',
    ],
    [
      'an http token URL',
      { userPoolId: 'us-east-1_AbC123', tokenUrl: 'http://auth.example.com/oauth2/token' },
      'tokenUrl must be an https URL ending in /oauth2/token',
    ],
    [
      'scopes for an imported pool',
      { ...IMPORTED_POOL, scopes: ['read'] },
      'scopes and resourceServerIdentifier define a created pool',
    ],
  ])('refuse %s', (_case, props, message) => {
    const create = () => poolFixture(props);

    expect(create).toThrow(`ClientCredentialsPool: ${message}`);
  });
});
