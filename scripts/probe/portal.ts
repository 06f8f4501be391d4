/** The requests the Portal sends: paths, Basic auth, and the app descriptions of a probe run. */
import { randomBytes } from 'node:crypto';
import type { IssuedCredential } from './contract';
import type { RequestSpec } from './http';
import type { Kind } from './types';

export const PATHS = {
  health: '/v1/health',
  create: '/v1/createCredentials',
  update: '/v1/updateCredentials',
  revoke: '/v1/revokeCredentials',
  validate: '/v1/validateCredentials',
} as const;

export interface WebhookAccess {
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
}

export const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;

/** A call to the webhook; `authorization: null` sends none, a string sends that one. */
export function webhookRequest(
  access: WebhookAccess,
  path: string,
  options: { readonly body?: unknown; readonly authorization?: string | null } = {},
): RequestSpec {
  const authorization =
    options.authorization === undefined ? basic(access.username, access.password) : options.authorization;
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...(authorization !== null && { Authorization: authorization }),
    ...(options.body !== undefined && { 'Content-Type': 'application/json' }),
  };
  return {
    method: options.body === undefined ? 'GET' : 'POST',
    url: `${access.baseUrl.replace(/\/+$/, '')}${path}`,
    headers,
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  };
}

/** What the probe's app asks for: the usage plans or APIs of the create, then of the update. */
export interface AppPlan {
  readonly apis: readonly string[];
  readonly usagePlans: readonly string[];
}

/** Ids used when none are given: a local webhook (ALLOWED_USAGE_PLAN_IDS=*) takes any. */
const DEFAULT_APIS = ['probeapi1', 'probeapi2'];
const DEFAULT_PLANS = ['probeplan1', 'probeplan2'];

/** With two or more ids, create takes all but the last and update adds it: a change to see. */
const firstPart = (ids: readonly string[]) => (ids.length >= 2 ? ids.slice(0, -1) : ids);

export class ProbeApp {
  /** Unique per run, so runs never meet each other's credentials. */
  readonly run = `probe${randomBytes(6).toString('hex')}`;
  readonly appName = `credential-webhook probe ${this.run}`;
  readonly developer = 'probe@example.com';
  private readonly apis: readonly string[];
  private readonly plans: readonly string[];

  constructor(given: AppPlan) {
    this.apis = given.apis.length > 0 ? given.apis : DEFAULT_APIS;
    this.plans = given.usagePlans.length > 0 ? given.usagePlans : DEFAULT_PLANS;
  }

  /** The create of the app; `slugSuffix` makes another app (for the refusals, which must issue nothing). */
  createBody(kind: Kind | undefined, slugSuffix = ''): Record<string, unknown> {
    const [api = ''] = this.apis;
    return {
      appName: `${this.appName}${slugSuffix}`,
      appSlug: `${this.run}${slugSuffix}`,
      developer: this.developer,
      // Without a kind asked for, the plans go along: a client-credentials API ignores them.
      apis: [
        kind === 'client-credentials'
          ? { id: api }
          : { id: api, usagePlans: firstPart(this.plans).map((id) => ({ id })) },
      ],
    };
  }

  /** The Portal sends back what create returned, with the app's new description. */
  updateBody(credential: IssuedCredential): Record<string, unknown> {
    const [api = ''] = this.apis;
    return {
      ...credential.returned,
      appName: `${this.appName} (updated)`,
      appSlug: this.run,
      developer: this.developer,
      apis:
        credential.kind === 'api-key'
          ? [{ id: api, usagePlans: this.plans.map((id) => ({ id })) }]
          : this.apis.map((id) => ({ id })),
    };
  }

  /** An update of a credential that does not exist. */
  unknownUpdateBody(kind: Kind): Record<string, unknown> {
    const id = `probeunknown${this.run.slice(-8)}`;
    return kind === 'api-key'
      ? { credentialType: 'API_KEY', apiKeyId: id, appName: this.appName }
      : { credentialType: 'CLIENT_CREDENTIALS', clientId: id, appName: this.appName };
  }
}

export const revokeBody = (credential: IssuedCredential): Record<string, unknown> => ({
  ...credential.returned,
});
