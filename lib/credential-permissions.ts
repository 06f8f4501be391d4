/**
 * The two roles' permissions: exactly the API Gateway, Cognito, DynamoDB and Secrets Manager calls
 * the handlers' AWS adapters make, on exactly the resources they need. The internet-facing webhook
 * may not list keys; only the scheduled reconciler may, and it may only read the ledger and remove
 * what the webhook made.
 *
 * API Gateway IAM (Service Authorization Reference, "Amazon API Gateway Management"):
 * CreateApiKey = POST /apikeys, plus PUT on the Tags resource /tags/<URL-encoded ARN> when the key
 * is created with tags; GetApiKey = GET /apikeys/<id>; GetApiKeys = GET /apikeys; UpdateApiKey =
 * PATCH and DeleteApiKey = DELETE on /apikeys/<id> (ApiKey supports aws:ResourceTag);
 * GetUsagePlans = GET /usageplans; GetUsagePlanKeys = GET /usageplans/<id>/keys;
 * CreateUsagePlanKey = POST /usageplans/<id>/keys; GetUsagePlanKey = GET and DeleteUsagePlanKey =
 * DELETE on /usageplans/<id>/keys/<keyId>.
 *
 * DynamoDB authorizes TransactWriteItems per contained action (PutItem, DeleteItem, ...), so the
 * ledger's one transaction needs no permission of its own. A Query on a global secondary index is
 * authorized on the index's ARN, <table ARN>/index/<name>, not on the table's.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { API_KEY_HASH_INDEX } from '../lambda/adapters/aws/ledger-schema';
import { MARKER_TAG } from '../lambda/credentials/marker';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../lambda/credentials/naming';
import { acknowledgeFindings } from './nag';

// The tags the webhook puts on every API key it issues, from the handler's own modules (they
// import nothing but node:crypto), so that the IAM conditions name exactly those.
export { MANAGED_BY_TAG, MANAGED_BY_VALUE, MARKER_TAG };

/** Every tag key a new key carries; an infra test compares it with what the handler sets. */
export const API_KEY_TAG_KEYS = [
  MANAGED_BY_TAG,
  MARKER_TAG,
  'sensedia:developer',
  'sensedia:app-slug',
] as const;

/** The app-client calls the webhook's Cognito adapter makes. */
export const APP_CLIENT_ACTIONS = [
  'cognito-idp:CreateUserPoolClient',
  'cognito-idp:DescribeUserPoolClient',
  'cognito-idp:UpdateUserPoolClient',
  'cognito-idp:DeleteUserPoolClient',
  // To adopt, by its marker, the client a create whose answer was lost made (cognito-client-issuer.ts).
  'cognito-idp:ListUserPoolClients',
] as const;

/** The app-client calls the reconciler's Cognito inventory makes (list, creation date, delete). */
export const RECONCILER_APP_CLIENT_ACTIONS = [
  'cognito-idp:ListUserPoolClients',
  'cognito-idp:DescribeUserPoolClient',
  'cognito-idp:DeleteUserPoolClient',
] as const;

export interface CommonPermissionsProps {
  /** The function's execution role. */
  readonly role: iam.IRole;
  /** ARN of the credential ledger table. */
  readonly ledgerTableArn: string;
  /**
   * Usage plans API keys may be bound to. Set when the webhook issues API keys.
   * @default - no API Gateway permissions
   */
  readonly allowedUsagePlanIds?: readonly string[];
  /**
   * ARN of the user pool app clients are created in. Set when the webhook issues client credentials.
   * @default - no Cognito permissions
   */
  readonly userPoolArn?: string;
}

export interface CredentialPermissionsProps extends CommonPermissionsProps {
  /** The secret holding the Basic credentials; only its value is read. */
  readonly basicAuthSecret: secretsmanager.ISecret;
  /**
   * The secret holding the Basic credentials of validateCredentials' callers. Set when the
   * endpoint exists: the role may then read it and look API keys up in the ledger's
   * API-key hash index.
   * @default - no validateCredentials permissions
   */
  readonly validatorSecret?: secretsmanager.ISecret;
}

/** The webhook function's permissions. */
export class CredentialPermissions extends Construct {
  /** Every statement granted, in the order added (for reuse in another role or for review). */
  readonly statements: readonly iam.PolicyStatement[];

  constructor(scope: Construct, id: string, props: CredentialPermissionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const statements: iam.PolicyStatement[] = [
      secretStatement('ReadBasicAuthSecret', props.basicAuthSecret),
      new iam.PolicyStatement({
        // Intents, issued and revoked entries, and the create records (conditional writes, reads by key).
        sid: 'KeepLedger',
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.ledgerTableArn],
      }),
    ];
    const validator = props.validatorSecret;
    if (validator !== undefined) {
      statements.push(
        secretStatement('ReadValidatorSecret', validator),
        new iam.PolicyStatement({
          // validateCredentials: the entry of a presented API key, by its hash (the index only, not the table).
          sid: 'FindApiKeysByHash',
          actions: ['dynamodb:Query'],
          resources: [`${props.ledgerTableArn}/index/${API_KEY_HASH_INDEX}`],
        }),
      );
    }

    const plans = props.allowedUsagePlanIds ?? [];
    if (plans.length > 0) statements.push(...apiKeyStatements(stack, plans));
    statements.push(...appClientStatements('ManageAppClients', APP_CLIENT_ACTIONS, props.userPoolArn));
    for (const statement of statements) props.role.addToPrincipalPolicy(statement);
    props.basicAuthSecret.encryptionKey?.grantDecrypt(props.role);
    validator?.encryptionKey?.grantDecrypt(props.role);
    this.statements = statements;

    if (plans.length > 0) {
      const resource = nagResource(stack);
      acknowledgeFindings(
        props.role,
        'AwsSolutions-IAM5',
        [resource('/apikeys/*')],
        'API key ids are generated by API Gateway, so key paths end in "*": GET (GetApiKey), PATCH and ' +
          'DELETE only match keys tagged sensedia:managed-by=credential-webhook.',
      );
      acknowledgeFindings(
        props.role,
        'AwsSolutions-IAM5',
        [resource(`/tags/${encodedApiKeyArn('<AWS::Partition>', shownRegion(stack), '*')}`)],
        'Creating a key with tags needs PUT on the Tags resource of the new key, whose id is unknown before ' +
          "the key exists; it is limited to API keys, to the webhook's own tag keys and to " +
          'sensedia:managed-by=credential-webhook with a ledger marker.',
      );
      acknowledgeUnbinding(props.role, stack, plans);
    }
  }
}

/** The reconciler function's permissions. */
export class ReconcilerPermissions extends Construct {
  /** Every statement granted, in the order added. */
  readonly statements: readonly iam.PolicyStatement[];

  constructor(scope: Construct, id: string, props: CommonPermissionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const apiGateway = apiGatewayArn(stack);
    const statements: iam.PolicyStatement[] = [
      new iam.PolicyStatement({
        // List the ledger (Scan) and mark intents that never produced anything abandoned (UpdateItem).
        sid: 'ReadLedger',
        actions: ['dynamodb:Scan', 'dynamodb:UpdateItem'],
        resources: [props.ledgerTableArn],
      }),
    ];

    const plans = props.allowedUsagePlanIds ?? [];
    if (plans.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          // GetApiKeys: the only way to find marked keys the ledger does not know (values are not read).
          sid: 'ListApiKeys',
          actions: ['apigateway:GET'],
          resources: [apiGateway('/apikeys')],
        }),
        new iam.PolicyStatement({
          // Keys the webhook did not issue (no managed-by tag) cannot be deleted.
          sid: 'DeleteWebhookApiKeys',
          actions: ['apigateway:DELETE'],
          resources: [apiGateway('/apikeys/*')],
          conditions: issuedByWebhook(),
        }),
        new iam.PolicyStatement({
          // GetUsagePlanKeys of the allow-listed plans only (the ones bindings are checked on).
          sid: 'ListAllowedUsagePlanKeys',
          actions: ['apigateway:GET'],
          resources: plans.map((planId) => apiGateway(`/usageplans/${planId}/keys`)),
        }),
        unbindAllowedPlans(stack, plans),
      );
    }
    statements.push(
      ...appClientStatements('RemoveAppClients', RECONCILER_APP_CLIENT_ACTIONS, props.userPoolArn),
    );
    for (const statement of statements) props.role.addToPrincipalPolicy(statement);
    this.statements = statements;

    if (plans.length > 0) {
      acknowledgeFindings(
        props.role,
        'AwsSolutions-IAM5',
        [nagResource(stack)('/apikeys/*')],
        'API key ids are generated by API Gateway, so key paths end in "*": DELETE only matches keys ' +
          'tagged sensedia:managed-by=credential-webhook.',
      );
      acknowledgeUnbinding(props.role, stack, plans);
    }
  }
}

function apiGatewayArn(stack: Stack): (path: string) => string {
  return (path) => `arn:${stack.partition}:apigateway:${stack.region}::${path}`;
}

/** Both roles remove keys from the allow-listed plans only (a revoke; a binding the ledger does not list). */
function unbindAllowedPlans(stack: Stack, plans: readonly string[]): iam.PolicyStatement {
  const apiGateway = apiGatewayArn(stack);
  return new iam.PolicyStatement({
    sid: 'UnbindAllowedUsagePlans',
    actions: ['apigateway:DELETE'],
    resources: plans.map((planId) => apiGateway(`/usageplans/${planId}/keys/*`)),
  });
}

function issuedByWebhook(): Record<string, unknown> {
  return { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE } };
}

/**
 * The ARN of the API keys (`id` may be "*"), URL-encoded as the Tags resource embeds it:
 * arn:<partition>:apigateway:<region>::/apikeys/<id> -> arn%3A<partition>%3Aapigateway%3A<region>%3A%3A%2Fapikeys%2F<id>.
 * Partition and Region names need no encoding.
 */
function encodedApiKeyArn(partition: string, region: string, id: string): string {
  return `arn%3A${partition}%3Aapigateway%3A${region}%3A%3A%2Fapikeys%2F${id}`;
}

function secretStatement(sid: string, secret: secretsmanager.ISecret): iam.PolicyStatement {
  // A secret imported by name or partial ARN has no suffix: match Secrets Manager's 6 random characters.
  const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  return new iam.PolicyStatement({
    sid,
    actions: ['secretsmanager:GetSecretValue'],
    resources: [arn],
  });
}

function apiKeyStatements(stack: Stack, plans: readonly string[]): iam.PolicyStatement[] {
  const apiGateway = apiGatewayArn(stack);
  return [
    new iam.PolicyStatement({
      sid: 'CreateApiKeys',
      actions: ['apigateway:POST'],
      resources: [apiGateway('/apikeys')],
    }),
    new iam.PolicyStatement({
      // Tag-on-create is authorized as PUT on the Tags resource /tags/<URL-encoded ARN of the new
      // resource>, with "*" for the id not yet known: for a key, .../tags/arn%3A...%2Fapikeys%2F*
      // (AWS reports .../tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2F* when a REST
      // API is created with tags). So only API keys can be tagged, only with the webhook's own tag
      // keys, only as sensedia:managed-by=credential-webhook, and never without a ledger marker.
      sid: 'TagNewApiKeys',
      actions: ['apigateway:PUT'],
      resources: [apiGateway(`/tags/${encodedApiKeyArn(stack.partition, stack.region, '*')}`)],
      conditions: {
        StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...API_KEY_TAG_KEYS] },
        Null: { [`aws:RequestTag/${MARKER_TAG}`]: 'false' },
      },
    }),
    new iam.PolicyStatement({
      // GetApiKey, of the keys the webhook issued only; it cannot list keys (GET /apikeys).
      sid: 'ReadWebhookApiKeys',
      actions: ['apigateway:GET'],
      resources: [apiGateway('/apikeys/*')],
      conditions: issuedByWebhook(),
    }),
    new iam.PolicyStatement({
      // Keys the webhook did not issue (no managed-by tag) cannot be renamed or deleted.
      sid: 'ChangeWebhookApiKeys',
      actions: ['apigateway:PATCH', 'apigateway:DELETE'],
      resources: [apiGateway('/apikeys/*')],
      conditions: issuedByWebhook(),
    }),
    new iam.PolicyStatement({
      sid: 'ListUsagePlansOfKey',
      actions: ['apigateway:GET'],
      resources: [apiGateway('/usageplans')],
    }),
    new iam.PolicyStatement({
      sid: 'BindAllowedUsagePlans',
      actions: ['apigateway:POST'],
      resources: plans.map((planId) => apiGateway(`/usageplans/${planId}/keys`)),
    }),
    new iam.PolicyStatement({
      // GetUsagePlanKey: a binding retried after its answer was lost conflicts with itself.
      sid: 'ReadBindingsOfAllowedPlans',
      actions: ['apigateway:GET'],
      resources: plans.map((planId) => apiGateway(`/usageplans/${planId}/keys/*`)),
    }),
    unbindAllowedPlans(stack, plans),
  ];
}

/** cdk-nag's rendering of a resource path: intrinsics as <AWS::Partition>, the Region as CDK resolves it. */
function nagResource(stack: Stack): (path: string) => string {
  const region = shownRegion(stack);
  return (path) => `Resource::arn:<AWS::Partition>:apigateway:${region}::${path}`;
}

function shownRegion(stack: Stack): string {
  const region = stack.resolve(stack.region);
  return typeof region === 'string' ? region : '<AWS::Region>';
}

/** cdk-nag flags every "*" in a resource; unbinding addresses a key id unknown before the key exists. */
function acknowledgeUnbinding(role: iam.IRole, stack: Stack, plans: readonly string[]): void {
  const resource = nagResource(stack);
  acknowledgeFindings(
    role,
    'AwsSolutions-IAM5',
    plans.map((planId) => resource(`/usageplans/${planId}/keys/*`)),
    'Reading or removing a binding (GetUsagePlanKey, DeleteUsagePlanKey) addresses /usageplans/<plan>/keys/<key id>; the plan is one of ' +
      'the allow-listed ids, only the key id is open.',
  );
}

/** The app-client actions on the pool, or none when no pool is set (no client credentials issued). */
function appClientStatements(
  sid: string,
  actions: readonly string[],
  userPoolArn: string | undefined,
): iam.PolicyStatement[] {
  if (userPoolArn === undefined) return [];
  return [new iam.PolicyStatement({ sid, actions: [...actions], resources: [userPoolArn] })];
}
