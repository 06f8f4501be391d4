/** compose.ts: which ledger a deployment gets, and the log line of a resource a request left behind. */
import { Logger } from '@aws-lambda-powertools/logger';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type AwsClients, awsBackend } from '../../lambda/adapters/aws/backend';
import { CognitoTokenVerifier } from '../../lambda/adapters/aws/cognito-token-verifier';
import { DynamoDbLedger } from '../../lambda/adapters/aws/dynamodb-ledger';
import { SecretsManagerCredentials } from '../../lambda/adapters/aws/secrets-manager-credentials';
import { StaticCredentials } from '../../lambda/adapters/static-credentials';
import { logLeftover } from '../../lambda/compose';
import { ConfigError, loadConfig } from '../../lambda/config';
import { instanceOf } from '../../lambda/credentials/marker';
import { UnavailableError } from '../../lambda/errors';
import { createRequest, event } from '../support/events';
import { captureLogs } from '../support/logs';
import { localWebhook } from '../support/webhook';

const clients: AwsClients = {
  apiGateway: () => new APIGatewayClient({ region: 'us-east-1' }),
  cognito: () => new CognitoIdentityProviderClient({ region: 'us-east-1' }),
  secretsManager: () => new SecretsManagerClient({ region: 'us-east-1' }),
  dynamoDb: () => new DynamoDBClient({ region: 'us-east-1' }),
};

const env = { WEBHOOK_USERNAME: 'portal', WEBHOOK_PASSWORD: 'pass', ALLOWED_USAGE_PLAN_IDS: '*' };

afterEach(() => {
  jest.restoreAllMocks();
});

describe('awsBackend', () => {
  test('keeps the ledger in the DynamoDB table named, under the table’s instance', () => {
    const backend = awsBackend(loadConfig({ ...env, LEDGER_TABLE: 'webhook-ledger' }), clients);

    expect(backend.ledger).toBeInstanceOf(DynamoDbLedger);
    expect(backend.ledger.instance).toBe(instanceOf('webhook-ledger'));
  });

  test("gives validateCredentials its own secret, read with the Portal's Secrets Manager client", () => {
    const secretsManager = jest.fn(clients.secretsManager);
    const backend = awsBackend(
      loadConfig({
        ALLOWED_USAGE_PLAN_IDS: '*',
        LEDGER_TABLE: 'webhook-ledger',
        WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-AbCdEf',
        VALIDATOR_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:validator-GhIjKl',
      }),
      { ...clients, secretsManager },
    );

    expect(backend.basicCredentials).toBeInstanceOf(SecretsManagerCredentials);
    expect(backend.validatorCredentials).toBeInstanceOf(SecretsManagerCredentials);
    expect(backend.validatorCredentials).not.toBe(backend.basicCredentials);
    expect(secretsManager).toHaveBeenCalledTimes(1);
  });

  test('has no validator credentials unless configured, and static ones for a local run', () => {
    const table = { LEDGER_TABLE: 'webhook-ledger' };
    expect(awsBackend(loadConfig({ ...env, ...table }), clients).validatorCredentials).toBeUndefined();
    expect(
      awsBackend(
        loadConfig({ ...env, ...table, VALIDATOR_USERNAME: 'validator', VALIDATOR_PASSWORD: 'v' }),
        clients,
      ).validatorCredentials,
    ).toBeInstanceOf(StaticCredentials);
  });

  test('verifies access tokens against the client-credentials pool, and has no verifier without one', () => {
    const table = { LEDGER_TABLE: 'webhook-ledger' };
    const pool = {
      DEFAULT_CREDENTIAL_TYPE: 'CLIENT_CREDENTIALS',
      USER_POOL_ID: 'us-east-1_AbC123',
      TOKEN_URL: 'https://auth.example.com/oauth2/token',
      DEFAULT_SCOPES: 'orders/read',
    };

    expect(awsBackend(loadConfig({ ...env, ...table, ...pool }), clients).tokenVerifier).toBeInstanceOf(
      CognitoTokenVerifier,
    );
    expect(awsBackend(loadConfig({ ...env, ...table }), clients).tokenVerifier).toBeUndefined();
  });

  test('refuses to start without a ledger table rather than keep the ledger in memory', () => {
    const build = () => awsBackend(loadConfig(env), clients);

    expect(build).toThrow(ConfigError);
    expect(build).toThrow(/LEDGER_TABLE/);
  });
});

const logger = () => new Logger({ serviceName: 'credential-webhook', logLevel: 'INFO' });

describe('logLeftover', () => {
  test('logs a key still there at ERROR as orphaned, for the reconciler to remove', () => {
    const logs = captureLogs();

    logLeftover(
      logger(),
      { kind: 'API_KEY', ledgerId: 'abcdefgh01234567', credentialId: 'k3y1d', status: 'exists' },
      new UnavailableError(),
    );

    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'orphaned API key: the reconciler will remove it',
        ledgerId: 'abcdefgh01234567',
        credentialId: 'k3y1d',
        error: expect.stringContaining('AWS is unavailable'),
      }),
    ]);
  });

  test('logs a client whose removal and check both failed at ERROR as maybe orphaned', () => {
    const logs = captureLogs();

    logLeftover(
      logger(),
      { kind: 'CLIENT_CREDENTIALS', ledgerId: 'abcdefgh01234567', credentialId: 'c1', status: 'unknown' },
      new UnavailableError(),
    );

    expect(logs.records()).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message:
          'app client may be orphaned (its removal and the check failed): the reconciler will remove it if it exists',
      }),
    ]);
  });

  test('logs a create whose answer was lost at WARN, without a credential id', () => {
    const logs = captureLogs();

    logLeftover(logger(), { kind: 'API_KEY', ledgerId: 'abcdefgh01234567', status: 'may-exist' }, 'timeout');

    const [record] = logs.records();
    expect(record).toMatchObject({
      level: 'WARN',
      message: 'API key create got no answer: the reconciler will remove the API key if it was made',
      ledgerId: 'abcdefgh01234567',
    });
    expect(record).not.toHaveProperty('credentialId');
  });
});

describe('composeWebhook', () => {
  test('logs a create claim it could not release, which its repeats meet as 409 until the lease ends', async () => {
    // The plan is allowed but does not exist: the binding is refused, so the claim is released.
    const { webhook, backend } = localWebhook({
      allowedUsagePlanIds: ['plan1'],
      existingUsagePlanIds: [],
      logger: logger(),
    });
    jest.spyOn(backend.ledger, 'release').mockRejectedValue(new Error('DynamoDB refused'));
    const logs = captureLogs();

    const response = await webhook(
      event({ json: createRequest({ apis: [{ id: 'a1', usagePlans: [{ id: 'plan1' }] }] }) }),
    );

    expect(response.statusCode).toBe(422);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'could not release a create claim: repeats get 409 until its lease ends',
        error: 'Error: DynamoDB refused',
      }),
    );
  });
});
