/**
 * ApiKeyInventory on Amazon API Gateway: what the reconciler lists and removes. Only the
 * reconciler's role may list keys (GET /apikeys); the internet-facing function's may not.
 */
import {
  type APIGatewayClient,
  GetApiKeysCommand,
  GetUsagePlanKeysCommand,
  GetUsagePlansCommand,
} from '@aws-sdk/client-api-gateway';
import { MARKER_TAG, parseMarker } from '../../credentials/marker';
import type { ApiKeyInventory, MarkedResource } from '../../credentials/ports';
import { ApiGatewayKeyIssuer } from './api-gateway-key-issuer';
import { upstream } from './errors';

export class ApiGatewayKeyInventory implements ApiKeyInventory {
  private readonly issuer: ApiGatewayKeyIssuer;

  constructor(private readonly client: APIGatewayClient) {
    this.issuer = new ApiGatewayKeyIssuer(client);
  }

  async markedKeys(instance: string): Promise<MarkedResource[]> {
    const marked: MarkedResource[] = [];
    let position: string | undefined;
    do {
      const page = await upstream(
        this.client.send(new GetApiKeysCommand({ includeValues: false, limit: 500, position })),
      );
      for (const key of page.items ?? []) {
        const marker = parseMarker(key.tags?.[MARKER_TAG]);
        if (marker?.instance !== instance || key.id === undefined) continue;
        marked.push({ id: key.id, ledgerId: marker.ledgerId, createdAt: key.createdDate?.getTime() });
      }
      position = page.position;
    } while (position !== undefined);
    return marked;
  }

  async bindings(planIds: readonly string[] | 'all'): Promise<Map<string, string[]>> {
    const plans = planIds === 'all' ? await this.allPlans() : planIds;
    const bound = new Map<string, string[]>();
    // One plan at a time: the control plane allows about 10 calls per second per account.
    for (const planId of plans) {
      const keys: string[] = [];
      let position: string | undefined;
      do {
        const page = await upstream(
          this.client.send(new GetUsagePlanKeysCommand({ usagePlanId: planId, limit: 500, position })),
        );
        for (const key of page.items ?? []) if (key.id !== undefined) keys.push(key.id);
        position = page.position;
      } while (position !== undefined);
      bound.set(planId, keys);
    }
    return bound;
  }

  deleteKey(keyId: string): Promise<'deleted' | 'absent' | 'foreign'> {
    return this.issuer.deleteKey(keyId);
  }

  unbindKey(usagePlanId: string, keyId: string): Promise<void> {
    return this.issuer.unbindKey(usagePlanId, keyId);
  }

  private async allPlans(): Promise<string[]> {
    const ids: string[] = [];
    let position: string | undefined;
    do {
      const page = await upstream(this.client.send(new GetUsagePlansCommand({ limit: 500, position })));
      for (const plan of page.items ?? []) if (plan.id !== undefined) ids.push(plan.id);
      position = page.position;
    } while (position !== undefined);
    return ids;
  }
}
