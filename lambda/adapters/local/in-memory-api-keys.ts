/**
 * ApiKeyIssuer in process memory, standing in for API Gateway when the webhook runs locally.
 * It keeps API Gateway's rules that the service relies on: a binding to an unknown usage plan is
 * refused, deleting a key detaches it from its plans.
 */

import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../credentials/naming';
import {
  type ApiKeyIssuer,
  type ApiKeySummary,
  BindingRefusedError,
  type IssuedApiKey,
  type NewApiKey,
} from '../../credentials/ports';
import { randomToken } from '../random';

interface StoredKey extends ApiKeySummary {
  readonly value: string;
}

export class InMemoryApiKeys implements ApiKeyIssuer {
  private readonly keys = new Map<string, StoredKey>();
  private readonly bindings = new Map<string, Set<string>>();

  /** @param usagePlanIds the plans that exist; 'any' creates a plan on its first binding. */
  constructor(private readonly usagePlanIds: ReadonlySet<string> | 'any' = 'any') {}

  async createKey(key: NewApiKey): Promise<IssuedApiKey> {
    const stored: StoredKey = {
      ...key,
      tags: { ...key.tags },
      id: randomToken(10, true),
      value: randomToken(40),
    };
    this.keys.set(stored.id, stored);
    return { id: stored.id, value: stored.value };
  }

  async findKey(keyId: string, includeValue = false): Promise<ApiKeySummary | undefined> {
    const key = this.keys.get(keyId);
    if (key === undefined) return undefined;
    const { value, ...summary } = key;
    return includeValue ? { ...summary, value } : summary;
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
    for (const keys of this.bindings.values()) keys.delete(keyId);
    this.keys.delete(keyId);
    return 'deleted';
  }

  async listUsagePlansOfKey(keyId: string): Promise<string[]> {
    return [...this.bindings].filter(([, keys]) => keys.has(keyId)).map(([planId]) => planId);
  }

  async bindKey(usagePlanId: string, keyId: string): Promise<void> {
    if (this.usagePlanIds !== 'any' && !this.usagePlanIds.has(usagePlanId)) {
      throw new BindingRefusedError(usagePlanId, 'usage-plan-not-found');
    }
    if (!this.keys.has(keyId)) throw new BindingRefusedError(usagePlanId, 'invalid');
    const keys = this.bindings.get(usagePlanId) ?? new Set<string>();
    if (keys.has(keyId)) throw new BindingRefusedError(usagePlanId, 'conflict');
    this.bindings.set(usagePlanId, keys.add(keyId));
  }

  async unbindKey(usagePlanId: string, keyId: string): Promise<void> {
    this.bindings.get(usagePlanId)?.delete(keyId);
  }
}
