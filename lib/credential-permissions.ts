/**
 * The webhook role's permissions: exactly the API Gateway, Cognito and Secrets Manager calls the
 * handler's AWS adapters make, on exactly the resources they need.
 *
 * API Gateway IAM (Service Authorization Reference, "Amazon API Gateway Management"):
 * CreateApiKey = POST /apikeys, plus PUT on /tags/<resource ARN> when the key is created with
 * tags; GetApiKey = GET /apikeys/<id>; GetApiKeys = GET /apikeys; UpdateApiKey = PATCH and DeleteApiKey = DELETE on
 * /apikeys/<id> (ApiKey supports aws:ResourceTag); GetUsagePlans = GET /usageplans;
 * CreateUsagePlanKey = POST /usageplans/<id>/keys; DeleteUsagePlanKey = DELETE
 * /usageplans/<id>/keys/<keyId>.
 *
 * The idempotency store makes conditional PutItem and DeleteItem calls on its one table.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeFindings } from './nag';

/**
 * The tags the webhook puts on every API key it issues (lambda/credentials/naming.ts holds the
 * same values; an infra test keeps the two in step).
 */
export const MANAGED_BY_TAG = 'sensedia:managed-by';
export const MANAGED_BY_VALUE = 'credential-webhook';
export const API_KEY_TAG_KEYS = [MANAGED_BY_TAG, 'sensedia:developer', 'sensedia:app-slug'] as const;

/** The app-client calls the Cognito adapter makes. */
export const APP_CLIENT_ACTIONS = [
  'cognito-idp:CreateUserPoolClient',
  'cognito-idp:DescribeUserPoolClient',
  'cognito-idp:UpdateUserPoolClient',
  'cognito-idp:DeleteUserPoolClient',
  // To find the client a create whose answer was lost made (cognito-client-issuer.ts).
  'cognito-idp:ListUserPoolClients',
] as const;

export interface CredentialPermissionsProps {
  /** The function's execution role. */
  readonly role: iam.IRole;
  /** The secret holding the Basic credentials; only its value is read. */
  readonly basicAuthSecret: secretsmanager.ISecret;
  /** ARN of the idempotency table (conditional PutItem and DeleteItem only). */
  readonly idempotencyTableArn: string;
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

export class CredentialPermissions extends Construct {
  /** Every statement granted, in the order added (for reuse in another role or for review). */
  readonly statements: readonly iam.PolicyStatement[];

  constructor(scope: Construct, id: string, props: CredentialPermissionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const apiGateway = (path: string) => `arn:${stack.partition}:apigateway:${stack.region}::${path}`;
    const statements: iam.PolicyStatement[] = [
      secretStatement(props.basicAuthSecret),
      new iam.PolicyStatement({
        sid: 'RecordIdempotentCreates',
        actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
        resources: [props.idempotencyTableArn],
      }),
    ];

    const plans = props.allowedUsagePlanIds;
    if (plans !== undefined && plans.length > 0) {
      statements.push(...apiKeyStatements(apiGateway, plans));
    }
    if (props.userPoolArn !== undefined) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ManageAppClients',
          actions: [...APP_CLIENT_ACTIONS],
          resources: [props.userPoolArn],
        }),
      );
    }
    for (const statement of statements) props.role.addToPrincipalPolicy(statement);
    props.basicAuthSecret.encryptionKey?.grantDecrypt(props.role);
    this.statements = statements;

    if (plans !== undefined && plans.length > 0) suppressWildcards(props.role, stack, plans);
  }
}

function secretStatement(secret: secretsmanager.ISecret): iam.PolicyStatement {
  // A secret imported by name or partial ARN has no suffix: match Secrets Manager's 6 random characters.
  const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
  return new iam.PolicyStatement({
    sid: 'ReadBasicAuthSecret',
    actions: ['secretsmanager:GetSecretValue'],
    resources: [arn],
  });
}

function apiKeyStatements(
  apiGateway: (path: string) => string,
  plans: readonly string[],
): iam.PolicyStatement[] {
  const issuedByWebhook = { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE } };
  return [
    new iam.PolicyStatement({
      sid: 'CreateApiKeys',
      actions: ['apigateway:POST'],
      resources: [apiGateway('/apikeys')],
    }),
    new iam.PolicyStatement({
      // Tag-on-create authorizes PUT on /tags/<new key ARN>; only the webhook's own tags may be set.
      sid: 'TagNewApiKeys',
      actions: ['apigateway:PUT'],
      resources: [apiGateway('/tags/*')],
      conditions: {
        StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG}`]: MANAGED_BY_VALUE },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...API_KEY_TAG_KEYS] },
      },
    }),
    new iam.PolicyStatement({
      // GetApiKey, and GetApiKeys (/apikeys) to find a key whose CreateApiKey answer was lost.
      sid: 'ReadApiKeys',
      actions: ['apigateway:GET'],
      resources: [apiGateway('/apikeys'), apiGateway('/apikeys/*')],
    }),
    new iam.PolicyStatement({
      // Keys the webhook did not issue (no managed-by tag) cannot be renamed or deleted.
      sid: 'ChangeWebhookApiKeys',
      actions: ['apigateway:PATCH', 'apigateway:DELETE'],
      resources: [apiGateway('/apikeys/*')],
      conditions: issuedByWebhook,
    }),
    new iam.PolicyStatement({
      sid: 'ListUsagePlansOfKey',
      actions: ['apigateway:GET'],
      resources: [apiGateway('/usageplans')],
    }),
    new iam.PolicyStatement({
      sid: 'BindAllowedUsagePlans',
      actions: ['apigateway:POST'],
      resources: plans.map((id) => apiGateway(`/usageplans/${id}/keys`)),
    }),
    new iam.PolicyStatement({
      sid: 'UnbindAllowedUsagePlans',
      actions: ['apigateway:DELETE'],
      resources: plans.map((id) => apiGateway(`/usageplans/${id}/keys/*`)),
    }),
  ];
}

/** cdk-nag flags every "*" in a resource; each of these stands for a key id unknown before the key exists. */
function suppressWildcards(role: iam.IRole, stack: Stack, plans: readonly string[]): void {
  const region = stack.resolve(stack.region);
  const shown = typeof region === 'string' ? region : '<AWS::Region>';
  const resource = (path: string) => `Resource::arn:<AWS::Partition>:apigateway:${shown}::${path}`;
  acknowledgeFindings(
    role,
    'AwsSolutions-IAM5',
    [resource('/apikeys/*')],
    'API key ids are generated by API Gateway, so key paths end in "*": GET reads a key without its value ' +
      '(GetApiKey), PATCH and DELETE only match keys tagged sensedia:managed-by=credential-webhook.',
  );
  acknowledgeFindings(
    role,
    'AwsSolutions-IAM5',
    [resource('/tags/*')],
    'Creating a key with tags needs PUT on /tags/<new key ARN>, unknown before the key exists; conditions ' +
      "limit it to the webhook's own tag keys with sensedia:managed-by=credential-webhook.",
  );
  acknowledgeFindings(
    role,
    'AwsSolutions-IAM5',
    plans.map((id) => resource(`/usageplans/${id}/keys/*`)),
    'Unbinding a key (DeleteUsagePlanKey) addresses /usageplans/<plan>/keys/<key id>; the plan is one of ' +
      'the allow-listed ids, only the key id is open.',
  );
}
