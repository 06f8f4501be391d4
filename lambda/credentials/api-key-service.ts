/**
 * API-key credentials: an API Gateway key attached to the usage plans the app lists.
 * Create is two round trips to API Gateway whatever the number of plans (create the key, then bind
 * in parallel), between the ledger's intent and its `issued` record; a binding that fails deletes
 * the key. Update and revoke act only on keys the ledger shows this webhook issued.
 */
import { NotFoundError, UnprocessableError, UpstreamError } from '../errors';
import type { ApiKeyCredentialResponse } from '../schemas';
import type { AppChanges, AppDescription } from './app';
import { usagePlanIdsOf } from './app';
import { expiryField } from './lifetime';
import { apiKeyDescription, apiKeyName, resourceTags } from './naming';
import { forEachLimited, PartialFailure } from './parallel';
import {
  type ApiKeyIssuer,
  BindingRefusedError,
  type ClaimRequest,
  type CredentialLedger,
  type LedgerEntry,
} from './ports';
import { apiKeyHash, changedApp, Recording, type RecordingOptions, recordedApp } from './recording';

/** API Gateway allows a key in at most 10 usage plans. */
export const MAX_USAGE_PLANS_PER_KEY = 10;

/** The schema's answer, with `customCredentials` always given (the service always sets it). */
export type ApiKeyCredential = Readonly<Required<ApiKeyCredentialResponse>>;

export interface ApiKeyServiceOptions extends RecordingOptions {
  /** Usage plans keys may be attached to, or 'any'. */
  readonly allowedUsagePlanIds: ReadonlySet<string> | 'any';
  /** Most AWS calls in flight at once for one request. */
  readonly maxParallelCalls: number;
}

/** What an update may change; absent fields stay as they are. */
export type ApiKeyChanges = AppChanges;

export class ApiKeyService {
  private readonly recording: Recording;

  constructor(
    private readonly issuer: ApiKeyIssuer,
    ledger: CredentialLedger,
    private readonly options: ApiKeyServiceOptions,
  ) {
    this.recording = new Recording(ledger, 'API_KEY', options);
  }

  /** Issues a key; with `lifetimeSeconds` it expires that long after now (undefined: never). */
  async create(
    app: AppDescription,
    claim?: ClaimRequest,
    lifetimeSeconds?: number,
  ): Promise<ApiKeyCredential> {
    const planIds = usagePlanIdsOf(app.apis);
    if (planIds.length === 0) {
      throw new UnprocessableError(
        'NO_USAGE_PLAN',
        'An API key needs at least one usage plan in apis[].usagePlans.',
      );
    }
    this.checkPlans(planIds);

    const { entry, marker } = await this.recording.begin(
      recordedApp(app),
      { kind: 'API_KEY', usagePlanIds: planIds },
      lifetimeSeconds,
    );
    const key = await this.recording.create(entry, () =>
      this.issuer.createKey({
        name: apiKeyName(app.appName, app.developer),
        description: apiKeyDescription(app.appSlug),
        tags: resourceTags(app.appSlug, app.developer, marker),
      }),
    );
    const removal = {
      remove: async () => {
        // Refused by IAM: the key is still there, and must be reported as such.
        if ((await this.issuer.deleteKey(key.id)) === 'foreign') {
          throw new UpstreamError('API Gateway refused to delete the key.');
        }
      },
      exists: async () => (await this.issuer.findKey(key.id)) !== undefined,
    };
    try {
      await forEachLimited(planIds, this.options.maxParallelCalls, (planId) =>
        this.issuer.bindKey(planId, key.id),
      );
    } catch (error) {
      await this.recording.failed(entry, key.id, removal, error);
      throw bindingError(error);
    }
    await this.recording.issue(
      entry,
      { credentialId: key.id, apiKeyHash: apiKeyHash(key.value), claim },
      removal,
    );
    return apiKeyCredential(key.id, key.value, entry.expiresAt);
  }

  /** The credential of a key issued earlier (a repeated create), or undefined if it is gone. */
  async recover(keyId: string): Promise<ApiKeyCredential | undefined> {
    const entry = await this.recording.owned(keyId);
    if (entry === undefined) return undefined;
    const key = await this.issuer.findKey(keyId, 'with-value');
    return key?.value === undefined ? undefined : apiKeyCredential(keyId, key.value, entry.expiresAt);
  }

  /** Makes the key match the request: name, and exactly the listed usage plans. */
  async update(keyId: string, changes: ApiKeyChanges): Promise<void> {
    const desired = changes.apis === undefined ? undefined : usagePlanIdsOf(changes.apis);
    if (desired !== undefined) this.checkPlans(desired);

    const [entry, key, current] = await Promise.all([
      this.recording.owned(keyId),
      this.issuer.findKey(keyId),
      desired === undefined ? Promise.resolve([]) : this.issuer.listUsagePlansOfKey(keyId),
    ]);
    if (entry === undefined || key === undefined) throw unknownKey(keyId);
    // Bindings to plans this deployment does not manage stay, and count towards API Gateway's limit.
    const kept = current.filter((id) => !this.allowed(id));
    if (desired !== undefined && desired.length + kept.length > MAX_USAGE_PLANS_PER_KEY) {
      throw new UnprocessableError(
        'TOO_MANY_USAGE_PLANS',
        `An API key can be in at most ${MAX_USAGE_PLANS_PER_KEY} usage plans; this key would be in ${desired.length + kept.length}.`,
      );
    }

    const toAdd = desired?.filter((id) => !current.includes(id)) ?? [];
    // Only plans this deployment manages are detached: a binding an administrator made to another
    // plan is not the Portal's to remove (and IAM would refuse it).
    const toRemove =
      desired === undefined ? [] : current.filter((id) => !desired.includes(id) && this.allowed(id));
    const name =
      changes.appName !== undefined && changes.developer !== undefined
        ? apiKeyName(changes.appName, changes.developer)
        : key.name;
    const description = changes.appSlug !== undefined ? apiKeyDescription(changes.appSlug) : key.description;
    const recorded = planIdsOf(entry);
    const planIds = desired ?? recorded;
    const app = changedApp(entry.app, changes);

    // The ledger lists a plan before the key is bound to it: the reconciler removes bindings to
    // plans the ledger does not list, and must never race this update.
    if (toAdd.some((id) => !recorded.includes(id))) {
      await this.recording.amend(entry, entry.app, {
        kind: 'API_KEY',
        usagePlanIds: [...new Set([...recorded, ...toAdd])],
      });
    }
    const steps: UpdateStep[] = [
      ...toAdd.map((planId) => ({ action: 'bind', planId }) as const),
      ...toRemove.map((planId) => ({ action: 'unbind', planId }) as const),
    ];
    if (name !== key.name || description !== key.description)
      steps.push({ action: 'describe', name, description });
    try {
      await forEachLimited(steps, this.options.maxParallelCalls, (step) => this.apply(keyId, step));
    } catch (error) {
      // Best effort: undo the binding changes that went through, and those that failed (a call
      // whose answer was lost may have taken effect), so the key keeps its old plans.
      const done =
        error instanceof PartialFailure ? ([...error.succeeded, ...error.failed] as UpdateStep[]) : [];
      const undo = done.flatMap((step) => inverse(step) ?? []);
      await Promise.allSettled(undo.map((step) => this.apply(keyId, step)));
      throw bindingError(error);
    }
    await this.recording.amend(entry, app, { kind: 'API_KEY', usagePlanIds: planIds });
  }

  /**
   * Records the revoke, then deletes the key (API Gateway detaches it from its plans). A key the
   * ledger does not list is not ours (404); one it shows revoked is already gone or going.
   */
  async revoke(keyId: string): Promise<void> {
    const entry = await this.recording.find(keyId);
    if (entry === undefined) throw unknownKey(keyId);
    await this.recording.revoke(entry);
    // Refused although the ledger says the key is ours: the deployment's IAM (or the key's tag) is
    // broken, and the Portal must not be told the key is gone. The reconciler retries the delete.
    if ((await this.issuer.deleteKey(keyId)) === 'foreign') {
      throw new UpstreamError('API Gateway refused to delete the key.');
    }
  }

  private allowed(planId: string): boolean {
    const allowList = this.options.allowedUsagePlanIds;
    return allowList === 'any' || allowList.has(planId);
  }

  /** Refuses, before anything is created, what this deployment or API Gateway would refuse. */
  private checkPlans(planIds: readonly string[]): void {
    const refused = planIds.filter((id) => !this.allowed(id));
    if (refused.length > 0) {
      throw new UnprocessableError(
        'USAGE_PLAN_NOT_ALLOWED',
        `This webhook does not issue keys for usage plan(s) ${refused.join(', ')}.`,
      );
    }
    if (planIds.length > MAX_USAGE_PLANS_PER_KEY) {
      throw new UnprocessableError(
        'TOO_MANY_USAGE_PLANS',
        `An API key can be in at most ${MAX_USAGE_PLANS_PER_KEY} usage plans; the request lists ${planIds.length}.`,
      );
    }
  }

  private apply(keyId: string, step: UpdateStep): Promise<void> {
    switch (step.action) {
      case 'bind':
        return this.issuer.bindKey(step.planId, keyId);
      case 'unbind':
        return this.issuer.unbindKey(step.planId, keyId);
      case 'describe':
        return this.issuer.describeKey(keyId, step.name, step.description);
    }
  }
}

/** One AWS call of an update. */
type UpdateStep =
  | { readonly action: 'bind' | 'unbind'; readonly planId: string }
  | { readonly action: 'describe'; readonly name: string; readonly description: string };

/** The step that undoes a binding change; a rename is left as it is (harmless, and the Portal retries). */
function inverse(step: UpdateStep): UpdateStep | undefined {
  if (step.action === 'bind') return { action: 'unbind', planId: step.planId };
  if (step.action === 'unbind') return { action: 'bind', planId: step.planId };
  return undefined;
}

function apiKeyCredential(apiKeyId: string, apiKey: string, expiresAt: number | undefined): ApiKeyCredential {
  return {
    credentialType: 'API_KEY',
    apiKeyId,
    apiKey,
    customCredentials: { apiKeyHeader: 'x-api-key', ...expiryField(expiresAt) },
  };
}

function planIdsOf(entry: LedgerEntry): string[] {
  return entry.grants.kind === 'API_KEY' ? [...entry.grants.usagePlanIds] : [];
}

function unknownKey(keyId: string): NotFoundError {
  return new NotFoundError(
    'CREDENTIAL_NOT_FOUND',
    `API key ${keyId} does not exist or was not issued by this webhook.`,
  );
}

/** Turns a failed fan-out into the error the caller sees. */
function bindingError(error: unknown): unknown {
  const cause = error instanceof PartialFailure ? error.cause : error;
  if (cause instanceof BindingRefusedError) {
    const plan = cause.usagePlanId;
    switch (cause.reason) {
      case 'usage-plan-not-found':
        return new UnprocessableError('USAGE_PLAN_NOT_FOUND', `Usage plan ${plan} does not exist.`);
      case 'conflict':
        return new UnprocessableError(
          'USAGE_PLAN_CONFLICT',
          `Usage plan ${plan} cannot take this key: a key can be in only one usage plan per API stage.`,
        );
      default:
        return new UnprocessableError(
          'USAGE_PLAN_REFUSED',
          `API Gateway refused to attach the key to usage plan ${plan}.`,
        );
    }
  }
  return cause;
}
