/**
 * A floor for the cold start: the webhook's own SDK clients (lambda/adapters/aws/clients.ts, same
 * settings) making the six AWS calls of a create of an API key, in the same order, and nothing
 * else: no configuration, validation, ledger logic, logging or metrics. The benchmark builds it
 * into an asset exactly as the webhook's (bundle, launcher, code cache) and times it beside the
 * webhook: what the webhook adds on top is what its own code costs.
 */
import { CreateApiKeyCommand, CreateUsagePlanKeyCommand } from '@aws-sdk/client-api-gateway';
import { PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { apiGatewayClient, dynamoDbClient, secretsManagerClient } from '../../lambda/adapters/aws/clients';

const secretsManager = secretsManagerClient();
const dynamoDb = dynamoDbClient();
const apiGateway = apiGatewayClient();

interface CreateEvent {
  readonly body: string;
}

export async function handler(event: CreateEvent): Promise<{ statusCode: number; body: string }> {
  const request = JSON.parse(event.body) as { appSlug: string; apis: { usagePlans: { id: string }[] }[] };
  const plan = request.apis[0]?.usagePlans[0]?.id;
  const table = process.env.LEDGER_TABLE;
  const pk = (key: string) => ({ pk: { S: key } });
  await secretsManager.send(new GetSecretValueCommand({ SecretId: process.env.WEBHOOK_SECRET_ARN }));
  await dynamoDb.send(
    new PutItemCommand({
      TableName: table,
      Item: pk(`create#${request.appSlug}`),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  await dynamoDb.send(
    new PutItemCommand({
      TableName: table,
      Item: pk(`intent#${request.appSlug}`),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  const key = await apiGateway.send(
    new CreateApiKeyCommand({ name: request.appSlug, enabled: true, tags: { app: request.appSlug } }),
  );
  await apiGateway.send(
    new CreateUsagePlanKeyCommand({ usagePlanId: plan, keyId: key.id, keyType: 'API_KEY' }),
  );
  await dynamoDb.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        { Delete: { TableName: table, Key: pk(`intent#${request.appSlug}`) } },
        { Put: { TableName: table, Item: pk(`credential#API_KEY#${key.id}`) } },
      ],
    }),
  );
  return { statusCode: 200, body: JSON.stringify({ apiKeyId: key.id, apiKey: key.value }) };
}
