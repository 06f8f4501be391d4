/**
 * ApiKeyIssuer (and the reconciler's ApiKeyInventory) in process memory, standing in for API
 * Gateway when the webhook runs locally. It keeps API Gateway's rules that the service relies on:
 * a binding to an unknown usage plan is refused, deleting a key detaches it from its plans.
 */

import { MARKER_TAG, parseMarker } from '../../credentials/marker';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../credentials/naming';
import {
  type ApiKeyInventory,
  type ApiKeyIssuer,
  type ApiKeySummary,
  BindingRefusedError,
  type IssuedApiKey,
  type KeyRead,
  type MarkedResource,
  type NewApiKey,
} from '../../credentials/ports';
import { randomToken } from '../random';

interface StoredKey extends ApiKeySummary {
  readonly value: string;
  readonly createdAt: number;
}

export class InMemoryApiKeys implements ApiKeyIssuer, ApiKeyInventory {
  private readonly keys = new Map<string, StoredKey>();
  private readonly bindingsByPlan = new Map<string, Set<string>>();

  /** @param usagePlanIds the plans that exist; 'any' creates a plan on its first binding. */
  constructor(
    private readonly usagePlanIds: ReadonlySet<string> | 'any' = 'any',
    private readonly now: () => number = Date.now,
  ) {}

  async createKey(key: NewApiKey): Promise<IssuedApiKey> {
    const stored: StoredKey = {
      ...key,
      tags: { ...key.tags },
      id: randomToken(10, true),
      value: randomToken(40),
      createdAt: this.now(),
    };
    this.keys.set(stored.id, stored);
    return { id: stored.id, value: stored.value };
  }

  async findKey(keyId: string, read: KeyRead = 'without-value'): Promise<ApiKeySummary | undefined> {
    const key = this.keys.get(keyId);
    if (key === undefined) return undefined;
    const { value, createdAt: _createdAt, ...summary } = key;
    return read === 'with-value' ? { ...summary, value } : summary;
  }

  async describeKey(keyId: string, name: string, description: string): Promise<void> {
    const key = this.keys.get(keyId);
    if (key !== undefined) this.keys.set(keyId, { ...key, name, description });
  }

  async deleteKey(keyId: string): Promise<'deleted' | 'absent' | 'foreign'> {
    const key = this.keys.get(keyId);
    if (key === undefined) return 'absent';
    // What the IAM policy enforces in AWS: only keys the webhook issued may be deleted.
    if (key.tags[MANAGED_BY_TAG] !== MANAGED_BY_VALUE) return 'foreign';
    for (const keys of this.bindingsByPlan.values()) keys.delete(keyId);
    this.keys.delete(keyId);
    return 'deleted';
  }

  async listUsagePlansOfKey(keyId: string): Promise<string[]> {
    return [...this.bindingsByPlan].filter(([, keys]) => keys.has(keyId)).map(([planId]) => planId);
  }

  async bindKey(usagePlanId: string, keyId: string): Promise<void> {
    if (this.usagePlanIds !== 'any' && !this.usagePlanIds.has(usagePlanId)) {
      throw new BindingRefusedError(usagePlanId, 'usage-plan-not-found');
    }
    if (!this.keys.has(keyId)) throw new BindingRefusedError(usagePlanId, 'invalid');
    // Already bound: what the AWS adapter makes of API Gateway's conflict for the key's own binding.
    const keys = this.bindingsByPlan.get(usagePlanId) ?? new Set<string>();
    this.bindingsByPlan.set(usagePlanId, keys.add(keyId));
  }

  async unbindKey(usagePlanId: string, keyId: string): Promise<void> {
    this.bindingsByPlan.get(usagePlanId)?.delete(keyId);
  }

  async markedKeys(instance: string): Promise<MarkedResource[]> {
    return [...this.keys.values()].flatMap((key) => {
      const marker = parseMarker(key.tags[MARKER_TAG]);
      return marker?.instance === instance
        ? [{ id: key.id, ledgerId: marker.ledgerId, createdAt: key.createdAt }]
        : [];
    });
  }

  async bindings(planIds: readonly string[] | 'all'): Promise<Map<string, string[]>> {
    const plans = planIds === 'all' ? [...this.bindingsByPlan.keys()] : planIds;
    return new Map(plans.map((planId) => [planId, [...(this.bindingsByPlan.get(planId) ?? [])]]));
  }
}
