/**
 * A Secrets Manager secret holding Basic credentials the webhook checks:
 * `{"username": "...", "password": "<generated>"}`. One holds the Portal's; another, the
 * credentials backends send to validateCredentials. During a rotation it also holds
 * `previousPassword`, and the webhook accepts both.
 */
import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledgeRule } from './nag';
import { checkInteger, InvalidPropsError } from './validation';

export interface BasicAuthSecretProps {
  /**
   * The Basic username the Portal is configured with.
   * @default 'portal'
   */
  readonly username?: string;
  /**
   * Length of the generated password (letters and digits, so it pastes anywhere).
   * @default 40
   */
  readonly passwordLength?: number;
  /**
   * The secret's description: whose credentials it holds.
   * @default - the Portal's Basic credentials
   */
  readonly description?: string;
  /**
   * IAM principal ARNs (wildcards allowed) that may still read the secret besides the webhook's
   * role, once allowReadsOnlyBy is called: the account's administrators. Replaces the default.
   * @default - DEFAULT_SECRET_ADMIN_ARNS: the account root, IAM Identity Center roles and
   * OrganizationAccountAccessRole
   */
  readonly adminPrincipalArns?: readonly string[];
}

/**
 * Who administers an account in most setups: the root user, IAM Identity Center permission sets
 * (roles under aws-reserved/sso.amazonaws.com) and the role AWS Organizations creates in member
 * accounts. They still need an identity policy that allows the read; this list only spares them
 * from the secret's deny. `<account>` and `<partition>` are filled in.
 */
export const DEFAULT_SECRET_ADMIN_ARNS = [
  'arn:<partition>:iam::<account>:root',
  'arn:<partition>:iam::<account>:role/aws-reserved/sso.amazonaws.com/*',
  'arn:<partition>:iam::<account>:role/OrganizationAccountAccessRole',
] as const;

const PRINCIPAL_ARN = /^arn:([\w-]+|<partition>):iam::(\d{12}|<account>):(root|role\/.+|user\/.+)$/;

export class BasicAuthSecret extends Construct {
  readonly secret: secretsmanager.Secret;
  private readonly adminPrincipalArns: readonly string[];

  constructor(scope: Construct, id: string, props: BasicAuthSecretProps = {}) {
    super(scope, id);
    const username = props.username ?? 'portal';
    // Basic auth splits "user:password" at the first colon.
    if (username.length === 0 || username.includes(':') || /\s/.test(username)) {
      throw new InvalidPropsError(
        'BasicAuthSecret',
        `username must be non-empty, without ":" or spaces, got "${username}"`,
      );
    }
    const passwordLength = props.passwordLength ?? 40;
    checkInteger('BasicAuthSecret', 'passwordLength', passwordLength, 20, 128);
    const admins = props.adminPrincipalArns ?? DEFAULT_SECRET_ADMIN_ARNS;
    const badAdmins = admins.filter((arn) => !Token.isUnresolved(arn) && !PRINCIPAL_ARN.test(arn));
    if (admins.length === 0 || badAdmins.length > 0) {
      throw new InvalidPropsError(
        'BasicAuthSecret',
        'adminPrincipalArns must list IAM root, role or user ARNs (arn:aws:iam::<account>:role/<name>), ' +
          `got ${JSON.stringify(admins)}`,
      );
    }
    const stack = Stack.of(this);
    this.adminPrincipalArns = admins.map((arn) =>
      arn.replace('<partition>', stack.partition).replace('<account>', stack.account),
    );

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description:
        props.description ??
        'Basic credentials the Sensedia Developer Portal uses to call the credential webhook',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username }),
        generateStringKey: 'password',
        excludePunctuation: true,
        passwordLength,
      },
    });
    acknowledgeRule(
      this.secret,
      'AwsSolutions-SMG4',
      'The same password is stored by its caller (the Sensedia Portal, or the backends that validate ' +
        'credentials), where a person updates it: rotation is a manual, zero-downtime procedure (new password ' +
        'with previousPassword kept until the caller is updated, see README), which an automatic rotation ' +
        'schedule would break.',
    );
  }

  /**
   * Denies reading the secret to every principal but `reader` and the administrators, so that a
   * role elsewhere in the account with GetSecretValue on "*" cannot read the password.
   * Only reads are denied: CloudFormation still manages the secret and its policy.
   */
  allowReadsOnlyBy(reader: iam.IRole): void {
    this.secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ReadOnlyByWebhookAndAdministrators',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: {
          StringNotEquals: { 'aws:PrincipalArn': [reader.roleArn] },
          ArnNotLike: { 'aws:PrincipalArn': [...this.adminPrincipalArns] },
        },
      }),
    );
  }
}
