/**
 * alarms (phase 6): CloudWatch alarms on the ALB, the target groups, the
 * service, and the metrics the agent writes as Embedded Metric Format into
 * its log (namespace `HomeAgent`, dimension `Service=agent`). Every alarm
 * notifies the SNS topic when it fires and when it clears, and says how to
 * read missing data.
 */
import { Construct } from 'constructs';
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
}

/** Outputs of the alarms module. */
export interface AlarmsOutputs {
  readonly alarmNames: string[];
}

type AlarmSpec = Omit<CloudwatchMetricAlarmConfig, 'alarmName' | 'alarmActions' | 'okActions'> & { treatMissingData: string };

export class Alarms extends Construct implements AlarmsOutputs {
  readonly alarmNames: string[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const alarm = (key: string, spec: AlarmSpec) => {
      const a = new CloudwatchMetricAlarm(this, key, {
        alarmName: `${props.namePrefix}-${key}`,
        alarmActions: [props.alarmTopicArn],
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
    alarm('daily-spend', {
      alarmDescription: 'Bedrock spend of the day is above the threshold.',
      ...agent, metricName: AGENT_METRICS.dailySpendUsd,
      statistic: 'Maximum', period: 3600, evaluationPeriods: 1,
      comparisonOperator: 'GreaterThanThreshold', threshold: props.dailySpendUsd ?? 10,
      treatMissingData: 'notBreaching',
    });
  }
}
