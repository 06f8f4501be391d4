/**
 * No credential value reaches the logs: a full create / repeat / update / revoke run of both
 * credential kinds, logged at DEBUG (the most the logger says) with metrics on, is scanned for
 * every secret involved.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { LocalTokenKeys } from '../../lambda/adapters/local/local-token-keys';
import { basic, createRequest, event, PASSWORD, USERNAME } from '../support/events';
import { captureLogs } from '../support/logs';
import { localWebhook, VALIDATOR_PASSWORD, VALIDATOR_USERNAME } from '../support/webhook';

afterEach(() => {
  jest.restoreAllMocks();
});

test('the logs of a full run name operations and ids, never a key value, client secret or password', async () => {
  const logs = captureLogs();
  const { webhook } = localWebhook({
    allowedUsagePlanIds: ['plan1', 'plan2'],
    clientCredentialApis: ['clientapi1'],
    logger: new Logger({ logLevel: 'DEBUG', serviceName: 'credential-webhook' }),
    metrics: new Metrics({ namespace: 'CredentialWebhook', serviceName: 'credential-webhook' }),
  });
  const keyApp = createRequest({
    appSlug: 'key-app',
    apis: [{ id: 'keyapi1', usagePlans: [{ id: 'plan1' }] }],
  });
  const clientApp = createRequest({ appSlug: 'client-app', apis: [{ id: 'clientapi1' }] });
  const post = (path: string, json: unknown) => webhook(event({ path, json }));

  const key = JSON.parse((await post('/v1/createCredentials', keyApp)).body) as {
    apiKeyId: string;
    apiKey: string;
  };
  await post('/v1/createCredentials', keyApp);
  await post('/v1/updateCredentials', {
    ...key,
    ...keyApp,
    apis: [{ id: 'keyapi1', usagePlans: [{ id: 'plan2' }] }],
  });
  await post('/v1/revokeCredentials', key);
  const client = JSON.parse((await post('/v1/createCredentials', clientApp)).body) as {
    clientId: string;
    clientSecret: string;
  };
  await post('/v1/createCredentials', clientApp);
  await post('/v1/updateCredentials', { ...client, ...clientApp, appName: 'renamed' });
  await post('/v1/revokeCredentials', client);
  await webhook(
    event({
      json: keyApp,
      headers: { Authorization: basic(USERNAME, 'a-wrong-password'), 'Content-Type': 'application/json' },
    }),
  );

  const text = logs.text();
  for (const secret of [key.apiKey, client.clientSecret, PASSWORD, 'a-wrong-password', basic().slice(6)]) {
    expect(text).not.toContain(secret);
  }
  // The run was logged: ids and operations are there, so the scan read real log lines.
  expect(text).toContain(key.apiKeyId);
  expect(text).toContain(client.clientId);
  expect(logs.records().filter((line) => line.message === 'request')).toHaveLength(9);
});

test('validateCredentials logs the verdict and ids, never the key, token or either password', async () => {
  const logs = captureLogs();
  const keys = LocalTokenKeys.generate('https://issuer.example.test');
  const { webhook } = localWebhook({
    clientCredentialApis: ['clientapi1'],
    validator: true,
    tokenVerifier: keys.verifier(),
    logger: new Logger({ logLevel: 'DEBUG', serviceName: 'credential-webhook' }),
    metrics: new Metrics({ namespace: 'CredentialWebhook', serviceName: 'credential-webhook' }),
  });
  const validator = basic(VALIDATOR_USERNAME, VALIDATOR_PASSWORD);
  const validate = (json: unknown, authorization = validator) =>
    webhook(
      event({
        path: '/v1/validateCredentials',
        json,
        headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      }),
    );
  const key = JSON.parse((await webhook(event({ json: createRequest({ appSlug: 'key-app' }) }))).body) as {
    apiKeyId: string;
    apiKey: string;
  };
  const client = JSON.parse(
    (await webhook(event({ json: createRequest({ appSlug: 'client-app', apis: [{ id: 'clientapi1' }] }) })))
      .body,
  ) as { clientId: string };
  const token = keys.sign({ clientId: client.clientId, scopes: ['orders/read'], expiresInSeconds: 600 });
  const forged = LocalTokenKeys.generate('https://issuer.example.test').sign({
    clientId: client.clientId,
    scopes: ['orders/read'],
    expiresInSeconds: 600,
  });
  const unknownKey = `U${'x'.repeat(39)}`;
  const badJson = 'not-a-jwt-but-secret-anyway';

  await validate({ apiKey: key.apiKey });
  await validate({ accessToken: token });
  await validate({ accessToken: forged });
  await validate({ apiKey: unknownKey });
  await validate({ accessToken: badJson });
  await validate({ apiKey: key.apiKey, accessToken: token });
  await validate({ apiKey: key.apiKey }, basic());
  await validate({ apiKey: key.apiKey }, basic(VALIDATOR_USERNAME, 'a-wrong-validator-password'));

  const text = logs.text();
  for (const secret of [
    key.apiKey,
    token,
    // A token's signature and payload alone are as good as the token to whoever reads the logs.
    ...token.split('.').slice(1),
    forged,
    unknownKey,
    badJson,
    VALIDATOR_PASSWORD,
    'a-wrong-validator-password',
    PASSWORD,
    validator.slice(6),
  ]) {
    expect(text).not.toContain(secret);
  }
  const requests = logs.records().filter((line) => line.operation === 'validateCredentials');
  expect(requests.map((line) => [line.status, line.valid, line.reason])).toEqual([
    [200, true, undefined],
    [200, true, undefined],
    [200, false, 'FORGED'],
    [200, false, 'UNKNOWN'],
    [200, false, 'MALFORMED'],
    [400, undefined, undefined],
    [401, undefined, undefined],
    [401, undefined, undefined],
  ]);
  expect(requests[0]).toMatchObject({ credentialId: key.apiKeyId, appSlug: 'key-app' });
  expect(requests[1]).toMatchObject({ credentialId: client.clientId, appSlug: 'client-app' });
  // The validator's failed authentications are logged as the Portal's are.
  expect(logs.records().filter((line) => line.message === 'authentication failed')).toEqual([
    expect.objectContaining({ level: 'WARN', sourceIp: '203.0.113.7' }),
    expect.objectContaining({ level: 'WARN', sourceIp: '203.0.113.7' }),
  ]);
});
