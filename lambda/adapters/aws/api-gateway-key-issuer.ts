/** ApiKeyIssuer on Amazon API Gateway (REST API keys and usage plans). */
import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeyCommand,
  GetUsagePlanKeyCommand,
  GetUsagePlansCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import {
  type ApiKeyIssuer,
  type ApiKeySummary,
  BindingRefusedError,
  type IssuedApiKey,
  type KeyRead,
  type NewApiKey,
  OutcomeUnknownError,
} from '../../credentials/ports';
import { UnavailableError, UpstreamError } from '../../errors';
import { randomToken } from '../random';
import { awsErrorName, causeSaying, isUncertain, upstream, upstreamError } from './errors';

/** As long as the values API Gateway generates; ~238 bits of randomness. */
const API_KEY_LENGTH = 40;

export class ApiGatewayKeyIssuer implements ApiKeyIssuer {
  constructor(private readonly client: APIGatewayClient) {}

  /**
   * Creates the key with a value generated here. Values are unique per Region, so an attempt the
   * SDK retries after its answer was lost cannot make a second key: it fails with a conflict. Such
   * a key cannot be found without listing every key (which the function's role may not), so the
   * outcome is reported unknown; the key carries its ledger marker and the reconciler removes it.
   */
  async createKey(key: NewApiKey): Promise<IssuedApiKey> {
    const value = randomToken(API_KEY_LENGTH);
    let created: { id?: string | undefined };
    try {
      created = await this.client.send(
        new CreateApiKeyCommand({
          name: key.name,
          description: key.description,
          enabled: true,
          value,
          tags: { ...key.tags },
        }),
      );
    } catch (error) {
      if (awsErrorName(error) === 'ConflictException') {
        throw new OutcomeUnknownError(
          new UnavailableError(undefined, undefined, {
            cause: causeSaying('CreateApiKey answered after an earlier attempt made the key', error),
          }),
        );
      }
      if (isUncertain(error)) throw new OutcomeUnknownError(upstreamError(error));
      throw upstreamError(error);
    }
    if (created.id === undefined) throw new UpstreamError('API Gateway did not return the new key.');
    return { id: created.id, value };
  }

  async findKey(keyId: string, read: KeyRead = 'without-value'): Promise<ApiKeySummary | undefined> {
    const includeValue = read === 'with-value';
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
      // A key the role may not read (not tagged as the webhook's) is, to the webhook, no key at all.
      const name = awsErrorName(error);
      if (name === 'NotFoundException' || name === 'AccessDeniedException') return undefined;
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
          // The binding an earlier attempt made (its answer lost, the SDK retried) is ours; any
          // other conflict (a plan of the same API stage) is a refusal.
          if (await this.isBound(usagePlanId, keyId)) return;
          throw new BindingRefusedError(usagePlanId, 'conflict');
        case 'BadRequestException':
          throw new BindingRefusedError(usagePlanId, 'invalid');
        default:
          throw upstreamError(error);
      }
    }
  }

  /** Whether the key is bound to the plan (GetUsagePlanKey). */
  private async isBound(usagePlanId: string, keyId: string): Promise<boolean> {
    try {
      await this.client.send(new GetUsagePlanKeyCommand({ usagePlanId, keyId }));
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'NotFoundException') return false;
      throw upstreamError(error);
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
