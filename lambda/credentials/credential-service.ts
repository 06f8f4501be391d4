/**
 * The webhook's use cases: create, update and revoke a credential of the kind this deployment
 * issues for the app's APIs. Requests arrive validated; kinds dispatch to their own service.
 */
import { UnprocessableError } from '../errors';
import type {
  CreateCredentialsRequest,
  CreateCredentialsResponse,
  CredentialType,
  RevokeCredentialsRequest,
  UpdateCredentialsRequest,
} from '../schemas';
import type { ApiKeyService } from './api-key-service';

export interface CredentialKindPolicy {
  readonly defaultCredentialType: CredentialType;
  readonly credentialTypeByApi: ReadonlyMap<string, CredentialType>;
}

export class CredentialService {
  constructor(
    private readonly policy: CredentialKindPolicy,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async create(request: CreateCredentialsRequest): Promise<CreateCredentialsResponse> {
    const kind = this.kindFor(request.apis);
    switch (kind) {
      case 'API_KEY':
        return this.apiKeys.create(request);
      case 'CLIENT_CREDENTIALS':
        throw new UnprocessableError('CREDENTIAL_TYPE_UNAVAILABLE', 'Client credentials are not configured.');
    }
  }

  async update(request: UpdateCredentialsRequest): Promise<void> {
    if (request.apiKeyId !== undefined) {
      await this.apiKeys.update(request.apiKeyId, request);
      return;
    }
    throw new UnprocessableError('CREDENTIAL_TYPE_UNAVAILABLE', 'Client credentials are not configured.');
  }

  async revoke(request: RevokeCredentialsRequest): Promise<void> {
    if (request.apiKeyId !== undefined) {
      await this.apiKeys.revoke(request.apiKeyId);
      return;
    }
    throw new UnprocessableError('CREDENTIAL_TYPE_UNAVAILABLE', 'Client credentials are not configured.');
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
