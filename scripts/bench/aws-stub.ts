/**
 * Just enough of API Gateway (REST), Cognito, DynamoDB and Secrets Manager, on loopback, for the
 * handler's own calls to succeed: the benchmark measures the handler, not an emulator (moto would
 * add its own latency). Every answer waits `latencyMs`, so AWS round trips show in wall time.
 * State is kept where a later call reads it (keys, bindings, app clients, DynamoDB items); DynamoDB
 * checks no condition, which is right here because every benchmark create uses a new app slug.
 * Query reads the ledger's API-key hash index (lambda/adapters/aws/ledger-schema.ts) only.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BasicSecret {
  readonly username: string;
  readonly password: string;
}

interface StoredKey {
  readonly id: string;
  readonly value: string;
  name: string;
  description: string;
  readonly tags: Record<string, string>;
}

type Json = Record<string, unknown>;

interface Answer {
  readonly status: number;
  readonly body?: Json;
  /** AWS's error name, sent as x-amzn-errortype (REST) or __type (JSON protocols). */
  readonly errorType?: string;
}

/** The ledger's global secondary index on the hash of an API key's value. */
const API_KEY_HASH_INDEX = 'byApiKeyHash';

/** The `pk` string of a DynamoDB item or key. */
const partitionKey = (item: unknown): string => String(((item ?? {}) as { pk?: { S?: string } }).pk?.S ?? '');

const token = (length: number): string => randomBytes(length).toString('base64url').slice(0, length);
const notFound = (type: string, message: string): Answer => ({
  status: type === 'NotFoundException' ? 404 : 400,
  errorType: type,
  body: { message },
});

export class AwsStub {
  /** Milliseconds every answer waits. */
  latencyMs = 0;
  /** Requests answered, by "<service>.<operation>". */
  readonly served = new Map<string, number>();
  /** Every request as it arrived (epoch ms, sub-millisecond), for timelines across processes. */
  readonly arrivals: { readonly operation: string; readonly at: number }[] = [];
  private readonly keys = new Map<string, StoredKey>();
  private readonly bindings = new Map<string, Set<string>>();
  private readonly clients = new Map<string, Json>();
  /** DynamoDB items by their partition key (the ledger's `pk`). */
  private readonly items = new Map<string, Json>();
  /** Secrets other than the Portal's, by SecretId (the validator's, say). */
  private readonly secrets = new Map<string, BasicSecret>();
  private readonly server = createServer((request, response) => {
    this.handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: String(error) }));
    });
  });

  private constructor(private readonly secret: BasicSecret) {}

  static async start(secret: BasicSecret): Promise<AwsStub & { readonly url: string }> {
    const stub = new AwsStub(secret);
    await new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve));
    const { port } = stub.server.address() as AddressInfo;
    return Object.assign(stub, { url: `http://127.0.0.1:${port}` });
  }

  /** GetSecretValue of `secretId` answers `secret`; any other id still answers the Portal's. */
  addSecret(secretId: string, secret: BasicSecret): void {
    this.secrets.set(secretId, secret);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = (text === '' ? {} : JSON.parse(text)) as Json;
    const target = request.headers['x-amz-target'];
    const url = new URL(request.url ?? '/', 'http://stub');
    const [operation, answer] =
      typeof target === 'string'
        ? this.jsonProtocol(target, body)
        : this.apiGateway(request.method ?? 'GET', url, body);
    this.served.set(operation, (this.served.get(operation) ?? 0) + 1);
    this.arrivals.push({ operation, at });
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    const json = typeof target === 'string';
    const headers: Record<string, string> = {
      'content-type': json ? 'application/x-amz-json-1.1' : 'application/json',
      'x-amzn-requestid': token(16),
    };
    let payload = answer.body ?? {};
    if (answer.errorType !== undefined) {
      if (json) payload = { __type: answer.errorType, ...payload };
      else headers['x-amzn-errortype'] = answer.errorType;
    }
    const out = answer.status === 202 && !json ? '' : JSON.stringify(payload);
    response.writeHead(answer.status, { ...headers, 'content-length': String(Buffer.byteLength(out)) });
    response.end(out);
  }

  /** Cognito (JSON 1.1), DynamoDB (JSON 1.0) and Secrets Manager (JSON 1.1): POST / with X-Amz-Target. */
  private jsonProtocol(target: string, body: Json): [string, Answer] {
    const [service = '', operation = ''] = target.split('.');
    const name = `${service}.${operation}`;
    switch (name) {
      case 'secretsmanager.GetSecretValue':
        return [
          name,
          {
            status: 200,
            body: {
              ARN: String(body.SecretId),
              Name: 'bench-basic-auth',
              VersionId: 'v1',
              SecretString: JSON.stringify(this.secrets.get(String(body.SecretId)) ?? this.secret),
              VersionStages: ['AWSCURRENT'],
              CreatedDate: Date.now() / 1000,
            },
          },
        ];
      case 'DynamoDB_20120810.PutItem':
        this.putItem(body.Item);
        return [name, { status: 200, body: {} }];
      case 'DynamoDB_20120810.DeleteItem':
        this.items.delete(partitionKey(body.Key));
        return [name, { status: 200, body: {} }];
      case 'DynamoDB_20120810.UpdateItem':
        return [name, { status: 200, body: {} }];
      case 'DynamoDB_20120810.GetItem': {
        const item = this.items.get(partitionKey(body.Key));
        return [name, { status: 200, body: item === undefined ? {} : { Item: item } }];
      }
      case 'DynamoDB_20120810.Query':
        return [name, this.query(body)];
      case 'DynamoDB_20120810.TransactWriteItems':
        for (const action of (body.TransactItems ?? []) as { Put?: Json; Delete?: Json }[]) {
          if (action.Put !== undefined) this.putItem(action.Put.Item);
          if (action.Delete !== undefined) this.items.delete(partitionKey(action.Delete.Key));
        }
        return [name, { status: 200, body: {} }];
      case 'AWSCognitoIdentityProviderService.CreateUserPoolClient': {
        const { GenerateSecret: _generate, ...settings } = body;
        const client = { ...settings, ClientId: randomBytes(13).toString('hex'), ClientSecret: token(51) };
        this.clients.set(String(client.ClientId), client);
        return [name, { status: 200, body: { UserPoolClient: client } }];
      }
      case 'AWSCognitoIdentityProviderService.DescribeUserPoolClient': {
        const client = this.clients.get(String(body.ClientId));
        return [
          name,
          client === undefined
            ? notFound('ResourceNotFoundException', 'User pool client does not exist.')
            : { status: 200, body: { UserPoolClient: client } },
        ];
      }
      case 'AWSCognitoIdentityProviderService.UpdateUserPoolClient': {
        const current = this.clients.get(String(body.ClientId));
        if (current === undefined) {
          return [name, notFound('ResourceNotFoundException', 'User pool client does not exist.')];
        }
        // Like Cognito: the update replaces the settings; id and secret stay.
        const updated = { ...body, ClientId: current.ClientId, ClientSecret: current.ClientSecret };
        this.clients.set(String(body.ClientId), updated);
        return [name, { status: 200, body: { UserPoolClient: updated } }];
      }
      case 'AWSCognitoIdentityProviderService.DeleteUserPoolClient':
        return [
          name,
          this.clients.delete(String(body.ClientId))
            ? { status: 200, body: {} }
            : notFound('ResourceNotFoundException', 'User pool client does not exist.'),
        ];
      default:
        return [name, { status: 400, errorType: 'UnknownOperationException', body: { message: name } }];
    }
  }

  /**
   * A Query on the API-key hash index, `<name> = <value>` (placeholders resolved): the stored items
   * whose attribute equals the value. Like the sparse index, items without the attribute never match.
   */
  private query(body: Json): Answer {
    const condition = /^\s*(\S+)\s*=\s*(\S+)\s*$/.exec(String(body.KeyConditionExpression ?? ''));
    const names = (body.ExpressionAttributeNames ?? {}) as Record<string, string>;
    const values = (body.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>;
    const attribute = condition?.[1] === undefined ? undefined : (names[condition[1]] ?? condition[1]);
    const wanted = condition?.[2] === undefined ? undefined : values[condition[2]]?.S;
    if (body.IndexName !== API_KEY_HASH_INDEX || attribute !== 'apiKeyHash' || wanted === undefined) {
      const message = `the stub queries only ${API_KEY_HASH_INDEX} on apiKeyHash`;
      return { status: 400, errorType: 'ValidationException', body: { message } };
    }
    const found = [...this.items.values()].filter(
      (item) => (item[attribute] as { S?: string } | undefined)?.S === wanted,
    );
    return { status: 200, body: { Items: found, Count: found.length, ScannedCount: found.length } };
  }

  private putItem(item: unknown): void {
    this.items.set(partitionKey(item), item as Json);
  }

  /** API Gateway's REST paths for keys and usage-plan keys. */
  private apiGateway(method: string, url: URL, body: Json): [string, Answer] {
    const parts = url.pathname
      .split('/')
      .filter((part) => part !== '')
      .map(decodeURIComponent);
    const route = `${method} /${parts.map((part, i) => (i % 2 === 1 ? '{}' : part)).join('/')}`;
    switch (route) {
      case 'POST /apikeys': {
        const key: StoredKey = {
          id: randomBytes(5).toString('hex'),
          // Like API Gateway: the caller's value if it sent one, else a generated one.
          value: typeof body.value === 'string' ? body.value : token(40),
          name: String(body.name ?? ''),
          description: String(body.description ?? ''),
          tags: { ...((body.tags ?? {}) as Record<string, string>) },
        };
        this.keys.set(key.id, key);
        return ['apigateway.CreateApiKey', { status: 201, body: { ...key, enabled: true } }];
      }
      case 'GET /apikeys/{}': {
        const key = this.keys.get(parts[1] ?? '');
        if (key === undefined)
          return [
            'apigateway.GetApiKey',
            notFound('NotFoundException', 'Invalid API Key identifier specified'),
          ];
        const { value, ...summary } = key;
        const withValue = url.searchParams.get('includeValue') === 'true';
        return [
          'apigateway.GetApiKey',
          { status: 200, body: { ...summary, enabled: true, ...(withValue && { value }) } },
        ];
      }
      case 'PATCH /apikeys/{}': {
        const key = this.keys.get(parts[1] ?? '');
        if (key === undefined)
          return [
            'apigateway.UpdateApiKey',
            notFound('NotFoundException', 'Invalid API Key identifier specified'),
          ];
        for (const op of (body.patchOperations ?? []) as { path?: string; value?: string }[]) {
          if (op.path === '/name') key.name = op.value ?? '';
          if (op.path === '/description') key.description = op.value ?? '';
        }
        const { value: _value, ...summary } = key;
        return ['apigateway.UpdateApiKey', { status: 200, body: { ...summary, enabled: true } }];
      }
      case 'DELETE /apikeys/{}': {
        const id = parts[1] ?? '';
        if (!this.keys.delete(id))
          return [
            'apigateway.DeleteApiKey',
            notFound('NotFoundException', 'Invalid API Key identifier specified'),
          ];
        // Like API Gateway: deleting a key detaches it from its usage plans.
        for (const keys of this.bindings.values()) keys.delete(id);
        return ['apigateway.DeleteApiKey', { status: 202 }];
      }
      case 'GET /usageplans': {
        const keyId = url.searchParams.get('keyId') ?? '';
        const items = [...this.bindings]
          .filter(([, keys]) => keys.has(keyId))
          .map(([id]) => ({ id, name: id, apiStages: [] }));
        // API Gateway's JSON names the list "item" (the SDK's `items`).
        return ['apigateway.GetUsagePlans', { status: 200, body: { item: items } }];
      }
      case 'POST /usageplans/{}/keys': {
        const planId = parts[1] ?? '';
        const keyId = String(body.keyId);
        const key = this.keys.get(keyId);
        if (key === undefined)
          return [
            'apigateway.CreateUsagePlanKey',
            notFound('NotFoundException', 'Invalid API Key identifier specified'),
          ];
        const keys = this.bindings.get(planId) ?? new Set<string>();
        this.bindings.set(planId, keys.add(keyId));
        return [
          'apigateway.CreateUsagePlanKey',
          { status: 201, body: { id: keyId, type: 'API_KEY', name: key.name } },
        ];
      }
      case 'DELETE /usageplans/{}/keys/{}': {
        const removed = this.bindings.get(parts[1] ?? '')?.delete(parts[3] ?? '') ?? false;
        return [
          'apigateway.DeleteUsagePlanKey',
          removed ? { status: 202 } : notFound('NotFoundException', 'Invalid Usage Plan Key specified'),
        ];
      }
      default:
        return [
          `apigateway.${route}`,
          { status: 404, errorType: 'NotFoundException', body: { message: route } },
        ];
    }
  }
}
