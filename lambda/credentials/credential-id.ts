/**
 * A credential is named by `apiKeyId` (API keys) or `clientId` (app clients) on the wire, and by
 * `credentialType` + `credentialId` in the records. These turn one into the other, in one place.
 */
import type { CredentialType } from '../schemas';

/** Anything that names a credential the wire's way: a request, or a create's answer. */
export interface WireCredentialId {
  readonly apiKeyId?: string | undefined;
  readonly clientId?: string | undefined;
}

/** The AWS id a request or answer names (the schemas allow exactly one of the two). */
export function credentialIdOf(ref: WireCredentialId): string | undefined {
  return ref.apiKeyId ?? ref.clientId;
}

/** The wire field that names a recorded credential. */
export function wireCredentialId(
  credentialType: CredentialType,
  credentialId: string,
): { readonly apiKeyId: string } | { readonly clientId: string } {
  return credentialType === 'API_KEY' ? { apiKeyId: credentialId } : { clientId: credentialId };
}
