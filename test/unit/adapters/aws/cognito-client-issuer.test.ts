/**
 * CognitoClientIssuer over a mocked CognitoIdentityProviderClient: what each port method returns
 * or throws for each way Cognito answers, and the exact commands it sends. The update tests are the
 * proof that an update keeps a client's other settings: Cognito resets every setting
 * UpdateUserPoolClient omits, while moto merges, so only the exact input shows it.
 */
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  type CreateUserPoolClientCommandInput,
  DeleteUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
  UpdateUserPoolClientCommand,
  type UpdateUserPoolClientCommandInput,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { CognitoClientIssuer } from '../../../../lambda/adapters/aws/cognito-client-issuer';
import { NotRetriedError } from '../../../../lambda/adapters/aws/errors';
import {
  ClientRefusedError,
  type NewClient,
  OutcomeUnknownError,
} from '../../../../lambda/credentials/ports';
import { ThrottledError, UnavailableError, UpstreamError } from '../../../../lambda/errors';
import { cognitoErrors, timeoutError } from '../../../support/aws-errors';

const cognito = mockClient(CognitoIdentityProviderClient);

const USER_POOL_ID = 'us-east-1_AbC123';
const MARKER = '0a1b2c3d.abcdefgh01234567';
const NAME = `my app - dev@example.com cw=${MARKER}`;
const CLIENT_ID = '4tq1example0client0id00000';
const CLIENT_SECRET = 'generated-client-secret-0123456789abcdefghijklmnopq';

const { notFound, scopeMissing, limitReached, throttled, internalError, invalidParameter, notAuthorized } =
  cognitoErrors;

const issuer = () =>
  new CognitoClientIssuer(new CognitoIdentityProviderClient({ region: 'us-east-1' }), USER_POOL_ID);

/** A client-credentials client as Cognito describes it, with only the fields that matter here. */
function described(overrides: Partial<UserPoolClientType> = {}): UserPoolClientType {
  return {
    UserPoolId: USER_POOL_ID,
    ClientId: CLIENT_ID,
    ClientName: NAME,
    ClientSecret: CLIENT_SECRET,
    AllowedOAuthFlows: ['client_credentials'],
    AllowedOAuthFlowsUserPoolClient: true,
    AllowedOAuthScopes: ['orders/read'],
    ...overrides,
  };
}

const updateInputs = (): UpdateUserPoolClientCommandInput[] =>
  cognito.commandCalls(UpdateUserPoolClientCommand).map(({ args: [command] }) => command.input);

beforeEach(() => {
  cognito.reset();
});

describe('createClient', () => {
  const newClient: NewClient = {
    name: NAME,
    marker: MARKER,
    scopes: ['orders/read', 'orders/write'],
    accessTokenValidityMinutes: 15,
  };

  test('creates one confidential client-credentials client in the configured pool with the given name, scopes and access-token validity', async () => {
    cognito
      .on(CreateUserPoolClientCommand)
      .resolves({ UserPoolClient: { ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET } });

    await issuer().createClient(newClient);

    const inputs: CreateUserPoolClientCommandInput[] = cognito
      .commandCalls(CreateUserPoolClientCommand)
      .map(({ args: [command] }) => command.input);
    expect(inputs).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientName: newClient.name,
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['orders/read', 'orders/write'],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        SupportedIdentityProviders: ['COGNITO'],
        AccessTokenValidity: 15,
        TokenValidityUnits: { AccessToken: 'minutes' },
        EnableTokenRevocation: true,
        PreventUserExistenceErrors: 'ENABLED',
      },
    ]);
  });

  test('returns the id and secret Cognito generated', async () => {
    cognito
      .on(CreateUserPoolClientCommand)
      .resolves({ UserPoolClient: { ClientId: CLIENT_ID, ClientSecret: CLIENT_SECRET } });

    await expect(issuer().createClient(newClient)).resolves.toEqual({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
  });

  test.each([
    ['no client', {}],
    ['a client without an id', { UserPoolClient: { ClientSecret: CLIENT_SECRET } }],
    ['a client without a secret', { UserPoolClient: { ClientId: CLIENT_ID } }],
  ])('fails with 502 when Cognito returns %s', async (_case, output) => {
    cognito.on(CreateUserPoolClientCommand).resolves(output);

    await expect(issuer().createClient(newClient)).rejects.toBeInstanceOf(UpstreamError);
  });

  test.each([
    ['ScopeDoesNotExistException', scopeMissing, 'scope-not-found'],
    ['LimitExceededException', limitReached, 'client-limit-reached'],
  ])('turns %s into a ClientRefusedError (%s)', async (_name, refusal, reason) => {
    cognito.on(CreateUserPoolClientCommand).rejects(refusal());

    const error = await issuer()
      .createClient(newClient)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClientRefusedError);
    expect(error).toMatchObject({ reason });
  });

  test.each([
    ['TooManyRequestsException', '429', throttled, ThrottledError],
    ['InvalidParameterException', '502', invalidParameter, UpstreamError],
    ['NotAuthorizedException', '502', notAuthorized, UpstreamError],
  ])('maps %s to %s', async (_name, _status, failure, expected) => {
    cognito.on(CreateUserPoolClientCommand).rejects(failure());

    await expect(issuer().createClient(newClient)).rejects.toBeInstanceOf(expected);
  });
});

describe('createClient whose answer was lost', () => {
  const newClient: NewClient = {
    name: NAME,
    marker: MARKER,
    scopes: ['orders/read'],
    accessTokenValidityMinutes: 60,
  };

  /** The create fails with `failure`; the pool lists `clients` (id, name) and describes each as given. */
  function pool(
    clients: Array<{ id: string; name: string; described?: UserPoolClientType }>,
    failure: () => Error = internalError,
  ): void {
    cognito.on(CreateUserPoolClientCommand).rejects(failure());
    cognito.on(ListUserPoolClientsCommand).resolves({
      UserPoolClients: clients.map((c) => ({ ClientId: c.id, ClientName: c.name, UserPoolId: USER_POOL_ID })),
    });
    for (const c of clients) {
      cognito
        .on(DescribeUserPoolClientCommand, { ClientId: c.id })
        .resolves({ UserPoolClient: c.described ?? described({ ClientId: c.id }) });
    }
  }

  const failure = (promise: Promise<unknown>) => promise.catch((caught: unknown) => caught);

  test('adopts the client whose name ends with the create’s marker', async () => {
    pool([
      { id: 'other', name: 'another app - dev@example.com' },
      { id: 'made', name: NAME, described: described({ ClientId: 'made', ClientSecret: 's3cret' }) },
    ]);

    await expect(issuer().createClient(newClient)).resolves.toEqual({
      clientId: 'made',
      clientSecret: 's3cret',
    });
  });

  test('searches the configured pool, 60 clients a page, and describes only the marked client', async () => {
    pool([
      { id: 'other', name: 'another app - dev@example.com' },
      { id: 'made', name: NAME },
    ]);

    await issuer().createClient(newClient);

    expect(cognito).toHaveReceivedCommandWith(ListUserPoolClientsCommand, {
      UserPoolId: USER_POOL_ID,
      MaxResults: 60,
    });
    expect(cognito.commandCalls(DescribeUserPoolClientCommand).map(({ args: [c] }) => c.input)).toEqual([
      { UserPoolId: USER_POOL_ID, ClientId: 'made' },
    ]);
  });

  test.each([
    ['another entry of this deployment', 'my app - dev@example.com cw=0a1b2c3d.zzzzzzzzzzzzzzzz'],
    ['the same entry id of another deployment', 'my app - dev@example.com cw=ffffffff.abcdefgh01234567'],
    ['the marker not at the end of the name', `my app cw=${MARKER} - dev@example.com`],
  ])('does not adopt a client marked by %s', async (_case, name) => {
    pool([{ id: 'other', name }]);

    const error = await failure(issuer().createClient(newClient));

    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(cognito).not.toHaveReceivedCommand(DescribeUserPoolClientCommand);
  });

  test('reports an unknown outcome, carrying a 503, when no client carries the marker', async () => {
    pool([{ id: 'other', name: 'another app - dev@example.com' }]);

    const error = await failure(issuer().createClient(newClient));

    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).cause).toBeInstanceOf(UnavailableError);
  });

  test('reports an unknown outcome when the marked client has no secret', async () => {
    const { ClientSecret: _omitted, ...withoutSecret } = described({ ClientId: 'made' });
    pool([{ id: 'made', name: NAME, described: withoutSecret }]);

    await expect(issuer().createClient(newClient)).rejects.toBeInstanceOf(OutcomeUnknownError);
  });

  test('reports an unknown outcome when the search fails too', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(internalError());
    cognito.on(ListUserPoolClientsCommand).rejects(throttled());

    const error = await failure(issuer().createClient(newClient));

    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect((error as OutcomeUnknownError).cause).toBeInstanceOf(UnavailableError);
  });

  test('searches after a timeout', async () => {
    pool([{ id: 'made', name: NAME }], () => timeoutError('timed out'));

    await expect(issuer().createClient(newClient)).resolves.toMatchObject({ clientId: 'made' });
  });

  test('searches after a failure the SDK was kept from retrying', async () => {
    pool([{ id: 'made', name: NAME }], () => new NotRetriedError(internalError()));

    await expect(issuer().createClient(newClient)).resolves.toMatchObject({ clientId: 'made' });
  });

  test('follows the pages of the pool', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(internalError());
    cognito
      .on(ListUserPoolClientsCommand)
      .resolvesOnce({ UserPoolClients: [], NextToken: 'page-2' })
      .resolves({ UserPoolClients: [{ ClientId: 'made', ClientName: NAME }] });
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: described({ ClientId: 'made' }) });

    await expect(issuer().createClient(newClient)).resolves.toMatchObject({ clientId: 'made' });
    expect(cognito).toHaveReceivedNthSpecificCommandWith(2, ListUserPoolClientsCommand, {
      NextToken: 'page-2',
    });
  });

  test('a refusal is not looked up: Cognito made nothing', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(invalidParameter());

    await expect(issuer().createClient(newClient)).rejects.toBeInstanceOf(UpstreamError);
    expect(cognito).not.toHaveReceivedCommand(ListUserPoolClientsCommand);
  });

  test('throttling is not looked up: a throttled create made nothing', async () => {
    cognito.on(CreateUserPoolClientCommand).rejects(throttled());

    await expect(issuer().createClient(newClient)).rejects.toBeInstanceOf(ThrottledError);
    expect(cognito).not.toHaveReceivedCommand(ListUserPoolClientsCommand);
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

/** The client as DescribeUserPoolClient returns it with every setting: the settings plus read-only fields. */
function fullyDescribed(overrides: Partial<UserPoolClientType> = {}): UserPoolClientType {
  return {
    UserPoolId: USER_POOL_ID,
    ClientId: CLIENT_ID,
    ClientSecret: CLIENT_SECRET,
    ClientType: 'REGULAR',
    CreationDate: new Date('2026-01-01T00:00:00Z'),
    LastModifiedDate: new Date('2026-02-01T00:00:00Z'),
    ClientName: NAME,
    AllowedOAuthScopes: ['orders/read'],
    ...KEPT_SETTINGS,
    ...overrides,
  };
}

describe('updateClient', () => {
  function existingClient(client: UserPoolClientType = described()): void {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: client });
    cognito.on(UpdateUserPoolClientCommand).resolves({});
  }

  test('reads the client in the configured pool first', async () => {
    existingClient();

    await issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] });

    expect(cognito.calls().map(({ args: [command] }) => command.constructor.name)).toEqual([
      'DescribeUserPoolClientCommand',
      'UpdateUserPoolClientCommand',
    ]);
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolClientCommand, {
      UserPoolId: USER_POOL_ID,
      ClientId: CLIENT_ID,
    });
  });

  test('sends every other setting of the client unchanged, with the new name and scopes', async () => {
    existingClient(fullyDescribed());

    await issuer().updateClient(CLIENT_ID, {
      name: `renamed app - dev@example.com cw=${MARKER}`,
      scopes: ['billing/read', 'orders/read'],
    });

    expect(updateInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientId: CLIENT_ID,
        ...KEPT_SETTINGS,
        ClientName: `renamed app - dev@example.com cw=${MARKER}`,
        AllowedOAuthScopes: ['billing/read', 'orders/read'],
      },
    ]);
  });

  test('keeps the scopes, with every other setting, when given only a name', async () => {
    existingClient(fullyDescribed({ AllowedOAuthScopes: ['orders/read', 'orders/write'] }));

    await issuer().updateClient(CLIENT_ID, { name: `renamed app - dev@example.com cw=${MARKER}` });

    expect(updateInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientId: CLIENT_ID,
        ...KEPT_SETTINGS,
        ClientName: `renamed app - dev@example.com cw=${MARKER}`,
        AllowedOAuthScopes: ['orders/read', 'orders/write'],
      },
    ]);
  });

  test('keeps the name, with every other setting, when given only scopes', async () => {
    existingClient(fullyDescribed());

    await issuer().updateClient(CLIENT_ID, { scopes: ['billing/read', 'billing/write'] });

    expect(updateInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientId: CLIENT_ID,
        ...KEPT_SETTINGS,
        ClientName: NAME,
        AllowedOAuthScopes: ['billing/read', 'billing/write'],
      },
    ]);
  });

  test('returns true without updating when the name and scopes are already as asked', async () => {
    existingClient(described({ AllowedOAuthScopes: ['billing/write', 'billing/read'] }));

    await expect(
      issuer().updateClient(CLIENT_ID, { name: NAME, scopes: ['billing/read', 'billing/write'] }),
    ).resolves.toBe(true);
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('returns true without updating when asked to change nothing', async () => {
    existingClient();

    await expect(issuer().updateClient(CLIENT_ID, {})).resolves.toBe(true);
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('returns true once the client is updated', async () => {
    existingClient();

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] })).resolves.toBe(true);
    expect(cognito).toHaveReceivedCommandTimes(UpdateUserPoolClientCommand, 1);
  });

  test('sends only the settings the client has: none left undefined', async () => {
    existingClient();

    await issuer().updateClient(CLIENT_ID, { name: `renamed - dev@example.com cw=${MARKER}` });

    expect(updateInputs()).toStrictEqual([
      {
        UserPoolId: USER_POOL_ID,
        ClientId: CLIENT_ID,
        ClientName: `renamed - dev@example.com cw=${MARKER}`,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['orders/read'],
      },
    ]);
  });

  test('does not send the read-only fields of the description (secret, dates, client type)', async () => {
    existingClient(
      described({
        ClientType: 'REGULAR',
        CreationDate: new Date('2026-01-01T00:00:00Z'),
        LastModifiedDate: new Date('2026-02-01T00:00:00Z'),
      }),
    );

    await issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] });

    const [input] = updateInputs();
    expect(Object.keys(input ?? {})).toEqual(
      expect.not.arrayContaining(['ClientSecret', 'ClientType', 'CreationDate', 'LastModifiedDate']),
    );
  });

  test('returns true without updating when the scopes are the same set in another order', async () => {
    existingClient(described({ AllowedOAuthScopes: ['orders/write', 'orders/read'] }));

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/read', 'orders/write'] })).resolves.toBe(
      true,
    );
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('updates when a scope is replaced by another, even with the same count', async () => {
    existingClient(described({ AllowedOAuthScopes: ['orders/read', 'orders/write'] }));

    await issuer().updateClient(CLIENT_ID, { scopes: ['orders/read', 'billing/read'] });

    expect(cognito).toHaveReceivedCommandWith(UpdateUserPoolClientCommand, {
      AllowedOAuthScopes: ['orders/read', 'billing/read'],
    });
  });

  test('returns false when the client does not exist', async () => {
    existingClient();
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] })).resolves.toBe(false);
  });

  test('returns false when the client disappears before the update', async () => {
    existingClient();
    cognito.on(UpdateUserPoolClientCommand).rejects(notFound());

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] })).resolves.toBe(false);
  });

  test('updates a client whatever its OAuth flows, keeping them: ownership is the ledger’s to say', async () => {
    existingClient(described({ AllowedOAuthFlows: ['code', 'implicit'] }));

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] })).resolves.toBe(true);
    expect(cognito).toHaveReceivedCommandWith(UpdateUserPoolClientCommand, {
      AllowedOAuthFlows: ['code', 'implicit'],
      AllowedOAuthScopes: ['orders/write'],
    });
  });

  test('turns a refused scope into a ClientRefusedError (scope-not-found)', async () => {
    existingClient();
    cognito.on(UpdateUserPoolClientCommand).rejects(scopeMissing());

    const error = await issuer()
      .updateClient(CLIENT_ID, { scopes: ['orders/none'] })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ClientRefusedError);
    expect(error).toMatchObject({ reason: 'scope-not-found' });
  });

  test('maps a throttled read to 429, sending no update', async () => {
    existingClient();
    cognito.on(DescribeUserPoolClientCommand).rejects(throttled());

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] })).rejects.toBeInstanceOf(
      ThrottledError,
    );
    expect(cognito).not.toHaveReceivedCommand(UpdateUserPoolClientCommand);
  });

  test('maps an internal error of the update to 503', async () => {
    existingClient();
    cognito.on(UpdateUserPoolClientCommand).rejects(internalError());

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] })).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  test('maps a refused update parameter to 502', async () => {
    existingClient();
    cognito.on(UpdateUserPoolClientCommand).rejects(invalidParameter());

    await expect(issuer().updateClient(CLIENT_ID, { scopes: ['orders/write'] })).rejects.toBeInstanceOf(
      UpstreamError,
    );
  });
});

describe('findClient', () => {
  test('reads the client in the configured pool and returns its id, secret and scopes', async () => {
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: described() });

    const found = await issuer().findClient(CLIENT_ID);

    expect(found).toEqual({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['orders/read'] });
    expect(cognito).toHaveReceivedCommandWith(DescribeUserPoolClientCommand, {
      UserPoolId: USER_POOL_ID,
      ClientId: CLIENT_ID,
    });
  });

  test('returns undefined when the client does not exist', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());

    await expect(issuer().findClient(CLIENT_ID)).resolves.toBeUndefined();
  });

  test('returns undefined for a client without a secret', async () => {
    const { ClientSecret: _omitted, ...publicClient } = described();
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: publicClient });

    await expect(issuer().findClient(CLIENT_ID)).resolves.toBeUndefined();
  });

  test('returns a client whatever its OAuth flows: ownership is the ledger’s to say', async () => {
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: described({ AllowedOAuthFlows: ['client_credentials', 'code'] }) });

    await expect(issuer().findClient(CLIENT_ID)).resolves.toMatchObject({ clientId: CLIENT_ID });
  });

  test('returns no scopes for a client that has none', async () => {
    const { AllowedOAuthScopes: _omitted, ...withoutScopes } = described();
    cognito.on(DescribeUserPoolClientCommand).resolves({ UserPoolClient: withoutScopes });

    await expect(issuer().findClient(CLIENT_ID)).resolves.toMatchObject({ scopes: [] });
  });

  test('maps an internal error to 503', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(internalError());

    await expect(issuer().findClient(CLIENT_ID)).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('deleteClient', () => {
  test('deletes the client from the configured pool in one call, without describing it first', async () => {
    cognito.on(DeleteUserPoolClientCommand).resolves({});

    await expect(issuer().deleteClient(CLIENT_ID)).resolves.toBe('deleted');
    expect(cognito.calls().map(({ args: [command] }) => command.input)).toEqual([
      { UserPoolId: USER_POOL_ID, ClientId: CLIENT_ID },
    ]);
    expect(cognito).toHaveReceivedCommand(DeleteUserPoolClientCommand);
  });

  test('answers absent when the client does not exist', async () => {
    cognito.on(DeleteUserPoolClientCommand).rejects(notFound());

    await expect(issuer().deleteClient(CLIENT_ID)).resolves.toBe('absent');
  });

  test('maps a throttled delete to 429', async () => {
    cognito.on(DeleteUserPoolClientCommand).rejects(throttled());

    await expect(issuer().deleteClient(CLIENT_ID)).rejects.toBeInstanceOf(ThrottledError);
  });

  test('maps an internal error of the delete to 503', async () => {
    cognito.on(DeleteUserPoolClientCommand).rejects(internalError());

    await expect(issuer().deleteClient(CLIENT_ID)).rejects.toBeInstanceOf(UnavailableError);
  });

  test('maps a refused delete to 502', async () => {
    cognito.on(DeleteUserPoolClientCommand).rejects(notAuthorized());

    await expect(issuer().deleteClient(CLIENT_ID)).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('createdAt', () => {
  test('is the creation date Cognito describes', async () => {
    const created = new Date('2026-11-23T10:00:00Z');
    cognito
      .on(DescribeUserPoolClientCommand)
      .resolves({ UserPoolClient: described({ CreationDate: created }) });

    await expect(issuer().createdAt(CLIENT_ID)).resolves.toEqual(created);
  });

  test('is undefined for a client that does not exist', async () => {
    cognito.on(DescribeUserPoolClientCommand).rejects(notFound());

    await expect(issuer().createdAt(CLIENT_ID)).resolves.toBeUndefined();
  });
});
