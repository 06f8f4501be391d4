/**
 * BasicCredentialsSource backed by a Secrets Manager secret, cached for a TTL by Powertools
 * Parameters. The secret is JSON: {"username", "password", "previousPassword"?}; while
 * `previousPassword` is present both passwords are accepted, so rotating needs no downtime.
 */

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import type { BasicCredentials, BasicCredentialsSource } from '../../credentials/ports';
import { upstreamError } from './errors';

const SecretSchema = z.object({
  username: z.string().check(z.minLength(1)),
  password: z.string().check(z.minLength(1)),
  previousPassword: z.optional(z.string()),
});

/** The secret exists but does not hold the expected JSON: a deployment error, not a caller's. */
export class MalformedSecretError extends Error {
  constructor(secretId: string) {
    super(`Secret ${secretId} must be JSON with non-empty "username" and "password" strings`);
    this.name = 'MalformedSecretError';
  }
}

export class SecretsManagerCredentials implements BasicCredentialsSource {
  private readonly provider: SecretsProvider;

  constructor(
    client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly cacheTtlSeconds: number,
  ) {
    this.provider = new SecretsProvider({ awsSdkV3Client: client });
  }

  async get(options: { refresh?: boolean } = {}): Promise<BasicCredentials> {
    let value: unknown;
    try {
      value = await this.provider.get(this.secretId, {
        maxAge: this.cacheTtlSeconds,
        forceFetch: options.refresh === true,
        transform: 'json',
      });
    } catch (error) {
      if (isTransformError(error)) throw new MalformedSecretError(this.secretId);
      // Powertools wraps the SDK's exception; its cause says what AWS answered.
      throw upstreamError(error instanceof Error && error.cause !== undefined ? error.cause : error);
    }
    const parsed = SecretSchema.safeParse(value);
    if (!parsed.success) throw new MalformedSecretError(this.secretId);
    const { username, password, previousPassword } = parsed.data;
    return { username, passwords: previousPassword ? [password, previousPassword] : [password] };
  }
}

function isTransformError(error: unknown): boolean {
  return error instanceof Error && error.name === 'TransformParameterError';
}
