/**
 * Client-credentials credentials: a Cognito app client with a generated secret, allowed only the
 * OAuth 2.0 client_credentials flow, with the custom scopes configured for the app's APIs.
 * Create is one round trip; update two (Cognito resets what an update omits, so the adapter reads
 * the client first); revoke two (it checks the client is a client-credentials one: IAM cannot).
 */
import type { ClientCredentialsConfig } from '../config';
import { NotFoundError, UnprocessableError } from '../errors';
import type { AppDescription } from './app';
import { clientName } from './naming';
import { type ClientIssuer, ClientRefusedError } from './ports';

/** Cognito allows at most 50 scopes on an app client. */
export const MAX_SCOPES_PER_CLIENT = 50;

export interface ClientCredential {
  readonly credentialType: 'CLIENT_CREDENTIALS';
  readonly clientId: string;
  readonly clientSecret: string;
  readonly customCredentials: {
    readonly tokenUrl: string;
    readonly grantType: 'client_credentials';
    readonly scopes: readonly string[];
    readonly accessTokenValiditySeconds: number;
  };
}

export interface ClientChanges {
  readonly appName?: string | undefined;
  readonly developer?: string | undefined;
  readonly apis?: AppDescription['apis'] | undefined;
}

export class ClientCredentialsService {
  constructor(
    private readonly issuer: ClientIssuer,
    private readonly config: ClientCredentialsConfig,
  ) {}

  async create(app: AppDescription): Promise<ClientCredential> {
    const scopes = this.scopesFor(app.apis);
    const client = await refusals(
      this.issuer.createClient({
        name: clientName(app.appName, app.developer),
        scopes,
        accessTokenValidityMinutes: this.config.accessTokenValidityMinutes,
      }),
    );
    return this.credential(client.clientId, client.clientSecret, scopes);
  }

  /** The credential of a client issued earlier (a repeated create), or undefined if it is gone. */
  async recover(clientId: string): Promise<ClientCredential | undefined> {
    const client = await this.issuer.findClient(clientId);
    return client === undefined ? undefined : this.credential(clientId, client.clientSecret, client.scopes);
  }

  /** The client's name and scopes follow the request; its other settings are kept. */
  async update(clientId: string, changes: ClientChanges): Promise<void> {
    const name =
      changes.appName !== undefined && changes.developer !== undefined
        ? clientName(changes.appName, changes.developer)
        : undefined;
    const scopes = changes.apis === undefined ? undefined : this.scopesFor(changes.apis);
    if (!(await refusals(this.issuer.updateClient(clientId, { name, scopes }))))
      throw unknownClient(clientId);
  }

  /** Deletes the client; an absent client is already revoked, another kind of client is not ours. */
  async revoke(clientId: string): Promise<void> {
    if ((await this.issuer.deleteClient(clientId)) === 'foreign') throw unknownClient(clientId);
  }

  private credential(clientId: string, clientSecret: string, scopes: readonly string[]): ClientCredential {
    return {
      credentialType: 'CLIENT_CREDENTIALS',
      clientId,
      clientSecret,
      customCredentials: {
        tokenUrl: this.config.tokenUrl,
        grantType: 'client_credentials',
        scopes,
        accessTokenValiditySeconds: this.config.accessTokenValidityMinutes * 60,
      },
    };
  }

  /** The configured scopes of the listed APIs, deduplicated, in a stable order. */
  private scopesFor(apis: AppDescription['apis']): string[] {
    const scopes = new Set<string>();
    const unconfigured: string[] = [];
    for (const api of apis) {
      const forApi = this.config.scopesByApi.get(api.id) ?? this.config.defaultScopes;
      if (forApi.length === 0) unconfigured.push(api.id);
      for (const scope of forApi) scopes.add(scope);
    }
    if (unconfigured.length > 0) {
      throw new UnprocessableError(
        'NO_SCOPES_CONFIGURED',
        `This webhook has no OAuth scopes configured for API(s) ${unconfigured.join(', ')}.`,
      );
    }
    if (scopes.size === 0) {
      throw new UnprocessableError(
        'NO_APIS',
        'A client-credentials client needs at least one API in apis[].',
      );
    }
    if (scopes.size > MAX_SCOPES_PER_CLIENT) {
      throw new UnprocessableError(
        'TOO_MANY_SCOPES',
        `An app client can have at most ${MAX_SCOPES_PER_CLIENT} scopes; these APIs need ${scopes.size}.`,
      );
    }
    return [...scopes].sort();
  }
}

function unknownClient(clientId: string): NotFoundError {
  return new NotFoundError(
    'CREDENTIAL_NOT_FOUND',
    `App client ${clientId} does not exist or was not issued by this webhook.`,
  );
}

/** Turns Cognito's refusal of the client's settings into the error the caller sees. */
async function refusals<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (!(error instanceof ClientRefusedError)) throw error;
    throw error.reason === 'scope-not-found'
      ? new UnprocessableError(
          'SCOPE_NOT_FOUND',
          'The user pool does not define a scope this webhook is configured to grant.',
        )
      : new UnprocessableError('CLIENT_LIMIT_REACHED', 'The user pool has reached its quota of app clients.');
  }
}
