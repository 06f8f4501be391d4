/**
 * The Secrets Manager secret holding the Basic credentials the Portal sends:
 * `{"username": "...", "password": "<generated>"}`. During a rotation it also holds
 * `previousPassword`, and the webhook accepts both.
 */
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
}

export class BasicAuthSecret extends Construct {
  readonly secret: secretsmanager.Secret;

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

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Basic credentials the Sensedia Developer Portal uses to call the credential webhook',
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
      'The same password is stored in the Sensedia Portal, which a person updates: rotation is a manual, ' +
        'zero-downtime procedure (new password with previousPassword kept until the Portal is updated, see ' +
        'README), which an automatic rotation schedule would break.',
    );
  }
}
