/**
 * The credential ledger: the DynamoDB table that records every credential before AWS makes it
 * (an intent), what it became (issued, with its AWS id) and its end (revoked or abandoned), next
 * to the create records that make createCredentials idempotent. The webhook acts only on what it
 * lists; the reconciler converges AWS to it. Its schema names are lambda/adapters/aws/ledger-schema.ts's,
 * which the DynamoDB adapter reads too: partition key `pk`, TTL `expiresAt` (create records, and
 * ended entries after 400 days), and the index `byApiKeyHash` that validateCredentials looks API
 * keys up by.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  API_KEY_HASH_ATTRIBUTE,
  API_KEY_HASH_INDEX,
  PARTITION_KEY,
  TTL_ATTRIBUTE,
} from '../lambda/adapters/aws/ledger-schema';

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
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // A few writes per approved app, one scan per reconcile pass: on-demand costs nothing while idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Entries name credentials (never their values); encrypted at rest with the account's KMS key for DynamoDB.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    // validateCredentials finds an API key's entry by the hash of the value a backend presents.
    // Sparse: only API-key entries carry the attribute. Whole items are projected, so the lookup
    // needs no second read of the table. On an existing table CloudFormation adds the index in
    // place and DynamoDB backfills it from the items already there (the ledger has written
    // apiKeyHash since its first version), so keys issued before the index are found too. The
    // index exists whether or not the endpoint does: dropping and re-adding it would backfill
    // again, and it costs only a write per API-key entry.
    this.table.addGlobalSecondaryIndex({
      indexName: API_KEY_HASH_INDEX,
      partitionKey: { name: API_KEY_HASH_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
