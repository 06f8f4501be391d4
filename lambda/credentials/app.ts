import type { ApiRef } from '../schemas';

/** The app a credential is issued for, as the Portal describes it. */
export interface AppDescription {
  readonly appName: string;
  readonly appSlug?: string | undefined;
  readonly developer: string;
  readonly apis: readonly ApiRef[];
}

/** The distinct usage plan ids listed across the app's APIs, in request order. */
export function usagePlanIdsOf(apis: readonly ApiRef[]): string[] {
  return [...new Set(apis.flatMap((api) => (api.usagePlans ?? []).map((plan) => plan.id)))];
}

/** What an update may change; absent fields stay as they are. */
export interface AppChanges {
  readonly appName?: string | undefined;
  readonly appSlug?: string | undefined;
  readonly developer?: string | undefined;
  readonly apis?: AppDescription['apis'] | undefined;
}
