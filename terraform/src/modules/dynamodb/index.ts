/**
 * dynamodb (phase 1): the one table of docs/runtime.md — pk/sk, GSI `gsi1`,
 * TTL attribute `ttl`; on-demand, point-in-time recovery, encrypted with the
 * AWS-managed key, deletion protection on.
 */
import { Construct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table/index.js';

export interface DynamodbProps {
  /** Table name. Default `homeagent`. */
  readonly tableName?: string;
  /** Refuse deletes of the table. Default `true`. */
  readonly deletionProtection?: boolean;
}

/** Outputs of the dynamodb module. */
export interface DynamodbOutputs {
  readonly tableName: string;
  readonly tableArn: string;
}

export class Dynamodb extends Construct implements DynamodbOutputs {
  readonly tableName: string;
  readonly tableArn: string;

  constructor(scope: Construct, id: string, props: DynamodbProps = {}) {
    super(scope, id);
    const table = new DynamodbTable(this, 'table', {
      name: props.tableName ?? 'homeagent',
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      attribute: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
        { name: 'gsi1pk', type: 'S' },
        { name: 'gsi1sk', type: 'S' },
      ],
      globalSecondaryIndex: [{ name: 'gsi1', hashKey: 'gsi1pk', rangeKey: 'gsi1sk', projectionType: 'ALL' }],
      ttl: { attributeName: 'ttl', enabled: true },
      pointInTimeRecovery: { enabled: true },
      // Without a key ARN this is the AWS-managed aws/dynamodb key: encrypted, no key to pay for or lose.
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: props.deletionProtection ?? true,
    });
    this.tableName = table.name;
    this.tableArn = table.arn;
  }
}
