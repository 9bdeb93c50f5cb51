/**
 * alarms (phase 6): CloudWatch alarms on the ALB, the target groups, the
 * service, the table, the WAF, the NAT instance (lean), and the metrics the
 * agent writes as Embedded Metric Format into its log (namespace
 * `HomeAgent`, dimension `Service=agent`). Every alarm notifies the SNS
 * topic when it fires and when it clears, and says how to read missing
 * data. A task that stops unexpectedly (it failed to start, or an essential
 * container exited) is reported by an EventBridge rule on the same topic:
 * the ECS service metrics cannot tell a crash loop from a deploy.
 */
import { Construct } from 'constructs';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule/index.js';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { CloudwatchMetricAlarm, type CloudwatchMetricAlarmConfig } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';

/** What the agent emits; the agent must use exactly these names. */
export const AGENT_METRICS = {
  namespace: 'HomeAgent',
  dimensions: { Service: 'agent' },
  timeToFirstTokenMs: 'TimeToFirstTokenMs',
  bedrockThrottles: 'BedrockThrottles',
  agentErrors: 'AgentErrors',
  dailySpendUsd: 'DailySpendUsd',
} as const;

export interface AlarmsProps {
  /** Prefix of alarm names. */
  readonly namePrefix: string;
  /** Observability output: the topic to notify. */
  readonly alarmTopicArn: string;
  /** Alb outputs: metric dimensions. */
  readonly albArnSuffix: string;
  readonly appTargetGroupArnSuffix: string;
  readonly hubTargetGroupArnSuffix: string;
  /** Ecs / ecs-service outputs: metric dimensions. */
  readonly clusterName: string;
  readonly serviceName: string;
  /** ALB-generated 5xx as a percentage of requests over 5 minutes. Default `5`. */
  readonly alb5xxPercent?: number;
  /** Target 5xx answers in 5 minutes. Default `10`. */
  readonly target5xxCount?: number;
  /** Service CPU and memory utilization in percent. Default `85`. */
  readonly cpuPercent?: number;
  readonly memoryPercent?: number;
  /** p95 time to first token in ms. Default `10000`. */
  readonly timeToFirstTokenP95Ms?: number;
  /** Spend of the day in USD. Default `10`. */
  readonly dailySpendUsd?: number;
  /** Whether the service is meant to run; a paused one (0 tasks) mutes the "no healthy host" alarms. Default `true`. */
  readonly serviceRunning?: boolean;
  /** Ecs output: the cluster, whose stopped tasks are reported. */
  readonly clusterArn: string;
  /** Dynamodb output: the table. */
  readonly tableName: string;
  /** Waf output: the web ACL's name, and the region (WAF metrics carry it as a dimension). */
  readonly webAclName: string;
  readonly region: string;
  /** Requests WAF blocks in 5 minutes before the spike alarm fires. Default `500`. */
  readonly wafBlockedPer5Minutes?: number;
  /** Network output in lean mode: the NAT instance, recovered by EC2 when its host fails. */
  readonly natInstanceId?: string;
}

/**
 * Operations whose DynamoDB SystemErrors are watched: the writes, where an
 * error can lose a message or a budget settlement. Failed reads surface as
 * AgentErrors already, and each watched metric costs $0.10 a month.
 */
export const DYNAMODB_WATCHED_OPERATIONS = ['PutItem', 'UpdateItem'] as const;

/** ECS stop codes that mean a task died on its own (not a deploy or a scale-in). */
export const UNEXPECTED_STOP_CODES = ['TaskFailedToStart', 'EssentialContainerExited'] as const;

/** Outputs of the alarms module. */
export interface AlarmsOutputs {
  readonly alarmNames: string[];
}

type AlarmSpec = Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmActions' | 'okActions'> & { treatMissingData: string; extraActions?: string[] };

export class Alarms extends Construct implements AlarmsOutputs {
  readonly alarmNames: string[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const alarm = (key: string, { extraActions, ...spec }: AlarmSpec) => {
      const a = new CloudwatchMetricAlarm(this, key, {
        alarmName: `${props.namePrefix}-${key}`,
        alarmActions: [props.alarmTopicArn, ...(extraActions ?? [])],
        okActions: [props.alarmTopicArn],
        ...spec,
      });
      this.alarmNames.push(a.alarmName);
    };
    const lb = { LoadBalancer: props.albArnSuffix };
    const service = { ClusterName: props.clusterName, ServiceName: props.serviceName };

    alarm('alb-5xx-rate', {
      alarmDescription: 'More than the allowed share of requests answered 5xx by the load balancer itself (no healthy task, timeouts).',
      comparisonOperator: 'GreaterThanThreshold',
      threshold: props.alb5xxPercent ?? 5,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // No traffic is not an outage.
      treatMissingData: 'notBreaching',
      metricQuery: [
        { id: 'errors', returnData: false, metric: { namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_ELB_5XX_Count', dimensions: lb, period: 300, stat: 'Sum' } },
        { id: 'requests', returnData: false, metric: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCount', dimensions: lb, period: 300, stat: 'Sum' } },
        { id: 'rate', returnData: true, label: 'ALB 5xx %', expression: 'IF(requests > 0, 100 * errors / requests, 0)' },
      ],
    });
    alarm('target-5xx', {
      alarmDescription: 'The app answers 5xx.',
      namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', dimensions: lb,
      statistic: 'Sum', period: 300, evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold', threshold: props.target5xxCount ?? 10,
      treatMissingData: 'notBreaching',
    });
    for (const [key, suffix] of [['app', props.appTargetGroupArnSuffix], ['hub', props.hubTargetGroupArnSuffix]] as const) {
      alarm(`${key}-unhealthy-hosts`, {
        alarmDescription: `The ${key} target fails its /healthz check.`,
        namespace: 'AWS/ApplicationELB', metricName: 'UnHealthyHostCount', dimensions: { ...lb, TargetGroup: suffix },
        statistic: 'Maximum', period: 60, evaluationPeriods: 3, datapointsToAlarm: 3,
        comparisonOperator: 'GreaterThanThreshold', threshold: 0,
        treatMissingData: 'notBreaching',
      });
      alarm(`${key}-no-healthy-host`, {
        alarmDescription: `No healthy ${key} target: the chat is down.`,
        namespace: 'AWS/ApplicationELB', metricName: 'HealthyHostCount', dimensions: { ...lb, TargetGroup: suffix },
        statistic: 'Minimum', period: 60, evaluationPeriods: 5, datapointsToAlarm: 5,
        comparisonOperator: 'LessThanThreshold', threshold: 1,
        // No data means no target reported at all: that is down, too.
        treatMissingData: 'breaching',
        actionsEnabled: props.serviceRunning ?? true,
      });
    }
    alarm('service-cpu', {
      alarmDescription: 'The task is short of CPU.',
      namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: service,
      statistic: 'Average', period: 300, evaluationPeriods: 3, datapointsToAlarm: 3,
      comparisonOperator: 'GreaterThanThreshold', threshold: props.cpuPercent ?? 85,
      treatMissingData: 'missing',
    });
    alarm('service-memory', {
      alarmDescription: 'The task is close to its memory limit.',
      namespace: 'AWS/ECS', metricName: 'MemoryUtilization', dimensions: service,
      statistic: 'Average', period: 300, evaluationPeriods: 3, datapointsToAlarm: 3,
      comparisonOperator: 'GreaterThanThreshold', threshold: props.memoryPercent ?? 85,
      treatMissingData: 'missing',
    });

    const agent = { namespace: AGENT_METRICS.namespace, dimensions: { ...AGENT_METRICS.dimensions } };
    alarm('time-to-first-token-p95', {
      alarmDescription: 'Replies start slowly (p95 time to first token).',
      ...agent, metricName: AGENT_METRICS.timeToFirstTokenMs,
      extendedStatistic: 'p95', period: 900, evaluationPeriods: 2, datapointsToAlarm: 2,
      comparisonOperator: 'GreaterThanThreshold', threshold: props.timeToFirstTokenP95Ms ?? 10_000,
      // Nobody chatting is fine.
      treatMissingData: 'notBreaching',
    });
    alarm('bedrock-throttles', {
      alarmDescription: 'Bedrock throttles the agent (raise the quota or use an inference profile).',
      ...agent, metricName: AGENT_METRICS.bedrockThrottles,
      statistic: 'Sum', period: 300, evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 5,
      treatMissingData: 'notBreaching',
    });
    alarm('agent-errors', {
      alarmDescription: 'The agent fails replies.',
      ...agent, metricName: AGENT_METRICS.agentErrors,
      statistic: 'Sum', period: 300, evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 3,
      treatMissingData: 'notBreaching',
    });
    const table = { TableName: props.tableName };
    alarm('dynamodb-throttles', {
      alarmDescription: 'DynamoDB throttles reads or writes of the table (on-demand: a sudden burst, or an account limit).',
      comparisonOperator: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      metricQuery: [
        { id: 'reads', returnData: false, metric: { namespace: 'AWS/DynamoDB', metricName: 'ReadThrottleEvents', dimensions: table, period: 300, stat: 'Sum' } },
        { id: 'writes', returnData: false, metric: { namespace: 'AWS/DynamoDB', metricName: 'WriteThrottleEvents', dimensions: table, period: 300, stat: 'Sum' } },
        { id: 'throttles', returnData: true, label: 'throttle events', expression: 'reads + writes' },
      ],
    });
    const operationIds = DYNAMODB_WATCHED_OPERATIONS.map((op) => op.toLowerCase());
    alarm('dynamodb-system-errors', {
      alarmDescription: 'DynamoDB answers 500s for the table (an AWS-side problem; the agent retries, people may see errors).',
      comparisonOperator: 'GreaterThanThreshold', threshold: 0, evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      metricQuery: [
        // SystemErrors exists only per operation.
        ...DYNAMODB_WATCHED_OPERATIONS.map((op, i) => ({
          id: operationIds[i]!, returnData: false,
          metric: { namespace: 'AWS/DynamoDB', metricName: 'SystemErrors', dimensions: { ...table, Operation: op }, period: 300, stat: 'Sum' },
        })),
        { id: 'errors', returnData: true, label: 'system errors', expression: operationIds.join(' + ') },
      ],
    });
    alarm('waf-blocked-spike', {
      alarmDescription: 'WAF blocks an unusual number of requests: an attack, a scan, or a false positive locking people out (see the sampled requests).',
      namespace: 'AWS/WAFV2', metricName: 'BlockedRequests', dimensions: { WebACL: props.webAclName, Region: props.region, Rule: 'ALL' },
      statistic: 'Sum', period: 300, evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold', threshold: props.wafBlockedPer5Minutes ?? 500,
      treatMissingData: 'notBreaching',
    });
    if (props.natInstanceId) {
      const partition = new DataAwsPartition(this, 'partition').partition;
      const instance = { InstanceId: props.natInstanceId };
      // The EC2 actions of CloudWatch alarms (recover needs the system check; reboot fixes a hung instance).
      alarm('nat-instance-system-check', {
        alarmDescription: 'The NAT instance failed its system status check: EC2 recovers it onto healthy hardware (same id, address and disk).',
        namespace: 'AWS/EC2', metricName: 'StatusCheckFailed_System', dimensions: instance,
        statistic: 'Maximum', period: 60, evaluationPeriods: 2, datapointsToAlarm: 2,
        comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 1,
        treatMissingData: 'missing',
        extraActions: [`arn:${partition}:automate:${props.region}:ec2:recover`],
      });
      alarm('nat-instance-check', {
        alarmDescription: 'The NAT instance failed its instance status check: EC2 reboots it (the task has no egress meanwhile).',
        namespace: 'AWS/EC2', metricName: 'StatusCheckFailed_Instance', dimensions: instance,
        statistic: 'Maximum', period: 60, evaluationPeriods: 3, datapointsToAlarm: 3,
        comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 1,
        treatMissingData: 'missing',
        extraActions: [`arn:${partition}:automate:${props.region}:ec2:reboot`],
      });
    }

    const stopped = new CloudwatchEventRule(this, 'task-stopped-unexpectedly', {
      name: `${props.namePrefix}-task-stopped-unexpectedly`,
      description: 'A HomeAgent task failed to start or an essential container exited',
      eventPattern: JSON.stringify({
        source: ['aws.ecs'],
        'detail-type': ['ECS Task State Change'],
        detail: { clusterArn: [props.clusterArn], lastStatus: ['STOPPED'], stopCode: [...UNEXPECTED_STOP_CODES] },
      }),
    });
    new CloudwatchEventTarget(this, 'task-stopped-unexpectedly-to-topic', {
      rule: stopped.name,
      arn: props.alarmTopicArn,
      inputTransformer: {
        inputPaths: { task: '$.detail.taskArn', code: '$.detail.stopCode', reason: '$.detail.stoppedReason' },
        inputTemplate: '"HomeAgent task <task> stopped unexpectedly (<code>): <reason>. See the service events and the container logs."',
      },
    });

    alarm('daily-spend', {
      alarmDescription: 'Bedrock spend of the day is above the threshold.',
      ...agent, metricName: AGENT_METRICS.dailySpendUsd,
      statistic: 'Maximum', period: 3600, evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold', threshold: props.dailySpendUsd ?? 10,
      treatMissingData: 'notBreaching',
    });
  }
}
