/**
 * SecretsManagerCredentials (and the Basic authenticator over it) against moto's Secrets Manager:
 * the real GetSecretValue call through Powertools Parameters, its cache, and a password rotation.
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  MalformedSecretError,
  SecretsManagerCredentials,
} from '../../lambda/adapters/aws/secrets-manager-credentials';
import { UnauthorizedError, UpstreamError } from '../../lambda/errors';
import { BasicAuthenticator } from '../../lambda/http/auth';
import { basic } from '../support/events';
import { createSecret, motoTestClients, unique } from './aws';

const USERNAME = 'portal';
const OLD_PASSWORD = 'old password, still in use';
const NEW_PASSWORD = 'new password after rotation';
const CACHE_SECONDS = 300;

describe('SecretsManagerCredentials on Secrets Manager (moto)', () => {
  const client = motoTestClients().secretsManager;

  const credentialsFor = (secretId: string) => new SecretsManagerCredentials(client, secretId, CACHE_SECONDS);

  /** Puts a new current version of the secret, as a rotation does. */
  const rotate = (secretId: string) =>
    client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: JSON.stringify({
          username: USERNAME,
          password: NEW_PASSWORD,
          previousPassword: OLD_PASSWORD,
        }),
      }),
    );

  const newSecret = () =>
    createSecret(client, JSON.stringify({ username: USERNAME, password: OLD_PASSWORD }));

  test('reads the username and password from the JSON secret', async () => {
    const credentials = credentialsFor(await newSecret());

    await expect(credentials.get()).resolves.toEqual({ username: USERNAME, passwords: [OLD_PASSWORD] });
  });

  test('keeps serving the cached value until a refresh is asked for', async () => {
    const secretId = await newSecret();
    const credentials = credentialsFor(secretId);
    await credentials.get();
    await rotate(secretId);

    await expect(credentials.get()).resolves.toEqual({ username: USERNAME, passwords: [OLD_PASSWORD] });
  });

  test('a refresh after a rotation returns the new and the previous password', async () => {
    const secretId = await newSecret();
    const credentials = credentialsFor(secretId);
    await credentials.get();
    await rotate(secretId);

    await expect(credentials.get({ refresh: true })).resolves.toEqual({
      username: USERNAME,
      passwords: [NEW_PASSWORD, OLD_PASSWORD],
    });
  });

  test('rejects a secret that is not JSON with MalformedSecretError', async () => {
    const credentials = credentialsFor(await createSecret(client, `${USERNAME}:${OLD_PASSWORD}`));

    await expect(credentials.get()).rejects.toBeInstanceOf(MalformedSecretError);
  });

  test('rejects a JSON secret without a password with MalformedSecretError', async () => {
    const credentials = credentialsFor(await createSecret(client, JSON.stringify({ username: USERNAME })));

    await expect(credentials.get()).rejects.toBeInstanceOf(MalformedSecretError);
  });

  test('reports a secret that does not exist as an upstream error', async () => {
    const credentials = credentialsFor(unique('webhook/missing-'));

    await expect(credentials.get()).rejects.toBeInstanceOf(UpstreamError);
  });

  describe('BasicAuthenticator over it, during a rotation', () => {
    /** An authenticator whose cache still holds the value from before the rotation. */
    async function authenticatorAfterRotation(): Promise<BasicAuthenticator> {
      const secretId = await newSecret();
      const credentials = credentialsFor(secretId);
      await credentials.get();
      await rotate(secretId);
      return new BasicAuthenticator(credentials);
    }

    test('accepts the new password, re-reading the cached secret', async () => {
      const authenticator = await authenticatorAfterRotation();

      await expect(authenticator.verify(basic(USERNAME, NEW_PASSWORD))).resolves.toBeUndefined();
    });

    test('accepts the previous password once the rotated secret is read', async () => {
      const authenticator = await authenticatorAfterRotation();
      await authenticator.verify(basic(USERNAME, NEW_PASSWORD));

      await expect(authenticator.verify(basic(USERNAME, OLD_PASSWORD))).resolves.toBeUndefined();
    });

    test('rejects a password that is neither', async () => {
      const authenticator = await authenticatorAfterRotation();

      await expect(authenticator.verify(basic(USERNAME, 'guessed'))).rejects.toBeInstanceOf(
        UnauthorizedError,
      );
    });
  });
});
