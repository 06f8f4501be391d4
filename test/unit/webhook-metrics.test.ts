/** The webhook's CloudWatch metrics (EMF through Powertools): one count per outcome, none for a health check. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { ApiKeyIssuer } from '../../lambda/credentials/ports';
import { UnavailableError } from '../../lambda/errors';
import { basic, createRequest, event, USERNAME } from '../support/events';
import { captureLogs } from '../support/logs';
import { localWebhook, VALIDATOR_PASSWORD, VALIDATOR_USERNAME } from '../support/webhook';

function webhook(apiKeys?: Partial<ApiKeyIssuer>) {
  return localWebhook({
    apiKeys,
    validator: true,
    metrics: new Metrics({ namespace: 'CredentialWebhook', serviceName: 'credential-webhook' }),
  }).webhook;
}

/** The metric names and values of every EMF document printed. */
function published(lines: Array<Record<string, unknown>>): Record<string, unknown> {
  const emf = lines.filter((line) => '_aws' in line);
  return Object.assign(
    {},
    ...emf.map((line) => {
      const directives = (
        line._aws as { CloudWatchMetrics: Array<{ Namespace: string; Metrics: Array<{ Name: string }> }> }
      ).CloudWatchMetrics;
      expect(directives.map((d) => d.Namespace)).toEqual(['CredentialWebhook']);
      return Object.fromEntries(directives.flatMap((d) => d.Metrics.map((m) => [m.Name, line[m.Name]])));
    }),
  );
}

afterEach(() => {
  jest.restoreAllMocks();
});

test('a created credential counts CredentialIssued', async () => {
  const logs = captureLogs();

  const response = await webhook()(event({ json: createRequest() }));

  expect(response.statusCode).toBe(200);
  expect(published(logs.records())).toEqual({ CredentialIssued: 1 });
});

test('a revoke counts CredentialRevoked', async () => {
  const logs = captureLogs();
  const issuing = webhook();
  const created = await issuing(event({ json: createRequest() }));
  const { apiKeyId } = JSON.parse(created.body) as { apiKeyId: string };
  const before = logs.records().length;

  await issuing(event({ path: '/v1/revokeCredentials', json: { apiKeyId } }));

  expect(published(logs.records().slice(before))).toEqual({ CredentialRevoked: 1 });
});

test('a wrong password counts AuthenticationFailed', async () => {
  const logs = captureLogs();

  await webhook()(
    event({
      json: createRequest(),
      headers: { Authorization: basic(USERNAME, 'nope'), 'Content-Type': 'application/json' },
    }),
  );

  expect(published(logs.records())).toEqual({ AuthenticationFailed: 1 });
});

test('AWS unavailable counts OperationFailed and UpstreamThrottled, and no credential', async () => {
  const logs = captureLogs();
  const failing = webhook({ createKey: () => Promise.reject(new UnavailableError()) });

  const response = await failing(event({ json: createRequest() }));

  expect(response.statusCode).toBe(503);
  expect(published(logs.records())).toEqual({ OperationFailed: 1, UpstreamThrottled: 1 });
});

test('a health check publishes nothing (and so prints no empty-metrics warning)', async () => {
  const logs = captureLogs();

  const response = await webhook()(
    event({ httpMethod: 'GET', path: '/v1/health', headers: { Authorization: basic() } }),
  );

  expect(response.statusCode).toBe(204);
  expect(logs.text()).toBe('');
});

describe('validateCredentials counts its verdicts (a 200 either way)', () => {
  const validate = (json: unknown, authorization = basic(VALIDATOR_USERNAME, VALIDATOR_PASSWORD)) =>
    event({
      path: '/v1/validateCredentials',
      json,
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
    });

  test('a valid credential counts CredentialValid', async () => {
    const logs = captureLogs();
    const validating = webhook();
    const { apiKey } = JSON.parse((await validating(event({ json: createRequest() }))).body) as {
      apiKey: string;
    };
    const before = logs.records().length;

    await validating(validate({ apiKey }));

    expect(published(logs.records().slice(before))).toEqual({ CredentialValid: 1 });
  });

  test('an invalid credential counts CredentialInvalid', async () => {
    const logs = captureLogs();

    const response = await webhook()(validate({ apiKey: 'A'.repeat(40) }));

    expect(response.statusCode).toBe(200);
    expect(published(logs.records())).toEqual({ CredentialInvalid: 1 });
  });

  test("the Portal's credentials on it count AuthenticationFailed, as a wrong password does", async () => {
    const logs = captureLogs();

    await webhook()(validate({ apiKey: 'A'.repeat(40) }, basic()));

    expect(published(logs.records())).toEqual({ AuthenticationFailed: 1 });
  });

  test('a refused request counts no verdict', async () => {
    const logs = captureLogs();

    const response = await webhook()(validate({}));

    expect(response.statusCode).toBe(400);
    expect(logs.text()).not.toContain('CredentialInvalid');
  });
});
