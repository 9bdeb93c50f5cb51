/**
 * observability (phase 1): a log group per container with retention, the
 * SNS topic every alarm notifies (with an optional e-mail subscription), the
 * account's monthly cost budget, and optionally a Cost Anomaly Detection
 * monitor.
 *
 * The budget covers the whole account, not only this stack: it is what the
 * owner pays. It alerts at 80 % and 100 % of the actual and of the
 * forecasted cost, by e-mail and on the alarm topic. Budgets without actions
 * cost nothing (AWS Budgets pricing, checked 2026-12-01); anomaly detection
 * is free, but an account holds only one "AWS services" monitor and newer
 * accounts get one by default, so ours is opt-in.
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy/index.js';
import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget/index.js';
import { CeAnomalyMonitor } from '@cdktf/provider-aws/lib/ce-anomaly-monitor/index.js';
import { CeAnomalySubscription } from '@cdktf/provider-aws/lib/ce-anomaly-subscription/index.js';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
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
  /** Prefix of the budget and monitor names. */
  readonly namePrefix: string;
  /** The account's monthly cost budget in USD. */
  readonly accountBudgetUsd: number;
  /** Who gets the budget mails (besides the alarm topic). */
  readonly budgetEmail?: string;
  /** A Cost Anomaly Detection monitor with a daily e-mail above this impact in USD; unset = none. */
  readonly anomalyThresholdUsd?: number;
}

/** Budget alerts: 80 % and 100 %, of the actual and of the forecasted monthly cost. */
export const BUDGET_ALERTS = [
  { notificationType: 'ACTUAL', threshold: 80 },
  { notificationType: 'ACTUAL', threshold: 100 },
  { notificationType: 'FORECASTED', threshold: 80 },
  { notificationType: 'FORECASTED', threshold: 100 },
] as const;

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
    const account = new DataAwsCallerIdentity(this, 'account').accountId;
    // The default topic policy plus the two services that publish without an alarm: Budgets and EventBridge.
    new SnsTopicPolicy(this, 'alarm-topic-policy', {
      arn: topic.arn,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AccountOwner',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
            Resource: topic.arn,
            Condition: { StringEquals: { 'AWS:SourceOwner': account } },
          },
          {
            Sid: 'BudgetAndTaskEvents',
            Effect: 'Allow',
            Principal: { Service: ['budgets.amazonaws.com', 'events.amazonaws.com'] },
            Action: 'SNS:Publish',
            Resource: topic.arn,
            Condition: { StringEquals: { 'aws:SourceAccount': account } },
          },
        ],
      }),
    });

    new BudgetsBudget(this, 'account-budget', {
      name: `${props.namePrefix}-account-monthly`,
      budgetType: 'COST',
      timeUnit: 'MONTHLY',
      limitAmount: props.accountBudgetUsd.toFixed(2),
      limitUnit: 'USD',
      notification: BUDGET_ALERTS.map((a) => ({
        comparisonOperator: 'GREATER_THAN',
        notificationType: a.notificationType,
        threshold: a.threshold,
        thresholdType: 'PERCENTAGE',
        subscriberSnsTopicArns: [topic.arn],
        ...(props.budgetEmail ? { subscriberEmailAddresses: [props.budgetEmail] } : {}),
      })),
    });

    if (props.anomalyThresholdUsd !== undefined && props.budgetEmail) {
      const monitor = new CeAnomalyMonitor(this, 'cost-anomaly-monitor', {
        name: `${props.namePrefix}-services`,
        monitorType: 'DIMENSIONAL',
        monitorDimension: 'SERVICE',
      });
      new CeAnomalySubscription(this, 'cost-anomaly-subscription', {
        name: `${props.namePrefix}-cost-anomalies`,
        frequency: 'DAILY',
        monitorArnList: [monitor.arn],
        subscriber: [{ type: 'EMAIL', address: props.budgetEmail }],
        thresholdExpression: {
          dimension: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', matchOptions: ['GREATER_THAN_OR_EQUAL'], values: [String(props.anomalyThresholdUsd)] },
        },
      });
    }
  }
}
