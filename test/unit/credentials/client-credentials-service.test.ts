/**
 * ClientCredentialsService through the real CognitoClientIssuer, with the Cognito client mocked and
 * the ledger in memory: every test asserts the Cognito commands the service ends up sending (or not
 * sending), or the error the webhook answers with. What the service records in the ledger is in
 * client-credentials-service-ledger.test.ts.
 *
 * The update tests are the proof that an update keeps a client's other settings: Cognito resets
 * every setting UpdateUserPoolClient omits, while moto merges, so only the exact input shows it.
 */

import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  DeleteUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  InternalErrorException,
  LimitExceededException,
  ListUserPoolClientsCommand,
  ResourceNotFoundException,
  ScopeDoesNotExistException,
  TooManyRequestsException,
  UpdateUserPoolClientCommand,
  type UpdateUserPoolClientCommandInput,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { CognitoClientIssuer } from '../../../lambda/adapters/aws/cognito-client-issuer';
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import type { ClientCredentialsConfig } from '../../../lambda/config';
import type { AppDescription } from '../../../lambda/credentials/app';
import {
  ClientCredentialsService,
  MAX_SCOPES_PER_CLIENT,
} from '../../../lambda/credentials/client-credentials-service';
import {
  NotFoundError,
  ThrottledError,
  UnavailableError,
  UnprocessableError,
  UpstreamError,
} from '../../../lambda/errors';
import { clientGrants, INSTANCE, LEDGER_ID, seedIssued } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const cognito = mockClient(CognitoIdentityProviderClient);

const USER_POOL_ID = 'us-east-1_AbC123';
const CLIENT_ID = '4tq1example0client0id00000';
const CLIENT_SECRET = 'generated-client-secret-0123456789abcdefghijklmnopq';
const TOKEN_URL = 'https://auth.example.com/oauth2/token';
const DEVELOPER = 'dev@example.com';
/** How a client name ends: the marker of the client's ledger entry. */
const MARKER_SUFFIX = ` cw=${INSTANCE}.${LEDGER_ID}`;
/** The name create gives an app named "my app" of DEVELOPER, recorded as LEDGER_ID. */
const CURRENT_NAME = `my app - ${DEVELOPER}${MARKER_SUFFIX}`;
/** The name of a new client: any ledger id of this deployment's. */
const newName = (start: string) => new RegExp(`^${start} cw=${INSTANCE}\\.[a-z0-9]{16}$`);

/**
 * APIs without an entry get DEFAULT_SCOPES (orders/read); billing1 and reports1 have their own,
 * reports1 sharing orders/read with the default.
 */
function config(overrides: Partial<ClientCredentialsConfig> = {}): ClientCredentialsConfig {
  return {
    userPoolId: USER_POOL_ID,
    tokenUrl: TOKEN_URL,
    defaultScopes: ['orders/read'],
    scopesByApi: new Map([
      ['billing1', ['billing/write', 'billing/read']],
      ['reports1', ['reports/read', 'orders/read']],
    ]),
    accessTokenValidityMinutes: 90,
    ...overrides,
  };
}

let ledger: InMemoryLedger;

function service(overrides: Partial<ClientCredentialsConfig> = {}): ClientCredentialsService {
  const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });
  return new ClientCredentialsService(
    new CognitoClientIssuer(client, USER_POOL_ID),
    ledger,
    config(overrides),
  );
}

/** The ledger lists CLIENT_ID as issued by this webhook (entry LEDGER_ID, app "my app"). */
const ownedClient = () => seedIssued(ledger, CLIENT_ID, { grants: clientGrants('orders/read') });

const apis = (...ids: string[]): AppDescription['apis'] => ids.map((id) => ({ id }));

function app(overrides: Partial<AppDescription> = {}): AppDescription {
  return { appName: 'my app', appSlug: 'slug1', developer: DEVELOPER, apis: apis('orders1'), ...overrides };
}

/** `count` distinct scopes of one API, for the per-client limit. */
const manyScopes = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => `orders/scope${String(index).padStart(2, '0')}`);

const meta = { $metadata: {} };
const notFound = () =>
  new ResourceNotFoundException({ message: 'User pool client does not exist.', ...meta });
const scopeMissing = () => new ScopeDoesNotExistException({ message: 'Invalid scope requested', ...meta });
const limitReached = () => new LimitExceededException({ message: 'Exceeded app client limit', ...meta });
const throttled = () => new TooManyRequestsException({ message: 'Too many requests', ...meta });
const internalError = () => new InternalErrorException({ message: 'Internal error', ...meta });

const createInputs = (): CreateUserPoolClientCommandInput[] =>
  cognito.commandCalls(CreateUserPoolClientCommand).map(({ args: [command] }) => command.input);
const updateInputs = (): UpdateUserPoolClientCommandInput[] =>
  cognito.commandCalls(UpdateUserPoolClientCommand).map(({ args: [command] }) => command.input);

beforeEach(() => {
  cognito.reset();
  ledger = new InMemoryLedger(INSTANCE);
});

describe('ClientCredentialsService.create', () => {
  beforeEach(() => {
    cognito
      .on(CreateUserPoolClientCommand)
      .resolves({ UserPoolClient: { ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET } });
  });

  test('creates one confidential client-credentials app client with the configured scopes and token validity', async () => {
    await service().create(app());

    expect(createInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientName: expect.stringMatching(newName(`my app - ${DEVELOPER}`)),
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['orders/read'],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        SupportedIdentityProviders: ['COGNITO'],
        AccessTokenValidity: 90,
        TokenValidityUnits: { AccessToken: 'minutes' },
        EnableTokenRevocation: true,
        PreventUserExistenceErrors: 'ENABLED',
      },
    ]);
  });

  test('returns the client id and secret, and customCredentials that tell how to get a token', async () => {
    const credential = await service().create(app());

    expect(credential).toStrictEqual({
      credentialType: 'CLIENT_CREDENTIALS',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      customCredentials: {
        tokenUrl: TOKEN_URL,
        grantType: 'client_credentials',
        scopes: ['orders/read'],
        accessTokenValiditySeconds: 5400,
      },
    });
  });

  test('returns no API-key fields', async () => {
    const credential = await service().create(app());

    expect(Object.keys(credential)).not.toContain('apiKey');
    expect(Object.keys(credential)).not.toContain('apiKeyId');
  });

  test("grants an API's own scopes instead of the default scopes", async () => {
    await service().create(app({ apis: apis('billing1') }));

    expect(cognito).toHaveReceivedCommandWith(CreateUserPoolClientCommand, {
      AllowedOAuthScopes: ['billing/read', 'billing/write'],
    });
  });

  test("grants the union of the listed APIs' scopes, sorted and deduplicated", async () => {
    await service().create(app({ apis: apis('reports1', 'billing1', 'orders1', 'unlisted1') }));

    expect(cognito).toHaveReceivedCommandWith(CreateUserPoolClientCommand, {
      AllowedOAuthScopes: ['billing/read', 'billing/write', 'orders/read', 'reports/read'],
    });
  });

  test('lists the granted scopes in customCredentials exactly as sent to Cognito', async () => {
    const credential = await service().create(app({ apis: apis('reports1', 'billing1') }));

    expect(credential.customCredentials.scopes).toEqual(createInputs()[0]?.AllowedOAuthScopes);
  });

  test('replaces characters Cognito refuses in the client name', async () => {
    await service().create(app({ appName: 'Shop: Orders/API!', developer: 'dev+1@example.com' }));

    expect(createInputs()[0]?.ClientName).toMatch(newName('Shop- Orders-API- - dev\\+1@example\\.com'));
  });

  test('shortens a long app name so the client name fits in 128 characters, keeping the developer and the marker', async () => {
    await service().create(app({ appName: 'a'.repeat(300) }));

    const name = createInputs()[0]?.ClientName;
    expect(name).toMatch(newName(`${'a'.repeat(81)} - ${DEVELOPER}`));
    expect(name).toHaveLength(128);
  });

  test.each([
    ['no configured scopes at all', { defaultScopes: [] }, 'orders1'],
    ['an empty API_SCOPES entry', { scopesByApi: new Map([['orders1', []]]) }, 'orders1'],
  ])(
    'refuses an API with %s with 422 NO_SCOPES_CONFIGURED before calling Cognito',
    async (_case, overrides, apiId) => {
      const error = await rejectionOf(service(overrides).create(app({ apis: apis(apiId) })));

      expect(error).toBeInstanceOf(UnprocessableError);
      expect(error).toMatchObject({ status: 422, code: 'NO_SCOPES_CONFIGURED' });
      expect(cognito.calls()).toHaveLength(0);
    },
  );

  test('names every API that has no scopes configured', async () => {
    const error = await rejectionOf(
      service({ defaultScopes: [] }).create(app({ apis: apis('billing1', 'orders1', 'misc1') })),
    );

    expect(error).toMatchObject({ message: expect.stringContaining('orders1, misc1') });
    expect(error).toMatchObject({ message: expect.not.stringContaining('billing1') });
  });

  test(`refuses more than ${MAX_SCOPES_PER_CLIENT} scopes with 422 TOO_MANY_SCOPES before calling Cognito`, async () => {
    const tooMany = service({ scopesByApi: new Map([['big1', manyScopes(MAX_SCOPES_PER_CLIENT + 1)]]) });

    const error = await rejectionOf(tooMany.create(app({ apis: apis('big1') })));

    expect(error).toMatchObject({ status: 422, code: 'TOO_MANY_SCOPES' });
    expect(cognito.calls()).toHaveLength(0);
  });

  test(`accepts exactly ${MAX_SCOPES_PER_CLIENT} scopes`, async () => {
    const atLimit = service({ scopesByApi: new Map([['big1', manyScopes(MAX_SCOPES_PER_CLIENT)]]) });

    await atLimit.create(app({ apis: apis('big1') }));

    expect(createInputs()[0]?.AllowedOAuthScopes).toHaveLength(MAX_SCOPES_PER_CLIENT);
  });

  test('counts a scope shared by two APIs once towards the limit', async () => {
    const shared = manyScopes(MAX_SCOPES_PER_CLIENT);
    const overlapping = service({
      scopesByApi: new Map([
        ['big1', shared],
        ['big2', [...shared].reverse()],
      ]),
    });

    await overlapping.create(app({ apis: apis('big1', 'big2') }));

    expect(createInputs()[0]?.AllowedOAuthScopes).toEqual(shared);
  });

  test('answers a scope the user pool does not define with 422 SCOPE_NOT_FOUND', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(scopeMissing());

    const error = await rejectionOf(service().create(app()));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code: 'SCOPE_NOT_FOUND' });
  });

  test("answers the user pool's app-client quota with 422 CLIENT_LIMIT_REACHED", async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(limitReached());

    const error = await rejectionOf(service().create(app()));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code: 'CLIENT_LIMIT_REACHED' });
  });

  test('answers a throttled create with 429', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(throttled());

    const error = await rejectionOf(service().create(app()));

    expect(error).toBeInstanceOf(ThrottledError);
    expect(error).toMatchObject({ status: 429 });
  });

  test('answers an internal error of Cognito with 503 when no client carries the create’s marker', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(internalError());
    cognito.on(ListUserPoolClientsCommand).resolves({ UserPoolClients: [] });

    const error = await rejectionOf(service().create(app()));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503 });
  });

  test('returns the client a create whose answer was lost made, found by the create’s marker', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(internalError());
    cognito.on(ListUserPoolClientsCommand).callsFake(() => ({
      UserPoolClients: [{ ClientId: CLIENT_ID, ClientName: createInputs()[0]?.ClientName }],
    }));
    cognito.on(DescribeUserPoolClientCommand).resolves({
      UserPoolClient: { ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET },
    });

    const credential = await service().create(app());

    expect(credential).toMatchObject({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  });

  test('answers a created client without a secret with 502', async () => {
    cognito.on(CreateUserPoolClientCommand).resolves({ UserPoolClient: { ClientId: CLIENT_ID } });

    const error = await rejectionOf(service().create(app()));

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 502 });
  });
});

/**
 * Every setting UpdateUserPoolClient takes apart from the two an update changes, each away from
 * its default (as an administrator may have set them). Typed as Required so that a setting the
 * SDK adds later fails type-checking here until the test (and the adapter) know about it.
 */
const KEPT_SETTINGS: Required<
  Omit<UpdateUserPoolClientCommandInput, 'UserPoolId' | 'ClientId' | 'ClientName' | 'AllowedOAuthScopes'>
> = {
  RefreshTokenValidity: 7,
  AccessTokenValidity: 90,
  IdTokenValidity: 45,
  TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
  ReadAttributes: ['email', 'custom:tenant'],
  WriteAttributes: ['custom:tenant'],
  ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'],
  SupportedIdentityProviders: ['COGNITO', 'CorporateSAML'],
  CallbackURLs: ['https://app.example.com/callback'],
  LogoutURLs: ['https://app.example.com/logout'],
  DefaultRedirectURI: 'https://app.example.com/callback',
  AllowedOAuthFlows: ['client_credentials'],
  AllowedOAuthFlowsUserPoolClient: true,
  AnalyticsConfiguration: {
    ApplicationId: 'pinpoint-app-1',
    RoleArn: 'arn:aws:iam::123456789012:role/cognito-analytics',
    ExternalId: 'external-1',
    UserDataShared: true,
  },
  PreventUserExistenceErrors: 'LEGACY',
  EnableTokenRevocation: false,
  EnablePropagateAdditionalUserContextData: true,
  AuthSessionValidity: 12,
  RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 30 },
};

/** The client as DescribeUserPoolClient returns it: the settings plus read-only fields. */
function described(overrides: Partial<UserPoolClientType> = {}): UserPoolClientType {
  return {
    UserPoolId: USER_POOL_ID,
    ClientId: CLIENT_ID,
    ClientSecret: CLIENT_SECRET,
    ClientType: 'REGULAR',
    CreationDate: new Date('2026-01-01T00:00:00Z'),
    LastModifiedDate: new Date('2026-02-01T00:00:00Z'),
    ClientName: CURRENT_NAME,
    AllowedOAuthScopes: ['orders/read'],
    ...KEPT_SETTINGS,
    ...overrides,
  };
}

describe('ClientCredentialsService.update', () => {
  /** The client as create left it, and as the ledger lists it. */
  async function existingClient(client: UserPoolClientType = described()): Promise<void> {
    await ownedClient();
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: client });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
  }

  test('reads the client in the user pool first', async () => {
    await existingClient();

    await service().update(CLIENT_ID, { apis: apis('billing1') });

    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolClientCommand, {
      UserPoolId: USER_POOL_ID,
      ClientId: CLIENT_ID,
    });
  });

  test('sends every other setting of the client unchanged, with the requested name and scopes', async () => {
    await existingClient();

    await service().update(CLIENT_ID, {
      appName: 'renamed app',
      developer: DEVELOPER,
      apis: apis('billing1', 'reports1'),
    });

    expect(updateInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientId: CLIENT_ID,
        ...KEPT_SETTINGS,
        ClientName: `renamed app - ${DEVELOPER}${MARKER_SUFFIX}`,
        AllowedOAuthScopes: ['billing/read', 'billing/write', 'orders/read', 'reports/read'],
      },
    ]);
  });

  test('keeps the scopes when the request lists no apis', async () => {
    await existingClient(described({ AllowedOAuthScopes: ['orders/read', 'orders/write'] }));

    await service().update(CLIENT_ID, { appName: 'renamed app', developer: DEVELOPER });

    expect(updateInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientId: CLIENT_ID,
        ...KEPT_SETTINGS,
        ClientName: `renamed app - ${DEVELOPER}${MARKER_SUFFIX}`,
        AllowedOAuthScopes: ['orders/read', 'orders/write'],
      },
    ]);
  });

  test('keeps the name when the request changes only the apis', async () => {
    await existingClient();

    await service().update(CLIENT_ID, { apis: apis('billing1') });

    expect(updateInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientId: CLIENT_ID,
        ...KEPT_SETTINGS,
        ClientName: CURRENT_NAME,
        AllowedOAuthScopes: ['billing/read', 'billing/write'],
      },
    ]);
  });

  test('keeps the name when the app name comes without the developer', async () => {
    await existingClient();

    await service().update(CLIENT_ID, { appName: 'renamed app', apis: apis('billing1') });

    expect(cognito).toHaveReceivedCommandWith(UpdateUserPoolClientCommand, { ClientName: CURRENT_NAME });
  });

  test('sends no UpdateUserPoolClient when the name and scopes are already as requested', async () => {
    await existingClient(described({ AllowedOAuthScopes: ['billing/write', 'billing/read'] }));

    await service().update(CLIENT_ID, { appName: 'my app', developer: DEVELOPER, apis: apis('billing1') });

    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('sends no UpdateUserPoolClient when the request changes nothing', async () => {
    await existingClient();

    await service().update(CLIENT_ID, {});

    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('answers an unknown client with 404 CREDENTIAL_NOT_FOUND', async () => {
    await existingClient();
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());

    const error = await rejectionOf(service().update(CLIENT_ID, { apis: apis('billing1') }));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('answers 404 when the client is deleted between the read and the update', async () => {
    await existingClient();
    cognito.on(UpdateUserPoolClientCommand).rejects(notFound());

    const error = await rejectionOf(service().update(CLIENT_ID, { apis: apis('billing1') }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('answers 404, calling no Cognito, for a client the ledger does not list', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: described() });

    const error = await rejectionOf(service().update(CLIENT_ID, { apis: apis('billing1') }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
    expect(cognito.calls()).toHaveLength(0);
  });

  test('updates a client the ledger lists whatever its OAuth flows', async () => {
    await existingClient(described({ AllowedOAuthFlows: ['code'] }));

    await service().update(CLIENT_ID, { apis: apis('billing1') });

    expect(cognito).toHaveReceivedCommandWith(UpdateUserPoolClientCommand, {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['billing/read', 'billing/write'],
    });
  });

  test('refuses an API without scopes with 422 NO_SCOPES_CONFIGURED before calling Cognito', async () => {
    await existingClient();

    const error = await rejectionOf(
      service({ defaultScopes: [] }).update(CLIENT_ID, { apis: apis('misc1') }),
    );

    expect(error).toMatchObject({ status: 422, code: 'NO_SCOPES_CONFIGURED' });
    expect(cognito.calls()).toHaveLength(0);
  });

  test('answers a scope the user pool does not define with 422 SCOPE_NOT_FOUND', async () => {
    await existingClient();
    cognito.on(UpdateUserPoolClientCommand).rejects(scopeMissing());

    const error = await rejectionOf(service().update(CLIENT_ID, { apis: apis('billing1') }));

    expect(error).toMatchObject({ status: 422, code: 'SCOPE_NOT_FOUND' });
  });

  test('answers a throttled read with 429 and sends no update', async () => {
    await existingClient();
    cognito.on(DescribeUserPoolClientCommand).rejects(throttled());

    const error = await rejectionOf(service().update(CLIENT_ID, { apis: apis('billing1') }));

    expect(error).toBeInstanceOf(ThrottledError);
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('answers an internal error of the update with 503', async () => {
    await existingClient();
    cognito.on(UpdateUserPoolClientCommand).rejects(internalError());

    const error = await rejectionOf(service().update(CLIENT_ID, { apis: apis('billing1') }));

    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503 });
  });
});

describe('ClientCredentialsService.revoke', () => {
  test('deletes the app client the ledger lists from the user pool, in one call', async () => {
    await ownedClient();
    cognito.on(DeleteUserPoolClientCommand).resolves({});

    await service().revoke(CLIENT_ID);

    expect(cognito.calls().map(({ args: [command] }) => command.input)).toEqual([
      { UserPoolId: USER_POOL_ID, ClientId: CLIENT_ID },
    ]);
    expect(cognito).toHaveReceivedCommand(DeleteUserPoolClientCommand);
  });

  test('resolves when the client is already gone', async () => {
    await ownedClient();
    cognito.on(DeleteUserPoolClientCommand).rejects(notFound());

    await expect(service().revoke(CLIENT_ID)).resolves.toBeUndefined();
  });

  test('refuses with 404, calling no Cognito, a client the ledger does not list', async () => {
    cognito.on(DeleteUserPoolClientCommand).resolves({});

    await expect(service().revoke(CLIENT_ID)).rejects.toMatchObject({
      status: 404,
      code: 'CREDENTIAL_NOT_FOUND',
    });
    expect(cognito.calls()).toHaveLength(0);
  });

  test('answers a throttled delete with 429', async () => {
    await ownedClient();
    cognito.on(DeleteUserPoolClientCommand).rejects(throttled());

    await expect(service().revoke(CLIENT_ID)).rejects.toBeInstanceOf(ThrottledError);
  });

  test('answers an internal error of the delete with 503', async () => {
    await ownedClient();
    cognito.on(DeleteUserPoolClientCommand).rejects(internalError());

    await expect(service().revoke(CLIENT_ID)).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('ClientCredentialsService.recover', () => {
  beforeEach(async () => {
    await ownedClient();
  });

  test('returns the credential of an existing client-credentials client, with its current scopes', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: described({ AllowedOAuthScopes: ['orders/read', 'orders/write'] }) });

    const credential = await service().recover(CLIENT_ID);

    expect(credential).toStrictEqual({
      credentialType: 'CLIENT_CREDENTIALS',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      customCredentials: {
        tokenUrl: TOKEN_URL,
        grantType: 'client_credentials',
        scopes: ['orders/read', 'orders/write'],
        accessTokenValiditySeconds: 5400,
      },
    });
  });

  test('returns undefined for a client that is gone', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());

    await expect(service().recover(CLIENT_ID)).resolves.toBeUndefined();
  });

  test('returns undefined, reading nothing from Cognito, for a client the ledger does not list', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: described({ ClientId: 'other' }) });

    await expect(service().recover('other')).resolves.toBeUndefined();
    expect(cognito.calls()).toHaveLength(0);
  });
});
