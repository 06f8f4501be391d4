/**
 * The DynamoDB table that makes createCredentials idempotent: a repeated create (the Portal
 * retrying after a timeout) finds the record of the first and returns the same credential.
 * Schema of lambda/adapters/aws/dynamodb-idempotency-store.ts: partition key `pk`, TTL `expiresAt`.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

export interface IdempotencyTableProps {
  /**
   * What happens to the table when the stack is deleted (its records expire within the window anyway).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class IdempotencyTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: IdempotencyTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      // A few writes per approved app: on-demand costs nothing while idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Records name credentials (never their values); encrypted at rest with the account's KMS key for DynamoDB.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}
