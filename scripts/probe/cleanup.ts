/**
 * Every credential the probe made the webhook issue, so that each is revoked at the end: after a
 * failed check, an interrupt, or a refusal that issued one anyway.
 */
import type { IssuedCredential } from './contract';
import { NoAnswer, type Reply } from './http';
import type { CleanupResult } from './types';

export class IssuedCredentials {
  private readonly issued = new Map<string, { credential: IssuedCredential; revoked: boolean }>();

  add(credential: IssuedCredential): void {
    if (!this.issued.has(credential.id)) this.issued.set(credential.id, { credential, revoked: false });
  }

  markRevoked(id: string): void {
    const entry = this.issued.get(id);
    if (entry !== undefined) entry.revoked = true;
  }

  /** Revokes what the run has not; 204 or 404 (already gone) counts as revoked. */
  async revokeRemaining(revoke: (credential: IssuedCredential) => Promise<Reply>): Promise<CleanupResult> {
    const revokedByCleanup: string[] = [];
    const failed: Array<{ id: string; reason: string }> = [];
    for (const entry of this.issued.values()) {
      if (entry.revoked) continue;
      try {
        const reply = await revoke(entry.credential);
        if (reply.status === 204 || reply.status === 404 || reply.status === 200) {
          entry.revoked = true;
          revokedByCleanup.push(entry.credential.id);
        } else failed.push({ id: entry.credential.id, reason: `revoke answered ${reply.status}` });
      } catch (error) {
        failed.push({
          id: entry.credential.id,
          reason: error instanceof NoAnswer ? error.message : String(error),
        });
      }
    }
    return { created: [...this.issued.keys()], revokedByCleanup, failed };
  }
}
