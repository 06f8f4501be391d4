/**
 * CredentialService picks the credential kind the request's APIs need and hands the request to
 * that kind's service. The kind services run over the in-process adapters; their methods are
 * spied on to see where a request went.
 */

import { InMemoryApiKeys } from '../../../lambda/adapters/local/in-memory-api-keys';
import { InMemoryClients } from '../../../lambda/adapters/local/in-memory-clients';
import { InMemoryLedger } from '../../../lambda/adapters/local/in-memory-ledger';
import type { ClientCredentialsConfig } from '../../../lambda/config';
import { type ApiKeyCredential, ApiKeyService } from '../../../lambda/credentials/api-key-service';
import {
  type ClientCredential,
  ClientCredentialsService,
} from '../../../lambda/credentials/client-credentials-service';
import { type CredentialKindPolicy, CredentialService } from '../../../lambda/credentials/credential-service';
import { UnprocessableError } from '../../../lambda/errors';
import type { CreateCredentialsRequest, CredentialType } from '../../../lambda/schemas';
import { claimRequest, INSTANCE } from '../../support/ledger';
import { rejectionOf } from '../../support/promises';

const KEY_API = 'keyapi1';
const CLIENT_API = 'clientapi1';

const API_KEY_CREDENTIAL: ApiKeyCredential = {
  credentialType: 'API_KEY',
  apiKeyId: 'k3y1d',
  apiKey: 'key-value',
  customCredentials: { apiKeyHeader: 'x-api-key' },
};

const CLIENT_CREDENTIAL: ClientCredential = {
  credentialType: 'CLIENT_CREDENTIALS',
  clientId: 'client1',
  clientSecret: 'client-secret',
  customCredentials: {
    tokenUrl: 'https://auth.example.com/oauth2/token',
    grantType: 'client_credentials',
    scopes: ['orders/read'],
    accessTokenValiditySeconds: 3600,
  },
};

const CLIENT_CONFIG: ClientCredentialsConfig = {
  userPoolId: 'us-east-1_AbC123',
  tokenUrl: 'https://auth.example.com/oauth2/token',
  defaultScopes: ['orders/read'],
  scopesByApi: new Map(),
  accessTokenValidityMinutes: 60,
};

/** API_KEY by default, CLIENT_CREDENTIALS for CLIENT_API (as API_CREDENTIAL_TYPES would set it). */
function policy(
  defaultCredentialType: CredentialType = 'API_KEY',
  overrides: Record<string, CredentialType> = { [CLIENT_API]: 'CLIENT_CREDENTIALS' },
): CredentialKindPolicy {
  return { defaultCredentialType, credentialTypeByApi: new Map(Object.entries(overrides)) };
}

function request(apiIds: readonly string[]): CreateCredentialsRequest {
  return {
    appName: 'my app',
    appSlug: 'slug1',
    developer: 'dev@example.com',
    apis: apiIds.map((id) => ({ id, usagePlans: [{ id: 'plan1' }] })),
  };
}

/** The kind services with their entry points spied on (and stubbed: the kind services have their own tests). */
function kindServices() {
  const ledger = new InMemoryLedger(INSTANCE);
  const apiKeys = new ApiKeyService(new InMemoryApiKeys(), ledger, {
    allowedUsagePlanIds: 'any',
    maxParallelCalls: 1,
  });
  const clients = new ClientCredentialsService(new InMemoryClients(), ledger, CLIENT_CONFIG);
  return {
    apiKeys,
    clients,
    apiKeyCreate: jest.spyOn(apiKeys, 'create').mockResolvedValue(API_KEY_CREDENTIAL),
    apiKeyUpdate: jest.spyOn(apiKeys, 'update').mockResolvedValue(),
    apiKeyRevoke: jest.spyOn(apiKeys, 'revoke').mockResolvedValue(),
    clientCreate: jest.spyOn(clients, 'create').mockResolvedValue(CLIENT_CREDENTIAL),
    clientUpdate: jest.spyOn(clients, 'update').mockResolvedValue(),
    clientRevoke: jest.spyOn(clients, 'revoke').mockResolvedValue(),
    apiKeyRecover: jest.spyOn(apiKeys, 'recover').mockResolvedValue(API_KEY_CREDENTIAL),
    clientRecover: jest.spyOn(clients, 'recover').mockResolvedValue(CLIENT_CREDENTIAL),
  };
}

describe('CredentialService.create', () => {
  test('hands a request for API-key APIs to the API-key service and returns its credential', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);
    const apiKeyRequest = request([KEY_API]);

    const credential = await credentials.create(apiKeyRequest);

    expect(services.apiKeyCreate).toHaveBeenCalledWith(apiKeyRequest, undefined, undefined);
    expect(credential).toBe(API_KEY_CREDENTIAL);
  });

  test('hands the app’s claim to the kind service, which completes it with the credential', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);
    const claim = claimRequest();

    await credentials.create(request([KEY_API]), claim);
    await credentials.create(request([CLIENT_API]), claim);

    expect(services.apiKeyCreate).toHaveBeenCalledWith(request([KEY_API]), claim, undefined);
    expect(services.clientCreate).toHaveBeenCalledWith(request([CLIENT_API]), claim, undefined);
  });

  test('lets a per-API override choose API keys when the default is client credentials', async () => {
    const services = kindServices();
    const credentials = new CredentialService(
      policy('CLIENT_CREDENTIALS', { [KEY_API]: 'API_KEY' }),
      services.apiKeys,
      services.clients,
    );

    await credentials.create(request([KEY_API]));

    expect(services.apiKeyCreate).toHaveBeenCalledTimes(1);
    expect(services.clientCreate).not.toHaveBeenCalled();
  });

  test('hands a request for client-credentials APIs to the client-credentials service', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);
    const clientRequest = request([CLIENT_API]);

    const credential = await credentials.create(clientRequest);

    expect(services.clientCreate).toHaveBeenCalledWith(clientRequest, undefined, undefined);
    expect(credential).toBe(CLIENT_CREDENTIAL);
  });

  test('gives the kind service no lifetime when none is configured: the credential never expires', async () => {
    const services = kindServices();
    const credentials = new CredentialService(
      { ...policy(), credentialLifetimes: { defaultSeconds: undefined, byApi: new Map() } },
      services.apiKeys,
      services.clients,
    );

    await credentials.create(request([KEY_API]));

    expect(services.apiKeyCreate).toHaveBeenCalledWith(request([KEY_API]), undefined, undefined);
  });

  test('gives the kind service the default lifetime for an API without its own', async () => {
    const services = kindServices();
    const credentials = new CredentialService(
      { ...policy(), credentialLifetimes: { defaultSeconds: 86_400, byApi: new Map() } },
      services.apiKeys,
      services.clients,
    );

    await credentials.create(request([CLIENT_API]));

    expect(services.clientCreate).toHaveBeenCalledWith(request([CLIENT_API]), undefined, 86_400);
  });

  test('gives a create naming several APIs the shortest of their lifetimes, "never" counting as none', async () => {
    const services = kindServices();
    const lifetimes = new Map<string, number | 'never'>([
      ['short1', 3_600],
      ['long1', 7_200],
      ['exempt1', 'never'],
    ]);
    const credentials = new CredentialService(
      { ...policy(), credentialLifetimes: { defaultSeconds: 86_400, byApi: lifetimes } },
      services.apiKeys,
      services.clients,
    );

    await credentials.create(request(['long1', 'short1', 'exempt1']));
    await credentials.create(request(['exempt1', 'long1']));
    await credentials.create(request(['exempt1']));
    await credentials.create(request(['exempt1', KEY_API]));

    expect(services.apiKeyCreate.mock.calls.map((call) => call[2])).toEqual([
      3_600,
      7_200,
      undefined,
      86_400,
    ]);
  });

  test('refuses APIs that need different credential types with 422 MIXED_CREDENTIAL_TYPES naming them', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);

    const error = await rejectionOf(credentials.create(request([KEY_API, CLIENT_API])));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code: 'MIXED_CREDENTIAL_TYPES' });
    expect(error).toHaveProperty('message', expect.stringContaining(KEY_API));
    expect(error).toHaveProperty('message', expect.stringContaining(CLIENT_API));
  });

  test('creates nothing for APIs that need different credential types', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);

    await rejectionOf(credentials.create(request([KEY_API, CLIENT_API])));

    expect(services.apiKeyCreate).not.toHaveBeenCalled();
    expect(services.clientCreate).not.toHaveBeenCalled();
  });
});

describe('CredentialService.update', () => {
  test('hands an update of an API key to the API-key service', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);
    const update = { apiKeyId: 'k3y1d', appName: 'renamed', developer: 'dev@example.com' };

    await credentials.update(update);

    expect(services.apiKeyUpdate).toHaveBeenCalledWith('k3y1d', update);
    expect(services.clientUpdate).not.toHaveBeenCalled();
  });

  test('hands an update of an app client to the client-credentials service', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);
    const update = { clientId: 'client1', appName: 'renamed', developer: 'dev@example.com' };

    await credentials.update(update);

    expect(services.clientUpdate).toHaveBeenCalledWith('client1', update);
    expect(services.apiKeyUpdate).not.toHaveBeenCalled();
  });
});

describe('CredentialService.revoke', () => {
  test('hands the revocation of an API key to the API-key service', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);

    await credentials.revoke({ credentialType: 'API_KEY', apiKeyId: 'k3y1d' });

    expect(services.apiKeyRevoke).toHaveBeenCalledWith('k3y1d');
    expect(services.clientRevoke).not.toHaveBeenCalled();
  });

  test('hands the revocation of an app client to the client-credentials service', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);

    await credentials.revoke({ credentialType: 'CLIENT_CREDENTIALS', clientId: 'client1' });

    expect(services.clientRevoke).toHaveBeenCalledWith('client1');
    expect(services.apiKeyRevoke).not.toHaveBeenCalled();
  });
});

describe('CredentialService.recover', () => {
  test('reads an API key back through the API-key service', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);

    const credential = await credentials.recover({ credentialType: 'API_KEY', credentialId: 'k3y1d' });

    expect(services.apiKeyRecover).toHaveBeenCalledWith('k3y1d');
    expect(credential).toBe(API_KEY_CREDENTIAL);
  });

  test('reads an app client back through the client-credentials service', async () => {
    const services = kindServices();
    const credentials = new CredentialService(policy(), services.apiKeys, services.clients);

    const credential = await credentials.recover({
      credentialType: 'CLIENT_CREDENTIALS',
      credentialId: 'client1',
    });

    expect(services.clientRecover).toHaveBeenCalledWith('client1');
    expect(credential).toBe(CLIENT_CREDENTIAL);
  });
});

// The one place that pins CREDENTIAL_TYPE_UNAVAILABLE: a deployment configured without client
// credentials has no client-credentials service.
describe('CredentialService without a client-credentials service', () => {
  const withoutClients = () => new CredentialService(policy(), kindServices().apiKeys, undefined);

  test('refuses to create client credentials with 422 CREDENTIAL_TYPE_UNAVAILABLE', async () => {
    const error = await rejectionOf(withoutClients().create(request([CLIENT_API])));

    expect(error).toBeInstanceOf(UnprocessableError);
    expect(error).toMatchObject({ status: 422, code: 'CREDENTIAL_TYPE_UNAVAILABLE' });
  });

  test('answers an update of a client with 404: it has issued none', async () => {
    const error = await rejectionOf(withoutClients().update({ clientId: 'client1' }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('answers a revoke of a client with 404: it has issued none', async () => {
    const error = await rejectionOf(withoutClients().revoke({ clientId: 'client1' }));

    expect(error).toMatchObject({ status: 404, code: 'CREDENTIAL_NOT_FOUND' });
  });

  test('recovers no client', async () => {
    await expect(
      withoutClients().recover({ credentialType: 'CLIENT_CREDENTIALS', credentialId: 'client1' }),
    ).resolves.toBeUndefined();
  });
});
