/**
 * Client-credentials credentials: a Cognito app client with a generated secret, allowed only the
 * OAuth 2.0 client_credentials flow, with the custom scopes configured for the app's APIs.
 * Create is one round trip to Cognito, between the ledger's intent and its `issued` record; update
 * two (Cognito resets what an update omits, so the adapter reads the client first); revoke one.
 * Cognito's IAM cannot tell one client of a pool from another: the ledger is what says which
 * clients are this webhook's, so a pool shared with other clients is safe.
 */
import type { ClientCredentialsConfig } from '../config';
import { NotFoundError, UnprocessableError } from '../errors';
import type { ClientCredentialResponse } from '../schemas';
import type { AppChanges, AppDescription } from './app';
import { expiryField } from './lifetime';
import { formatMarker } from './marker';
import { clientName } from './naming';
import {
  type ClaimRequest,
  type ClientIssuer,
  ClientRefusedError,
  type CredentialLedger,
  type NewLedgerEntry,
} from './ports';
import { changedApp, Recording, type RecordingOptions, recordedApp } from './recording';

/** Cognito allows at most 50 scopes on an app client. */
export const MAX_SCOPES_PER_CLIENT = 50;

/**
 * The schema's answer, with `customCredentials` narrowed: the schema types it as any record (the
 * Portal stores it as given), which would lose the fields this service always sets and its tests read.
 */
export type ClientCredential = Readonly<Omit<ClientCredentialResponse, 'customCredentials'>> & {
  readonly customCredentials: {
    readonly tokenUrl: string;
    readonly grantType: 'client_credentials';
    readonly scopes: readonly string[];
    readonly accessTokenValiditySeconds: number;
    /** ISO 8601 (UTC); only for a client that expires. */
    readonly expiresAt?: string;
  };
};

export type ClientChanges = AppChanges;

export class ClientCredentialsService {
  private readonly recording: Recording;

  constructor(
    private readonly issuer: ClientIssuer,
    ledger: CredentialLedger,
    private readonly config: ClientCredentialsConfig,
    options: RecordingOptions = {},
  ) {
    this.recording = new Recording(ledger, 'CLIENT_CREDENTIALS', options);
  }

  /** Issues a client; with `lifetimeSeconds` it expires that long after now (undefined: never). */
  async create(
    app: AppDescription,
    claim?: ClaimRequest,
    lifetimeSeconds?: number,
  ): Promise<ClientCredential> {
    const scopes = this.scopesFor(app.apis);
    const { entry, marker } = await this.recording.begin(
      recordedApp(app),
      { kind: 'CLIENT_CREDENTIALS', scopes },
      lifetimeSeconds,
    );
    const client = await this.recording.create(entry, () =>
      refusals(
        this.issuer.createClient({
          name: clientName(app.appName, app.developer, marker),
          marker: formatMarker(marker),
          scopes,
          accessTokenValidityMinutes: this.tokenValidityMinutes(entry),
        }),
      ),
    );
    await this.recording.issue(
      entry,
      { credentialId: client.clientId, claim },
      {
        remove: () => this.issuer.deleteClient(client.clientId),
        exists: async () => (await this.issuer.findClient(client.clientId)) !== undefined,
      },
    );
    return this.credential(entry, client.clientId, client.clientSecret, scopes);
  }

  /** The credential of a client issued earlier (a repeated create), or undefined if it is gone. */
  async recover(clientId: string): Promise<ClientCredential | undefined> {
    const entry = await this.recording.owned(clientId);
    if (entry === undefined) return undefined;
    const client = await this.issuer.findClient(clientId);
    return client === undefined
      ? undefined
      : this.credential(entry, clientId, client.clientSecret, client.scopes);
  }

  /** The client's name and scopes follow the request; its other settings are kept. */
  async update(clientId: string, changes: ClientChanges): Promise<void> {
    const entry = await this.recording.owned(clientId);
    if (entry === undefined) throw unknownClient(clientId);
    const scopes = changes.apis === undefined ? undefined : this.scopesFor(changes.apis);
    const app = changedApp(entry.app, changes);
    // The name keeps the client's marker: the reconciler matches the client to its entry by it.
    const name =
      changes.appName !== undefined && changes.developer !== undefined
        ? clientName(app.appName, app.developer, {
            instance: this.recording.instance,
            ledgerId: entry.ledgerId,
          })
        : undefined;
    if (!(await refusals(this.issuer.updateClient(clientId, { name, scopes }))))
      throw unknownClient(clientId);
    const recorded = entry.grants.kind === 'CLIENT_CREDENTIALS' ? entry.grants.scopes : [];
    await this.recording.amend(entry, app, { kind: 'CLIENT_CREDENTIALS', scopes: scopes ?? recorded });
  }

  /** Records the revoke, then deletes the client; a client the ledger does not list is not ours. */
  async revoke(clientId: string): Promise<void> {
    const entry = await this.recording.find(clientId);
    if (entry === undefined) throw unknownClient(clientId);
    await this.recording.revoke(entry);
    await this.issuer.deleteClient(clientId);
  }

  private credential(
    entry: NewLedgerEntry,
    clientId: string,
    clientSecret: string,
    scopes: readonly string[],
  ): ClientCredential {
    return {
      credentialType: 'CLIENT_CREDENTIALS',
      clientId,
      clientSecret,
      customCredentials: {
        tokenUrl: this.config.tokenUrl,
        grantType: 'client_credentials',
        scopes,
        accessTokenValiditySeconds: this.tokenValidityMinutes(entry) * 60,
        ...expiryField(entry.expiresAt),
      },
    };
  }

  /**
   * The configured access-token lifetime, capped by the client's own lifetime (whole minutes, as
   * the client is created with): a token obtained at create never outlives the client. Read from
   * the entry, so a repeated create answers what the first one set. Config keeps a lifetime that
   * applies to clients at 5 minutes or more, Cognito's shortest token lifetime.
   */
  private tokenValidityMinutes(entry: Pick<NewLedgerEntry, 'createdAt' | 'expiresAt'>): number {
    const configured = this.config.accessTokenValidityMinutes;
    if (entry.expiresAt === undefined) return configured;
    return Math.min(configured, Math.floor((entry.expiresAt - entry.createdAt) / 60_000));
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
