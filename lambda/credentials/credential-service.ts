/**
 * The webhook's use cases: create, update and revoke a credential of the kind this deployment
 * issues for the app's APIs. Requests arrive validated; kinds dispatch to their own service.
 */
import { NotFoundError, UnprocessableError } from '../errors';
import type {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  CredentialType,
  RevokeCredentialsRequest,
  UpdateCredentialsRequest,
} from '../schemas';
import type { ApiKeyService } from './api-key-service';
import type { ClientCredentialsService } from './client-credentials-service';
import { type CredentialLifetimes, lifetimeFor, NO_LIFETIMES } from './lifetime';
import type { ClaimRequest, IssuedCredentialRef, RecoverableCredentials } from './ports';

export interface CredentialKindPolicy {
  readonly defaultCredentialType: CredentialType;
  readonly credentialTypeByApi: ReadonlyMap<string, CredentialType>;
  /** How long credentials live, per API; absent: they never expire. */
  readonly credentialLifetimes?: CredentialLifetimes | undefined;
}

export class CredentialService implements RecoverableCredentials {
  constructor(
    private readonly policy: CredentialKindPolicy,
    private readonly apiKeys: ApiKeyService,
    /** Absent when this deployment issues no client credentials. */
    private readonly clients: ClientCredentialsService | undefined,
  ) {}

  async create(request: CreateCredentialsRequest, claim?: ClaimRequest): Promise<CreateCredentialsResponse> {
    const kind = this.kindFor(request.apis);
    const lifetime = lifetimeFor(request.apis, this.policy.credentialLifetimes ?? NO_LIFETIMES);
    switch (kind) {
      case 'API_KEY':
        return this.apiKeys.create(request, claim, lifetime);
      case 'CLIENT_CREDENTIALS':
        return this.clientService().create(request, claim, lifetime);
    }
  }

  /** The credential is identified by `apiKeyId` or `clientId` (the schema requires exactly one). */
  async update(request: UpdateCredentialsRequest): Promise<void> {
    if (request.apiKeyId !== undefined) return this.apiKeys.update(request.apiKeyId, request);
    // A deployment that issues no clients has none in its ledger: updating or revoking one is a 404.
    if (request.clientId !== undefined) {
      if (this.clients === undefined) throw unknownClient(request.clientId);
      return this.clients.update(request.clientId, request);
    }
  }

  async revoke(request: RevokeCredentialsRequest): Promise<void> {
    if (request.apiKeyId !== undefined) return this.apiKeys.revoke(request.apiKeyId);
    if (request.clientId !== undefined) {
      if (this.clients === undefined) throw unknownClient(request.clientId);
      return this.clients.revoke(request.clientId);
    }
  }

  /** A credential issued earlier, read back from AWS; undefined when it no longer exists. */
  async recover(credential: IssuedCredentialRef): Promise<CreateCredentialsResponse | undefined> {
    return credential.credentialType === 'API_KEY'
      ? this.apiKeys.recover(credential.credentialId)
      : this.clients?.recover(credential.credentialId);
  }

  private clientService(): ClientCredentialsService {
    if (this.clients === undefined) {
      throw new UnprocessableError(
        'CREDENTIAL_TYPE_UNAVAILABLE',
        'This webhook is not configured to issue client credentials.',
      );
    }
    return this.clients;
  }

  /** The one kind the listed APIs need; APIs needing different kinds cannot share a credential. */
  private kindFor(apis: CreateCredentialsRequest['apis']): CredentialType {
    const byKind = new Map<CredentialType, string[]>();
    for (const api of apis) {
      const kind = this.policy.credentialTypeByApi.get(api.id) ?? this.policy.defaultCredentialType;
      byKind.set(kind, [...(byKind.get(kind) ?? []), api.id]);
    }
    if (byKind.size > 1) {
      const parts = [...byKind].map(([kind, ids]) => `${kind} for ${ids.join(', ')}`);
      throw new UnprocessableError(
        'MIXED_CREDENTIAL_TYPES',
        `The APIs need different credential types (${parts.join('; ')}); request them in separate apps.`,
      );
    }
    return byKind.keys().next().value ?? this.policy.defaultCredentialType;
  }
}

function unknownClient(clientId: string): NotFoundError {
  return new NotFoundError('CREDENTIAL_NOT_FOUND', `App client ${clientId} was not issued by this webhook.`);
}
