/**
 * The credential ledger: the DynamoDB table that records every credential before AWS makes it
 * (an intent), what it became (issued, with its AWS id) and its end (revoked or abandoned), next
 * to the create records that make createCredentials idempotent. The webhook acts only on what it
 * lists; the reconciler converges AWS to it. Schema of lambda/adapters/aws/dynamodb-ledger.ts:
 * partition key `pk`, TTL `expiresAt` (create records, and ended entries after 400 days).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface CredentialLedgerTableProps {
  /**
   * What happens to the table when the stack is deleted. Retained, it is also protected from
   * deletion: issued entries are the only record of which credentials the webhook owns.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class CredentialLedgerTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CredentialLedgerTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      // A few writes per approved app, one scan per reconcile pass: on-demand costs nothing while idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Entries name credentials (never their values); encrypted at rest with the account's KMS key for DynamoDB.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }
}
