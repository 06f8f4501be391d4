/**
 * HTTP Basic authentication of the Portal. Both parts are compared as SHA-256 digests with
 * timingSafeEqual, and every comparison runs whatever the others gave, so the time taken does not
 * tell which part was wrong or how much of it matched. A mismatch re-reads the secret (at most once
 * per `refreshIntervalMs`) so a password rotated in Secrets Manager works before the cache expires.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { BasicCredentials, BasicCredentialsSource } from '../credentials/ports';
import { UnauthorizedError } from '../errors';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Username and password from an `Authorization: Basic …` header, or undefined if it is not one. */
export function parseBasicAuthorization(
  value: string | undefined,
): { username: string; password: string } | undefined {
  if (value === undefined || value.length > 4096) return undefined;
  const match = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})[ ]*$/i.exec(value.trim());
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function matches(expected: BasicCredentials, username: string, password: string): boolean {
  const user = digest(username);
  const pass = digest(password);
  let ok = timingSafeEqual(user, digest(expected.username));
  let passwordOk = false;
  for (const candidate of expected.passwords) {
    // Non-short-circuiting: every candidate is compared.
    passwordOk = timingSafeEqual(pass, digest(candidate)) || passwordOk;
  }
  ok = ok && passwordOk;
  return ok;
}

export class BasicAuthenticator {
  private lastRefresh = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly source: BasicCredentialsSource,
    private readonly refreshIntervalMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when the header carries valid credentials; otherwise throws UnauthorizedError. */
  async verify(authorization: string | undefined): Promise<void> {
    const presented = parseBasicAuthorization(authorization);
    if (presented === undefined) throw new UnauthorizedError();
    if (matches(await this.source.get(), presented.username, presented.password)) return;
    if (this.now() - this.lastRefresh >= this.refreshIntervalMs) {
      this.lastRefresh = this.now();
      if (matches(await this.source.get({ refresh: true }), presented.username, presented.password)) return;
    }
    throw new UnauthorizedError();
  }
}
