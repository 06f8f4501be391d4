/**
 * The whole webhook as one construct another team can drop into its own stack: function, API,
 * Basic-auth secret, the credential ledger, the scheduled reconciler, least-privilege permissions,
 * the user pool for client credentials, alarms and a dashboard. The functions' environments are
 * the contract of lambda/config.ts.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BasicAuthSecret, type BasicAuthSecretProps } from './basic-auth-secret';
import { ClientCredentialsPool, type ClientCredentialsPoolProps } from './client-credentials-pool';
import { CredentialPermissions, ReconcilerPermissions } from './credential-permissions';
import { CredentialLedgerTable } from './ledger-table';
import {
  CredentialReconciler,
  checkReconcileGrace,
  checkReconcileInterval,
  DEFAULT_RECONCILE_GRACE,
  DEFAULT_RECONCILE_INTERVAL,
} from './reconciler-function';
import {
  API_GATEWAY_ID,
  CREDENTIAL_TYPES,
  type CredentialType,
  checkInteger,
  duplicates,
  FULL_SCOPE,
  InvalidPropsError,
  isCredentialType,
} from './validation';
import { WebhookApi, type WebhookApiProps } from './webhook-api';
import { WebhookFunction, type WebhookFunctionProps } from './webhook-function';
import { WebhookMonitoring, type WebhookMonitoringProps } from './webhook-monitoring';

/** Cognito allows at most 50 scopes on one app client. */
const MAX_SCOPES_PER_CLIENT = 50;
/** Each allow-listed plan adds two ARNs to the role's inline policy, which IAM caps at 10,240 characters. */
const MAX_ALLOWED_USAGE_PLANS = 50;

export interface ClientCredentialsOptions extends ClientCredentialsPoolProps {
  /**
   * Full scope names ("<resource server>/<scope>") app clients get for APIs without an entry in
   * apiScopes.
   * @default - every scope of the created resource server; required for an imported pool unless apiScopes is set
   */
  readonly defaultScopes?: readonly string[];
  /**
   * Scopes per REST API id, for APIs whose clients need other scopes than defaultScopes.
   * @default - none
   */
  readonly apiScopes?: Readonly<Record<string, readonly string[]>>;
  /**
   * Lifetime of the access tokens app clients obtain, in minutes (5 to 1440).
   * @default 60
   */
  readonly accessTokenValidityMinutes?: number;
}

export interface CredentialWebhookProps {
  /**
   * Credential kind issued for APIs without an entry in apiCredentialTypes.
   * @default 'API_KEY'
   */
  readonly defaultCredentialType?: CredentialType;
  /**
   * Credential kind per REST API id, overriding defaultCredentialType.
   * @default - none
   */
  readonly apiCredentialTypes?: Readonly<Record<string, CredentialType>>;
  /**
   * Usage plans API keys may be attached to (an allow-list: the Portal cannot name others).
   * Required when any API gets API keys; refused otherwise.
   * @default - none
   */
  readonly allowedUsagePlanIds?: readonly string[];
  /**
   * The user pool and scopes for client credentials. Required when any API gets client
   * credentials; refused otherwise.
   * @default - none
   */
  readonly clientCredentials?: ClientCredentialsOptions;
  /**
   * Settings of the created Basic-auth secret.
   * @default - username "portal", 40-character generated password
   */
  readonly basicAuth?: BasicAuthSecretProps;
  /**
   * An existing secret with the Basic credentials (JSON {"username", "password"}) instead of a new one.
   * @default - a new secret (see basicAuth)
   */
  readonly basicAuthSecret?: secretsmanager.ISecret;
  /**
   * How long a create is remembered: a repeat within it returns the same credential.
   * @default Duration.hours(1)
   */
  readonly idempotencyWindow?: Duration;
  /**
   * How often the reconciler converges AWS to the ledger: whole minutes from 1 to 1440.
   * @default Duration.minutes(10)
   */
  readonly reconcileInterval?: Duration;
  /**
   * How old a marked key or client the ledger does not show issued must be before the reconciler
   * deletes it (a create may still be in flight before that): whole seconds from 60 to 7 days.
   * @default Duration.minutes(5)
   */
  readonly reconcileGrace?: Duration;
  /**
   * Function settings (memory, timeout, log retention, log level); the reconciler takes the log
   * retention and level too.
   * @default - see WebhookFunctionProps
   */
  readonly functionOptions?: Omit<WebhookFunctionProps, 'environment' | 'removalPolicy'>;
  /**
   * API settings (stage, throttling, access logs, source CIDRs, WAF).
   * @default - see WebhookApiProps
   */
  readonly apiOptions?: Omit<WebhookApiProps, 'handler' | 'removalPolicy'>;
  /**
   * Alarm thresholds of the refused-request alarms.
   * @default - see WebhookMonitoringProps
   */
  readonly monitoringOptions?: Pick<
    WebhookMonitoringProps,
    'authenticationFailureThreshold' | 'clientErrorThreshold' | 'throttledRequestThreshold'
  >;
  /**
   * SNS topic alarms notify.
   * @default - alarms without notifications
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * What happens to log groups, the ledger table and a created user pool when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class CredentialWebhook extends Construct {
  readonly handler: WebhookFunction;
  readonly api: WebhookApi;
  readonly basicAuthSecret: secretsmanager.ISecret;
  /** The credential ledger (also holding the create records). */
  readonly ledger: CredentialLedgerTable;
  readonly permissions: CredentialPermissions;
  readonly reconciler: CredentialReconciler;
  readonly reconcilerPermissions: ReconcilerPermissions;
  readonly monitoring: WebhookMonitoring;
  /** Set when some API gets client credentials. */
  readonly userPool: ClientCredentialsPool | undefined;
  /** The webhook's base URL: the Portal calls `<baseUrl>/v1/createCredentials` etc. */
  readonly baseUrl: string;
  /** The token endpoint developers use, when client credentials are issued. */
  readonly tokenUrl: string | undefined;
  readonly issuesApiKeys: boolean;
  readonly issuesClientCredentials: boolean;

  constructor(scope: Construct, id: string, props: CredentialWebhookProps = {}) {
    super(scope, id);
    const defaultType = props.defaultCredentialType ?? 'API_KEY';
    const apiTypes = props.apiCredentialTypes ?? {};
    checkCredentialTypes(defaultType, apiTypes);
    const kinds = new Set<CredentialType>([defaultType, ...Object.values(apiTypes)]);
    this.issuesApiKeys = kinds.has('API_KEY');
    this.issuesClientCredentials = kinds.has('CLIENT_CREDENTIALS');
    const plans = checkUsagePlans(this.issuesApiKeys, props.allowedUsagePlanIds);
    if (!this.issuesClientCredentials && props.clientCredentials !== undefined) {
      throw fail('clientCredentials is set, but no API is configured for CLIENT_CREDENTIALS');
    }
    if (this.issuesClientCredentials && props.clientCredentials === undefined) {
      throw fail('clientCredentials is required: an API is configured for CLIENT_CREDENTIALS');
    }
    if (props.basicAuth !== undefined && props.basicAuthSecret !== undefined) {
      throw fail('basicAuth configures a new secret; it cannot be combined with basicAuthSecret');
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    const window = props.idempotencyWindow ?? Duration.hours(1);
    checkInteger('CredentialWebhook', 'idempotencyWindow (seconds)', window.toSeconds(), 60, 7 * 24 * 3600);
    const reconcileInterval = props.reconcileInterval ?? DEFAULT_RECONCILE_INTERVAL;
    checkReconcileInterval('CredentialWebhook', 'reconcileInterval', reconcileInterval);
    const reconcileGrace = props.reconcileGrace ?? DEFAULT_RECONCILE_GRACE;
    checkReconcileGrace('CredentialWebhook', 'reconcileGrace', reconcileGrace);

    let createdSecret: BasicAuthSecret | undefined;
    if (props.basicAuthSecret === undefined) {
      createdSecret = new BasicAuthSecret(this, 'BasicAuth', props.basicAuth);
      this.basicAuthSecret = createdSecret.secret;
    } else {
      this.basicAuthSecret = props.basicAuthSecret;
    }
    // The id is the one the table had as the idempotency table: a new id would replace it.
    this.ledger = new CredentialLedgerTable(this, 'Idempotency', { removalPolicy });

    // What both functions need to know: where the ledger is and which kinds are issued where.
    const shared: Record<string, string> = {
      LEDGER_TABLE: this.ledger.table.tableName,
      DEFAULT_CREDENTIAL_TYPE: defaultType,
    };
    if (Object.keys(apiTypes).length > 0) shared.API_CREDENTIAL_TYPES = JSON.stringify(apiTypes);
    if (plans.length > 0) shared.ALLOWED_USAGE_PLAN_IDS = plans.join(',');
    const environment: Record<string, string> = {
      WEBHOOK_SECRET_ARN: this.basicAuthSecret.secretArn,
      ...shared,
      IDEMPOTENCY_WINDOW_SECONDS: String(window.toSeconds()),
    };

    const clientOptions = props.clientCredentials;
    if (clientOptions !== undefined) {
      this.userPool = new ClientCredentialsPool(this, 'UserPool', {
        ...clientOptions,
        removalPolicy: clientOptions.removalPolicy ?? removalPolicy,
      });
      const scopes = resolveScopes(clientOptions, this.userPool.definedScopes);
      const validity = clientOptions.accessTokenValidityMinutes ?? 60;
      checkInteger('CredentialWebhook', 'accessTokenValidityMinutes', validity, 5, 1440);
      shared.USER_POOL_ID = this.userPool.userPoolId;
      environment.USER_POOL_ID = this.userPool.userPoolId;
      environment.TOKEN_URL = this.userPool.tokenUrl;
      if (scopes.defaults.length > 0) environment.DEFAULT_SCOPES = scopes.defaults.join(' ');
      if (Object.keys(scopes.byApi).length > 0) environment.API_SCOPES = JSON.stringify(scopes.byApi);
      environment.ACCESS_TOKEN_VALIDITY_MINUTES = String(validity);
      this.tokenUrl = this.userPool.tokenUrl;
    } else {
      this.userPool = undefined;
      this.tokenUrl = undefined;
    }

    this.handler = new WebhookFunction(this, 'Function', {
      ...props.functionOptions,
      environment,
      removalPolicy,
    });
    const grants = {
      ledgerTableArn: this.ledger.table.tableArn,
      ...(plans.length > 0 && { allowedUsagePlanIds: plans }),
      ...(this.userPool !== undefined && { userPoolArn: this.userPool.userPoolArn }),
    };
    this.permissions = new CredentialPermissions(this, 'Permissions', {
      ...grants,
      role: this.handler.role,
      basicAuthSecret: this.basicAuthSecret,
    });
    // An imported secret's policy is its owner's to set.
    createdSecret?.allowReadsOnlyBy(this.handler.role);
    this.reconciler = new CredentialReconciler(this, 'Reconciler', {
      environment: shared,
      interval: reconcileInterval,
      grace: reconcileGrace,
      ...(props.functionOptions?.logRetention !== undefined && {
        logRetention: props.functionOptions.logRetention,
      }),
      ...(props.functionOptions?.logLevel !== undefined && { logLevel: props.functionOptions.logLevel }),
      removalPolicy,
    });
    this.reconcilerPermissions = new ReconcilerPermissions(this, 'ReconcilerPermissions', {
      ...grants,
      role: this.reconciler.role,
    });
    this.api = new WebhookApi(this, 'Api', {
      ...props.apiOptions,
      handler: this.handler.function,
      removalPolicy,
    });
    this.baseUrl = this.api.baseUrl;
    this.monitoring = new WebhookMonitoring(this, 'Monitoring', {
      function: this.handler.function,
      restApi: this.api.restApi,
      stageName: this.api.stage.stageName,
      accessLogGroup: this.api.accessLogGroup,
      ...props.monitoringOptions,
      reconciler: { function: this.reconciler.function, interval: reconcileInterval },
      ...(props.alarmTopic !== undefined && { alarmTopic: props.alarmTopic }),
    });
  }
}

function fail(message: string): InvalidPropsError {
  return new InvalidPropsError('CredentialWebhook', message);
}

function checkCredentialTypes(defaultType: unknown, apiTypes: Readonly<Record<string, unknown>>): void {
  const accepted = CREDENTIAL_TYPES.join(' or ');
  if (!isCredentialType(defaultType)) {
    throw fail(`defaultCredentialType must be ${accepted}, got "${String(defaultType)}"`);
  }
  for (const [apiId, kind] of Object.entries(apiTypes)) {
    if (!API_GATEWAY_ID.test(apiId)) throw fail(`apiCredentialTypes has an invalid REST API id "${apiId}"`);
    if (!isCredentialType(kind)) {
      throw fail(`apiCredentialTypes.${apiId} must be ${accepted}, got "${String(kind)}"`);
    }
  }
}

function checkUsagePlans(issuesApiKeys: boolean, plans: readonly string[] | undefined): readonly string[] {
  if (!issuesApiKeys) {
    if (plans !== undefined && plans.length > 0) {
      throw fail('allowedUsagePlanIds is set, but no API is configured for API_KEY');
    }
    return [];
  }
  if (plans === undefined || plans.length === 0) {
    throw fail('allowedUsagePlanIds must list at least one usage plan id: API keys are issued');
  }
  if (plans.includes('*')) {
    throw fail(
      'allowedUsagePlanIds must list usage plan ids: "*" would let the Portal use any plan in the account',
    );
  }
  const bad = plans.filter((id) => !API_GATEWAY_ID.test(id));
  if (bad.length > 0) throw fail(`allowedUsagePlanIds has invalid usage plan ids: ${bad.join(', ')}`);
  const repeated = duplicates(plans);
  if (repeated.length > 0) throw fail(`allowedUsagePlanIds lists ${repeated.join(', ')} more than once`);
  if (plans.length > MAX_ALLOWED_USAGE_PLANS) {
    throw fail(
      `allowedUsagePlanIds lists ${plans.length} plans; at most ${MAX_ALLOWED_USAGE_PLANS} fit in the role's policy`,
    );
  }
  return plans;
}

/** Default and per-API scopes, checked against the created resource server when there is one. */
function resolveScopes(
  options: ClientCredentialsOptions,
  defined: readonly string[],
): { defaults: readonly string[]; byApi: Readonly<Record<string, readonly string[]>> } {
  const defaults = options.defaultScopes ?? defined;
  const byApi = options.apiScopes ?? {};
  if (defaults.length === 0 && Object.keys(byApi).length === 0) {
    throw fail('clientCredentials.defaultScopes (or apiScopes) is required for an imported user pool');
  }
  const check = (prop: string, scopes: readonly string[]) => {
    if (scopes.length === 0 || scopes.length > MAX_SCOPES_PER_CLIENT) {
      throw fail(
        `clientCredentials.${prop} must list 1 to ${MAX_SCOPES_PER_CLIENT} scopes, got ${scopes.length}`,
      );
    }
    const malformed = scopes.filter((scope) => !FULL_SCOPE.test(scope));
    if (malformed.length > 0) {
      throw fail(
        `clientCredentials.${prop} must name scopes as "<resource server>/<scope>": ${malformed.join(', ')}`,
      );
    }
    const undefinedScopes = defined.length > 0 ? scopes.filter((scope) => !defined.includes(scope)) : [];
    if (undefinedScopes.length > 0) {
      throw fail(
        `clientCredentials.${prop} names scopes the resource server does not define: ${undefinedScopes.join(', ')} ` +
          `(defined: ${defined.join(', ')})`,
      );
    }
  };
  if (defaults.length > 0) check('defaultScopes', defaults);
  for (const [apiId, scopes] of Object.entries(byApi)) {
    if (!API_GATEWAY_ID.test(apiId))
      throw fail(`clientCredentials.apiScopes has an invalid REST API id "${apiId}"`);
    check(`apiScopes.${apiId}`, scopes);
  }
  return { defaults, byApi };
}
