/**
 * No credential value reaches the logs: a full create / repeat / update / revoke run of both
 * credential kinds, logged at DEBUG (the most the logger says) with metrics on, is scanned for
 * every secret involved.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { basic, createRequest, event, PASSWORD, USERNAME } from '../support/events';
import { captureLogs } from '../support/logs';
import { localWebhook } from '../support/webhook';

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
