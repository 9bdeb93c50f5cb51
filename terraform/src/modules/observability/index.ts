/**
 * observability (phase 1): a log group per container with retention, and
 * the SNS topic every alarm notifies (with an optional e-mail subscription).
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { CONTAINERS, type ContainerName } from '../../resource-names.js';

export interface ObservabilityProps {
  /** Log group name per container, e.g. `/homeagent/ecs/agent`. */
  readonly logGroupNames: Record<ContainerName, string>;
  /** Retention of every log group in days. Default `30`. */
  readonly retentionDays?: number;
  /** Name of the alarm topic. */
  readonly alarmTopicName: string;
  /** Address subscribed to the alarm topic; unset = no subscription. */
  readonly alarmEmail?: string;
}

/** Outputs of the observability module. */
export interface ObservabilityOutputs {
  readonly logGroupNames: Record<ContainerName, string>;
  readonly logGroupArns: Record<ContainerName, string>;
  readonly alarmTopicArn: string;
}

export class Observability extends Construct implements ObservabilityOutputs {
  readonly logGroupNames = {} as Record<ContainerName, string>;
  readonly logGroupArns = {} as Record<ContainerName, string>;
  readonly alarmTopicArn: string;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    for (const name of CONTAINERS) {
      const group = new CloudwatchLogGroup(this, `${name}-logs`, {
        name: props.logGroupNames[name],
        retentionInDays: props.retentionDays ?? 30,
      });
      this.logGroupNames[name] = group.name;
      this.logGroupArns[name] = group.arn;
    }
    // Not KMS-encrypted on purpose: CloudWatch alarms cannot publish to a topic
    // under the AWS-managed SNS key, and alarm texts hold no personal data.
    const topic = new SnsTopic(this, 'alarm-topic', { name: props.alarmTopicName });
    this.alarmTopicArn = topic.arn;
    if (props.alarmEmail) {
      new SnsTopicSubscription(this, 'alarm-email', { topicArn: topic.arn, protocol: 'email', endpoint: props.alarmEmail });
    }
  }
}
