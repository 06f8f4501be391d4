/** ApiKeyIssuer on Amazon API Gateway (REST API keys and usage plans). */
import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import {
  type ApiKeyIssuer,
  type ApiKeySummary,
  BindingRefusedError,
  type IssuedApiKey,
  type NewApiKey,
} from '../../credentials/ports';
import { UpstreamError } from '../../errors';
import { randomToken } from '../random';
import { awsErrorName, upstream, upstreamError } from './errors';

/** As long as the values API Gateway generates; ~238 bits of randomness. */
const API_KEY_LENGTH = 40;

export class ApiGatewayKeyIssuer implements ApiKeyIssuer {
  constructor(private readonly client: APIGatewayClient) {}

  /**
   * Creates the key with a value generated here. Values are unique per Region, so an attempt
   * retried after its answer was lost cannot make a second key: it fails with a conflict. After any
   * failure the key is looked for by name and value, and adopted if the create did go through.
   */
  async createKey(key: NewApiKey): Promise<IssuedApiKey> {
    const value = randomToken(API_KEY_LENGTH);
    try {
      const created = await this.client.send(
        new CreateApiKeyCommand({
          name: key.name,
          description: key.description,
          enabled: true,
          value,
          tags: { ...key.tags },
        }),
      );
      if (created.id === undefined) throw new UpstreamError('API Gateway did not return the new key.');
      return { id: created.id, value };
    } catch (error) {
      const id = await this.findIdByValue(key.name, value).catch(() => undefined);
      if (id !== undefined) return { id, value };
      throw error instanceof UpstreamError ? error : upstreamError(error);
    }
  }

  /** The id of the key with this name and value, if one exists (GetApiKeys matches name prefixes). */
  private async findIdByValue(name: string, value: string): Promise<string | undefined> {
    let position: string | undefined;
    do {
      const page = await this.client.send(
        new GetApiKeysCommand({ nameQuery: name, includeValues: true, limit: 500, position }),
      );
      const match = page.items?.find((item) => item.name === name && item.value === value);
      if (match?.id !== undefined) return match.id;
      position = page.position;
    } while (position !== undefined);
    return undefined;
  }

  async findKey(keyId: string, includeValue = false): Promise<ApiKeySummary | undefined> {
    try {
      const key = await this.client.send(new GetApiKeyCommand({ apiKey: keyId, includeValue }));
      return {
        id: keyId,
        name: key.name ?? '',
        description: key.description ?? '',
        tags: key.tags ?? {},
        ...(includeValue && { value: key.value }),
      };
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return undefined;
      throw upstreamError(error);
    }
  }

  async describeKey(keyId: string, name: string, description: string): Promise<void> {
    await upstream(
      this.client.send(
        new UpdateApiKeyCommand({
          apiKey: keyId,
          patchOperations: [
            { op: 'replace', path: '/name', value: name },
            { op: 'replace', path: '/description', value: description },
          ],
        }),
      ),
    );
  }

  async deleteKey(keyId: string): Promise<'deleted' | 'absent' | 'foreign'> {
    try {
      await this.client.send(new DeleteApiKeyCommand({ apiKey: keyId }));
      return 'deleted';
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'NotFoundException') return 'absent';
      // The role may delete only keys tagged sensedia:managed-by=credential-webhook (lib/credential-permissions.ts).
      if (name === 'AccessDeniedException') return 'foreign';
      throw upstreamError(error);
    }
  }

  async listUsagePlansOfKey(keyId: string): Promise<string[]> {
    const ids: string[] = [];
    let position: string | undefined;
    try {
      do {
        const page = await this.client.send(new GetUsagePlansCommand({ keyId, limit: 500, position }));
        for (const plan of page.items ?? []) if (plan.id !== undefined) ids.push(plan.id);
        position = page.position;
      } while (position !== undefined);
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return [];
      throw upstreamError(error);
    }
    return ids;
  }

  async bindKey(usagePlanId: string, keyId: string): Promise<void> {
    try {
      await this.client.send(new CreateUsagePlanKeyCommand({ usagePlanId, keyId, keyType: 'API_KEY' }));
    } catch (error) {
      switch (awsErrorName(error)) {
        case 'NotFoundException':
          throw new BindingRefusedError(usagePlanId, 'usage-plan-not-found');
        case 'ConflictException':
          throw new BindingRefusedError(usagePlanId, 'conflict');
        case 'BadRequestException':
          throw new BindingRefusedError(usagePlanId, 'invalid');
        default:
          throw upstreamError(error);
      }
    }
  }

  async unbindKey(usagePlanId: string, keyId: string): Promise<void> {
    try {
      await this.client.send(new DeleteUsagePlanKeyCommand({ usagePlanId, keyId }));
    } catch (error) {
      if (awsErrorName(error) !== 'NotFoundException') throw upstreamError(error);
    }
  }
}
