/** IdempotencyStore in process memory, with the DynamoDB store's semantics, for local runs. */
import type { Claim, ClaimRequest, IdempotencyStore, IssuedCredentialRef } from '../../credentials/ports';

type StoredRecord =
  | {
      readonly status: 'in-progress';
      readonly claimId: string;
      readonly fingerprint: string;
      readonly leaseUntil: number;
      readonly expiresAt: number;
    }
  | { readonly status: 'released'; readonly claimId: string; readonly expiresAt: number }
  | {
      readonly status: 'completed';
      readonly fingerprint: string;
      readonly expiresAt: number;
      readonly credential: IssuedCredentialRef;
    };

export class InMemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, StoredRecord>();

  async claim(request: ClaimRequest): Promise<Claim> {
    const existing = this.records.get(request.key);
    const free =
      existing === undefined ||
      existing.expiresAt < request.now ||
      (existing.status === 'in-progress' && existing.leaseUntil < request.now) ||
      (existing.status === 'released' && existing.claimId !== request.claimId);
    if (free) {
      this.records.set(request.key, {
        status: 'in-progress',
        claimId: request.claimId,
        fingerprint: request.fingerprint,
        leaseUntil: request.leaseUntil,
        expiresAt: request.expiresAt,
      });
      return { status: 'claimed' };
    }
    if (existing.status === 'completed') {
      return { status: 'completed', fingerprint: existing.fingerprint, credential: existing.credential };
    }
    return existing.status === 'in-progress' && existing.claimId === request.claimId
      ? { status: 'claimed' }
      : { status: 'in-progress' };
  }

  async complete(request: ClaimRequest, credential: IssuedCredentialRef): Promise<void> {
    this.records.set(request.key, {
      status: 'completed',
      fingerprint: request.fingerprint,
      expiresAt: request.expiresAt,
      credential,
    });
  }

  async release(request: ClaimRequest): Promise<void> {
    const existing = this.records.get(request.key);
    if (
      existing === undefined ||
      (existing.status === 'in-progress' && existing.claimId === request.claimId)
    ) {
      this.records.set(request.key, {
        status: 'released',
        claimId: request.claimId,
        expiresAt: request.leaseUntil,
      });
    }
  }

  async forget(key: string, credential: IssuedCredentialRef): Promise<void> {
    const existing = this.records.get(key);
    if (existing?.status === 'completed' && existing.credential.credentialId === credential.credentialId) {
      this.records.delete(key);
    }
  }
}
