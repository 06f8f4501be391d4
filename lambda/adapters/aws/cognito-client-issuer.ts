/** ClientIssuer on Amazon Cognito user-pool app clients. */
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DeleteUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
  UpdateUserPoolClientCommand,
  type UpdateUserPoolClientCommandInput,
  type UserPoolClientType,
} from '@aws-sdk/client-cognito-identity-provider';
import { formatMarker, markerInClientName } from '../../credentials/marker';
import {
  type ClientIssuer,
  ClientRefusedError,
  type IssuedClient,
  type NewClient,
  OutcomeUnknownError,
} from '../../credentials/ports';
import { UpstreamError } from '../../errors';
import { awsErrorName, isUncertain, unwrapNotRetried, upstreamError } from './errors';

const CLIENT_CREDENTIALS = 'client_credentials';

/**
 * The settings UpdateUserPoolClient accepts. Cognito resets every one of them that an update
 * omits, so an update copies them all from the client's current description.
 */
const UPDATABLE_SETTINGS = [
  'ClientName',
  'RefreshTokenValidity',
  'AccessTokenValidity',
  'IdTokenValidity',
  'TokenValidityUnits',
  'ReadAttributes',
  'WriteAttributes',
  'ExplicitAuthFlows',
  'SupportedIdentityProviders',
  'CallbackURLs',
  'LogoutURLs',
  'DefaultRedirectURI',
  'AllowedOAuthFlows',
  'AllowedOAuthScopes',
  'AllowedOAuthFlowsUserPoolClient',
  'AnalyticsConfiguration',
  'PreventUserExistenceErrors',
  'EnableTokenRevocation',
  'EnablePropagateAdditionalUserContextData',
  'AuthSessionValidity',
  'RefreshTokenRotation',
] as const satisfies readonly (keyof UserPoolClientType & keyof UpdateUserPoolClientCommandInput)[];

export class CognitoClientIssuer implements ClientIssuer {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  /**
   * Creates the client. A create whose answer is lost (timeout, 5xx) may still have made it, so it
   * is not retried (clients.ts): a retry would make a second client. Instead the pool is searched
   * for the client whose name ends with this create's marker, which is adopted; if none is found,
   * the outcome is unknown and the reconciler removes the client if it appears.
   */
  async createClient(client: NewClient): Promise<IssuedClient> {
    const command = new CreateUserPoolClientCommand({
      UserPoolId: this.userPoolId,
      ClientName: client.name,
      GenerateSecret: true,
      AllowedOAuthFlows: [CLIENT_CREDENTIALS],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: [...client.scopes],
      // A machine client signs no users in: only refresh (which client_credentials never uses).
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      SupportedIdentityProviders: ['COGNITO'],
      AccessTokenValidity: client.accessTokenValidityMinutes,
      TokenValidityUnits: { AccessToken: 'minutes' },
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
    let created: UserPoolClientType | undefined;
    try {
      ({ UserPoolClient: created } = await this.client.send(command));
    } catch (thrown) {
      const error = unwrapNotRetried(thrown);
      if (!isUncertain(error)) throw refusalOrUpstream(error);
      const adopted = await this.findMarked(client.marker).catch(() => undefined);
      if (adopted !== undefined) return adopted;
      throw new OutcomeUnknownError(upstreamError(error));
    }
    if (created?.ClientId === undefined || created.ClientSecret === undefined) {
      throw new UpstreamError('Cognito did not return the new app client.');
    }
    return { clientId: created.ClientId, clientSecret: created.ClientSecret };
  }

  /** The client whose name ends with `marker`: the one a create whose answer was lost made. */
  private async findMarked(marker: string): Promise<IssuedClient | undefined> {
    for await (const candidate of this.clients()) {
      const found = markerInClientName(candidate.ClientName);
      if (found === undefined || formatMarker(found) !== marker || candidate.ClientId === undefined) continue;
      const described = await this.describe(candidate.ClientId);
      if (described?.ClientSecret !== undefined) {
        return { clientId: candidate.ClientId, clientSecret: described.ClientSecret };
      }
    }
    return undefined;
  }

  /** Every app client of the pool, page by page. */
  async *clients(): AsyncGenerator<{ ClientId?: string | undefined; ClientName?: string | undefined }> {
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListUserPoolClientsCommand({ UserPoolId: this.userPoolId, MaxResults: 60, NextToken: nextToken }),
      );
      yield* page.UserPoolClients ?? [];
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
  }

  async findClient(clientId: string) {
    const current = await this.describe(clientId);
    if (current?.ClientSecret === undefined) return undefined;
    return { clientId, clientSecret: current.ClientSecret, scopes: current.AllowedOAuthScopes ?? [] };
  }

  async updateClient(
    clientId: string,
    changes: { readonly name?: string | undefined; readonly scopes?: readonly string[] | undefined },
  ): Promise<boolean> {
    const current = await this.describe(clientId);
    if (current === undefined) return false;

    const name = changes.name ?? current.ClientName;
    const scopes = changes.scopes ?? current.AllowedOAuthScopes ?? [];
    if (name === current.ClientName && sameSet(scopes, current.AllowedOAuthScopes ?? [])) return true;

    const input: UpdateUserPoolClientCommandInput = { UserPoolId: this.userPoolId, ClientId: clientId };
    for (const setting of UPDATABLE_SETTINGS) copySetting(input, current, setting);
    input.ClientName = name;
    input.AllowedOAuthScopes = [...scopes];
    try {
      await this.client.send(new UpdateUserPoolClientCommand(input));
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return false;
      throw refusalOrUpstream(error);
    }
    return true;
  }

  /** The client's description, or undefined when it does not exist. */
  private async describe(clientId: string): Promise<UserPoolClientType | undefined> {
    try {
      const { UserPoolClient } = await this.client.send(
        new DescribeUserPoolClientCommand({ UserPoolId: this.userPoolId, ClientId: clientId }),
      );
      return UserPoolClient;
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return undefined;
      throw upstreamError(error);
    }
  }

  async deleteClient(clientId: string): Promise<'deleted' | 'absent'> {
    try {
      await this.client.send(
        new DeleteUserPoolClientCommand({ UserPoolId: this.userPoolId, ClientId: clientId }),
      );
      return 'deleted';
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') return 'absent';
      throw upstreamError(error);
    }
  }

  /** When Cognito created the client; undefined when it does not exist or does not say. */
  async createdAt(clientId: string): Promise<Date | undefined> {
    return (await this.describe(clientId))?.CreationDate;
  }
}

function copySetting<K extends (typeof UPDATABLE_SETTINGS)[number]>(
  input: UpdateUserPoolClientCommandInput,
  current: UserPoolClientType,
  setting: K,
): void {
  if (current[setting] !== undefined)
    input[setting] = current[setting] as UpdateUserPoolClientCommandInput[K];
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function refusalOrUpstream(error: unknown): Error {
  switch (awsErrorName(error)) {
    case 'ScopeDoesNotExistException':
      return new ClientRefusedError('scope-not-found');
    case 'LimitExceededException':
      return new ClientRefusedError('client-limit-reached');
    default:
      return upstreamError(error);
  }
}
