/**
 * List prices the cost estimate uses: AWS us-east-1, on-demand, USD, as
 * published on the date below. Other regions differ (eu-central-1 runs about
 * 10–20 % higher). Update the date with the numbers.
 */
export const PRICE_TABLE_DATE = '2025-11-01';
export const PRICE_TABLE_REGION = 'us-east-1';

/** Hours in the average month AWS bills by. */
export const HOURS_PER_MONTH = 730;

export const PRICES = {
  natGatewayPerHour: 0.045,
  natGatewayPerGb: 0.045,
  publicIpv4PerHour: 0.005,
  albPerHour: 0.0225,
  albPerLcuHour: 0.008,
  fargate: {
    X86_64: { perVcpuHour: 0.04048, perGbHour: 0.004445 },
    ARM64: { perVcpuHour: 0.03238, perGbHour: 0.00356 },
  },
  ec2PerHour: { 't4g.nano': 0.0042, 't4g.micro': 0.0084, 't4g.small': 0.0168, 't4g.medium': 0.0336 } as Record<string, number>,
  ebsGp3PerGbMonth: 0.08,
  wafWebAclPerMonth: 5.0,
  wafRulePerMonth: 1.0,
  wafPerMillionRequests: 0.6,
  alarmPerMetricMonth: 0.1,
  customMetricPerMonth: 0.3,
  secretPerMonth: 0.4,
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  ecrStoragePerGbMonth: 0.1,
  dynamodbPitrPerGbMonth: 0.2,
  s3StandardPerGbMonth: 0.023,
  route53HostedZonePerMonth: 0.5,
  /** WAF logs to CloudWatch Logs are vended logs: $0.50/GB ingested for the first 10 TB. */
  vendedLogsIngestPerGb: 0.5,
  /** Budgets without actions, and Cost Anomaly Detection, cost nothing. */
  budgetWithoutActionsPerMonth: 0,
  /** Bedrock Guardrails content filters and denied topics, per 1,000 text units (1 unit ≤ 1,000 characters), when applied. */
  guardrailPer1000TextUnits: 0.15,
} as const;

/**
 * What a family-sized installation uses in a month, for the usage-priced
 * items that come with a resource (an ALB always has some LCUs). Stated so
 * that anyone can disagree with a number and change it.
 */
export const USAGE_ASSUMPTIONS = {
  /** average load balancer capacity units (a few people chatting is far below one) */
  albAverageLcu: 0.05,
  /** requests through WAF per month */
  wafMillionRequests: 0.5,
  /** GB through the NAT per month (image pulls on deploys, AWS API calls) */
  natGb: 2,
  /** GB of logs written per log group per month */
  logGbPerGroup: 0.25,
  /** metrics Container Insights publishes for one cluster with one service */
  containerInsightsMetrics: 20,
  /** GB of Container Insights performance events per month */
  containerInsightsLogGb: 0.1,
  /** custom metrics the agent emits (EMF): TimeToFirstTokenMs, BedrockThrottles, AgentErrors, DailySpendUsd */
  agentCustomMetrics: 4,
  /** GB kept per ECR repository (10 images, shared layers) */
  ecrGbPerRepository: 0.5,
  /** GB in the table */
  dynamodbGb: 0.1,
  /** GB of ALB access logs kept */
  albLogGb: 0.5,
  /** GB of attachments kept (photos and documents of a family) */
  attachmentsGb: 2,
  /** bytes of one WAF log record (headers, labels, rule matches; cookies redacted) */
  wafLogBytesPerRequest: 1500,
  /** GB of Bedrock model-invocation logs per month (prompts and replies as text), when on */
  bedrockInvocationLogGb: 0.3,
} as const;
