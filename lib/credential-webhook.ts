/**
 * The whole webhook as one construct another team can drop into its own stack: function, API,
 * Basic-auth secret (and validateCredentials' own), the credential ledger, the scheduled
 * reconciler, least-privilege permissions, the user pool for client credentials, alarms and a
 * dashboard. The functions' environments are the contract of lambda/config.ts.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
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
/** Longest credential lifetime, in days: ten years (lambda/config.ts MAX_LIFETIME_SECONDS). */
const MAX_LIFETIME_DAYS = 3650;
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
   * Days an issued credential lives: create returns `customCredentials.expiresAt`, and the
   * reconciler deletes the key or client once it has passed (whole days, 1 to 3650).
   * @default - credentials never expire
   */
  readonly credentialLifetimeDays?: number;
  /**
   * Lifetime per REST API id, in days or "never" (exempt from credentialLifetimeDays); a create
   * naming several APIs gets the shortest of their lifetimes.
   * @default - none
   */
  readonly apiCredentialLifetimeDays?: Readonly<Record<string, number | 'never'>>;
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
   * Expose POST /v1/validateCredentials, where backends ask whether an API key or access token is
   * valid, with Basic credentials of their own (see validatorSecret). False leaves out the route,
   * its secret, the function's VALIDATOR_SECRET_ARN and the permissions that come with it.
   * @default true
   */
  readonly validationEndpoint?: boolean;
  /**
   * An existing secret with the Basic credentials of validateCredentials' callers (JSON
   * {"username", "password"}) instead of a new one. Never the Portal's: backends must not hold
   * credentials that issue credentials.
   * @default - a new secret, username "validator", 40-character generated password, readable only
   * by the function and the administrators of basicAuth.adminPrincipalArns
   */
  readonly validatorSecret?: secretsmanager.ISecret;
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
   * Function settings (memory, timeout, log retention, log level, runtime version); the reconciler
   * takes the log retention and level too.
   * @default - see WebhookFunctionProps
   */
  readonly functionOptions?: Omit<WebhookFunctionProps, 'environment' | 'removalPolicy'>;
  /**
   * API settings (stage, throttling, access logs, source CIDRs, WAF).
   * @default - see WebhookApiProps
   */
  readonly apiOptions?: Omit<WebhookApiProps, 'handler' | 'removalPolicy' | 'validationEndpoint'>;
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

/** CredentialWebhookProps with defaults applied, checked against each other. */
interface Settings {
  readonly defaultType: CredentialType;
  readonly apiTypes: Readonly<Record<string, CredentialType>>;
  readonly issuesApiKeys: boolean;
  readonly issuesClientCredentials: boolean;
  /** Whether POST /v1/validateCredentials is exposed. */
  readonly validation: boolean;
  /** The usage plan allow-list; empty when no API gets API keys. */
  readonly plans: readonly string[];
  readonly removalPolicy: RemovalPolicy;
  readonly idempotencyWindow: Duration;
  readonly reconcileInterval: Duration;
  readonly reconcileGrace: Duration;
  /** Credential lifetimes in seconds: the default, and per API. */
  readonly lifetimes: {
    readonly defaultSeconds: number | undefined;
    readonly byApi: Readonly<Record<string, number | 'never'>>;
  };
}

/** The functions' environments (the contract of lambda/config.ts). */
interface Environments {
  /** What both functions need: where the ledger is and which kinds are issued where. */
  readonly shared: Readonly<Record<string, string>>;
  /** The webhook function's: the shared variables, the secrets, the window and the client settings. */
  readonly webhook: Readonly<Record<string, string>>;
}

/**
 * The webhook and everything it needs, wired together. Its parts are exposed under the names AWS
 * Solutions Constructs use (lambdaFunction, apiGateway, secret, table, userPool), for
 * customizing them after construction.
 */
export class CredentialWebhook extends Construct {
  /** The webhook function the API proxies every route to (its execution role holds only what is granted). */
  readonly lambdaFunction: lambda.Function;
  /** The REST API the Portal calls; its `deploymentStage` is the stage. */
  readonly apiGateway: apigw.RestApi;
  /** The API stage's JSON access log group. */
  readonly apiGatewayLogGroup: logs.LogGroup;
  /** The Basic-auth secret, created or the one passed as `basicAuthSecret`. */
  readonly secret: secretsmanager.ISecret;
  /**
   * The Basic credentials of validateCredentials' callers, created or the one passed as
   * `validatorSecret`; undefined when validationEndpoint is false.
   */
  readonly validatorSecret: secretsmanager.ISecret | undefined;
  /** The credential ledger table (also holding the create records). */
  readonly table: dynamodb.Table;
  /** The user pool app clients are created in; set when some API gets client credentials. */
  readonly userPool: cognito.IUserPool | undefined;
  /** The webhook function's permissions. */
  readonly permissions: CredentialPermissions;
  /** The scheduled reconciler (function, role, log group, schedule). */
  readonly reconciler: CredentialReconciler;
  /** The reconciler function's permissions. */
  readonly reconcilerPermissions: ReconcilerPermissions;
  /** The alarms and the dashboard. */
  readonly monitoring: WebhookMonitoring;
  /** The webhook's base URL: the Portal calls `<baseUrl>/v1/createCredentials` etc. */
  readonly baseUrl: string;
  /** The token endpoint developers use, when client credentials are issued. */
  readonly tokenUrl: string | undefined;
  /** Whether some API gets API keys. */
  readonly issuesApiKeys: boolean;
  /** Whether some API gets client credentials. */
  readonly issuesClientCredentials: boolean;

  constructor(scope: Construct, id: string, props: CredentialWebhookProps = {}) {
    super(scope, id);
    const settings = CredentialWebhook.validate(props, (value) =>
      JSON.stringify(Stack.of(this).resolve(value)),
    );
    const { removalPolicy } = settings;
    this.issuesApiKeys = settings.issuesApiKeys;
    this.issuesClientCredentials = settings.issuesClientCredentials;

    let createdSecret: BasicAuthSecret | undefined;
    if (props.basicAuthSecret === undefined) {
      createdSecret = new BasicAuthSecret(this, 'BasicAuth', props.basicAuth);
      this.secret = createdSecret.secret;
    } else {
      this.secret = props.basicAuthSecret;
    }
    let createdValidatorSecret: BasicAuthSecret | undefined;
    if (settings.validation && props.validatorSecret === undefined) {
      createdValidatorSecret = new BasicAuthSecret(this, 'ValidatorAuth', {
        username: 'validator',
        description: "Basic credentials backends use to call the credential webhook's validateCredentials",
        // The administrators who may read the Portal's password may read this one too.
        ...(props.basicAuth?.adminPrincipalArns !== undefined && {
          adminPrincipalArns: props.basicAuth.adminPrincipalArns,
        }),
      });
      this.validatorSecret = createdValidatorSecret.secret;
    } else {
      this.validatorSecret = settings.validation ? props.validatorSecret : undefined;
    }
    // The id is the one the table had as the idempotency table: a new id would replace it.
    this.table = new CredentialLedgerTable(this, 'Idempotency', { removalPolicy }).table;
    const clientOptions = props.clientCredentials;
    const pool =
      clientOptions === undefined
        ? undefined
        : new ClientCredentialsPool(this, 'UserPool', {
            ...clientOptions,
            removalPolicy: clientOptions.removalPolicy ?? removalPolicy,
          });
    this.userPool = pool?.userPool;
    this.tokenUrl = pool?.tokenUrl;
    const environment = CredentialWebhook.environmentFor(
      settings,
      this.table,
      { basicAuth: this.secret, validator: this.validatorSecret },
      pool,
      clientOptions,
    );

    const handler = new WebhookFunction(this, 'Function', {
      ...props.functionOptions,
      environment: environment.webhook,
      removalPolicy,
    });
    this.lambdaFunction = handler.function;
    const grants = {
      ledgerTableArn: this.table.tableArn,
      ...(settings.plans.length > 0 && { allowedUsagePlanIds: settings.plans }),
      ...(pool !== undefined && { userPoolArn: pool.userPoolArn }),
    };
    this.permissions = new CredentialPermissions(this, 'Permissions', {
      ...grants,
      role: handler.role,
      basicAuthSecret: this.secret,
      ...(this.validatorSecret !== undefined && { validatorSecret: this.validatorSecret }),
    });
    // An imported secret's policy is its owner's to set.
    createdSecret?.allowReadsOnlyBy(handler.role);
    createdValidatorSecret?.allowReadsOnlyBy(handler.role);
    this.reconciler = new CredentialReconciler(this, 'Reconciler', {
      environment: environment.shared,
      interval: settings.reconcileInterval,
      grace: settings.reconcileGrace,
      // The reconciler logs like the webhook function.
      logRetention: props.functionOptions?.logRetention,
      logLevel: props.functionOptions?.logLevel,
      removalPolicy,
    });
    this.reconcilerPermissions = new ReconcilerPermissions(this, 'ReconcilerPermissions', {
      ...grants,
      role: this.reconciler.role,
    });
    const api = new WebhookApi(this, 'Api', {
      ...props.apiOptions,
      handler: this.lambdaFunction,
      validationEndpoint: settings.validation,
      removalPolicy,
    });
    this.apiGateway = api.restApi;
    this.apiGatewayLogGroup = api.accessLogGroup;
    this.baseUrl = api.baseUrl;
    this.monitoring = new WebhookMonitoring(this, 'Monitoring', {
      function: this.lambdaFunction,
      restApi: api.restApi,
      stageName: api.stage.stageName,
      validationEndpoint: settings.validation,
      accessLogGroup: api.accessLogGroup,
      ...props.monitoringOptions,
      reconciler: { function: this.reconciler.function, interval: settings.reconcileInterval },
      ...(props.alarmTopic !== undefined && { alarmTopic: props.alarmTopic }),
    });
  }

  /** Applies the defaults and refuses props that contradict each other or AWS's limits. */
  private static validate(props: CredentialWebhookProps, resolve: (value: string) => string): Settings {
    const defaultType = props.defaultCredentialType ?? 'API_KEY';
    const apiTypes = props.apiCredentialTypes ?? {};
    checkCredentialTypes(defaultType, apiTypes);
    const kinds = new Set<CredentialType>([defaultType, ...Object.values(apiTypes)]);
    const issuesApiKeys = kinds.has('API_KEY');
    const issuesClientCredentials = kinds.has('CLIENT_CREDENTIALS');
    const plans = checkUsagePlans(issuesApiKeys, props.allowedUsagePlanIds);
    if (!issuesClientCredentials && props.clientCredentials !== undefined) {
      throw fail('clientCredentials is set, but no API is configured for CLIENT_CREDENTIALS');
    }
    if (issuesClientCredentials && props.clientCredentials === undefined) {
      throw fail('clientCredentials is required: an API is configured for CLIENT_CREDENTIALS');
    }
    if (props.basicAuth !== undefined && props.basicAuthSecret !== undefined) {
      throw fail('basicAuth configures a new secret; it cannot be combined with basicAuthSecret');
    }
    const validation = props.validationEndpoint ?? true;
    checkValidatorSecret(validation, props.validatorSecret, props.basicAuthSecret, resolve);
    const idempotencyWindow = props.idempotencyWindow ?? Duration.hours(1);
    const windowSeconds = idempotencyWindow.toSeconds();
    checkInteger('CredentialWebhook', 'idempotencyWindow (seconds)', windowSeconds, 60, 7 * 24 * 3600);
    const reconcileInterval = props.reconcileInterval ?? DEFAULT_RECONCILE_INTERVAL;
    checkReconcileInterval('CredentialWebhook', 'reconcileInterval', reconcileInterval);
    const reconcileGrace = props.reconcileGrace ?? DEFAULT_RECONCILE_GRACE;
    checkReconcileGrace('CredentialWebhook', 'reconcileGrace', reconcileGrace);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const lifetimes = checkLifetimes(props.credentialLifetimeDays, props.apiCredentialLifetimeDays);
    return {
      lifetimes,
      defaultType,
      apiTypes,
      issuesApiKeys,
      issuesClientCredentials,
      validation,
      plans,
      removalPolicy,
      idempotencyWindow,
      reconcileInterval,
      reconcileGrace,
    };
  }

  /**
   * The functions' environments. Scopes are checked here, against the scopes of the created pool's
   * resource server, which exist only once the pool does.
   */
  private static environmentFor(
    settings: Settings,
    table: dynamodb.ITable,
    secrets: { basicAuth: secretsmanager.ISecret; validator: secretsmanager.ISecret | undefined },
    pool: ClientCredentialsPool | undefined,
    clientOptions: ClientCredentialsOptions | undefined,
  ): Environments {
    const shared: Record<string, string> = {
      LEDGER_TABLE: table.tableName,
      DEFAULT_CREDENTIAL_TYPE: settings.defaultType,
    };
    if (Object.keys(settings.apiTypes).length > 0)
      shared.API_CREDENTIAL_TYPES = JSON.stringify(settings.apiTypes);
    if (settings.plans.length > 0) shared.ALLOWED_USAGE_PLAN_IDS = settings.plans.join(',');
    const webhook: Record<string, string> = {
      WEBHOOK_SECRET_ARN: secrets.basicAuth.secretArn,
      ...(secrets.validator !== undefined && { VALIDATOR_SECRET_ARN: secrets.validator.secretArn }),
      ...shared,
      IDEMPOTENCY_WINDOW_SECONDS: String(settings.idempotencyWindow.toSeconds()),
    };
    // Only the webhook: the reconciler reads each credential's expiry from the ledger.
    const { defaultSeconds, byApi } = settings.lifetimes;
    if (defaultSeconds !== undefined) webhook.CREDENTIAL_LIFETIME_SECONDS = String(defaultSeconds);
    if (Object.keys(byApi).length > 0) webhook.API_CREDENTIAL_LIFETIMES = JSON.stringify(byApi);
    if (pool === undefined || clientOptions === undefined) return { shared, webhook };

    const scopes = resolveScopes(clientOptions, pool.definedScopes);
    const validity = clientOptions.accessTokenValidityMinutes ?? 60;
    checkInteger('CredentialWebhook', 'accessTokenValidityMinutes', validity, 5, 1440);
    shared.USER_POOL_ID = pool.userPoolId;
    webhook.USER_POOL_ID = pool.userPoolId;
    webhook.TOKEN_URL = pool.tokenUrl;
    if (scopes.defaults.length > 0) webhook.DEFAULT_SCOPES = scopes.defaults.join(' ');
    if (Object.keys(scopes.byApi).length > 0) webhook.API_SCOPES = JSON.stringify(scopes.byApi);
    webhook.ACCESS_TOKEN_VALIDITY_MINUTES = String(validity);
    return { shared, webhook };
  }
}

function fail(message: string): InvalidPropsError {
  return new InvalidPropsError('CredentialWebhook', message);
}

function checkValidatorSecret(
  validation: boolean,
  validator: secretsmanager.ISecret | undefined,
  basicAuth: secretsmanager.ISecret | undefined,
  resolve: (value: string) => string,
): void {
  if (validator === undefined) return;
  if (!validation) {
    throw fail('validatorSecret is set, but validationEndpoint is false: there is no endpoint to read it');
  }
  // The same secret imported twice is two objects with one ARN (with tokens, once resolved).
  if (basicAuth !== undefined && resolve(validator.secretArn) === resolve(basicAuth.secretArn)) {
    throw fail(
      "validatorSecret must not be basicAuthSecret: backends that validate credentials must not hold the Portal's",
    );
  }
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

/** Lifetimes in whole days, converted to the seconds lambda/config.ts reads. */
function checkLifetimes(
  days: number | undefined,
  apiDays: Readonly<Record<string, number | 'never'>> | undefined,
): Settings['lifetimes'] {
  const seconds = (prop: string, value: number) => {
    checkInteger('CredentialWebhook', prop, value, 1, MAX_LIFETIME_DAYS);
    return value * 86_400;
  };
  const byApi: Record<string, number | 'never'> = {};
  for (const [apiId, value] of Object.entries(apiDays ?? {})) {
    if (!API_GATEWAY_ID.test(apiId))
      throw fail(`apiCredentialLifetimeDays has an invalid REST API id "${apiId}"`);
    byApi[apiId] = value === 'never' ? 'never' : seconds(`apiCredentialLifetimeDays.${apiId}`, value);
  }
  return {
    defaultSeconds: days === undefined ? undefined : seconds('credentialLifetimeDays', days),
    byApi,
  };
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
