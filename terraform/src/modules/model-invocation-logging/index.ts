/**
 * model-invocation-logging (phase 1, optional, off by default): Bedrock's
 * model-invocation logging for this region into a log group with retention,
 * written by Bedrock with a role it alone may assume (confused-deputy
 * conditions on account and source ARN). The agent's requestMetadata
 * (person and conversation ids) lets the logs be matched with the usage
 * pages. The configuration is one per account and region: a second install
 * in the same region must leave it off. Prompts and replies end up in the
 * log group, so its retention is the config's. (Amazon Bedrock User Guide,
 * model-invocation-logging, checked 2026-12-01.)
 */
import { Construct } from 'constructs';
import { BedrockModelInvocationLoggingConfiguration } from '@cdktf/provider-aws/lib/bedrock-model-invocation-logging-configuration/index.js';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';

export interface ModelInvocationLoggingProps {
  /** Prefix of the log group and role names. */
  readonly namePrefix: string;
  /** Days the invocation logs are kept. Default `30`. */
  readonly retentionDays?: number;
}

/** Outputs of the model-invocation-logging module. */
export interface ModelInvocationLoggingOutputs {
  readonly logGroupName: string;
}

export class ModelInvocationLogging extends Construct implements ModelInvocationLoggingOutputs {
  readonly logGroupName: string;

  constructor(scope: Construct, id: string, props: ModelInvocationLoggingProps) {
    super(scope, id);
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    const partition = new DataAwsPartition(this, 'partition').partition;
    const region = new DataAwsRegion(this, 'region').region;
    const group = new CloudwatchLogGroup(this, 'logs', { name: `/${props.namePrefix}/bedrock/invocations`, retentionInDays: props.retentionDays ?? 30 });
    this.logGroupName = group.name;
    const role = new IamRole(this, 'role', {
      name: `${props.namePrefix}-bedrock-invocation-logging`,
      description: 'Bedrock writes model-invocation logs of this account and region',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Service: 'bedrock.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': account },
            ArnLike: { 'aws:SourceArn': `arn:${partition}:bedrock:${region}:${account}:*` },
          },
        }],
      }),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      name: 'write-invocation-logs',
      role: role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'WriteInvocationLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${group.arn}:log-stream:aws/bedrock/modelinvocations`] }],
      }),
    });
    new BedrockModelInvocationLoggingConfiguration(this, 'configuration', {
      loggingConfig: [{
        cloudwatchConfig: [{ logGroupName: group.name, roleArn: role.arn }],
        textDataDeliveryEnabled: true,
        // Attachments are not copied into the logs; the log group holds text only.
        imageDataDeliveryEnabled: false,
        embeddingDataDeliveryEnabled: false,
      }],
      // Bedrock checks the role can write when the configuration is set.
      dependsOn: [policy],
    });
  }
}
