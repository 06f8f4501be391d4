/** The one mapping between the wire's apiKeyId / clientId and the records' type + id. */
import { credentialIdOf, wireCredentialId } from '../../../lambda/credentials/credential-id';

describe('credentialIdOf', () => {
  test('names an API key by its apiKeyId', () => {
    expect(credentialIdOf({ apiKeyId: 'k3y1d' })).toBe('k3y1d');
  });

  test('names an app client by its clientId', () => {
    expect(credentialIdOf({ clientId: 'c1i3nt' })).toBe('c1i3nt');
  });

  test('names nothing when the reference holds neither', () => {
    expect(credentialIdOf({})).toBeUndefined();
  });
});

describe('wireCredentialId', () => {
  test('an API key goes back on the wire as apiKeyId only', () => {
    expect(wireCredentialId('API_KEY', 'k3y1d')).toEqual({ apiKeyId: 'k3y1d' });
  });

  test('an app client goes back on the wire as clientId only', () => {
    expect(wireCredentialId('CLIENT_CREDENTIALS', 'c1i3nt')).toEqual({ clientId: 'c1i3nt' });
  });

  test('round-trips through credentialIdOf', () => {
    expect(credentialIdOf(wireCredentialId('CLIENT_CREDENTIALS', 'c1i3nt'))).toBe('c1i3nt');
  });
});
