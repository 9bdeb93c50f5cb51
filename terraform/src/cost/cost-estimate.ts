/**
 * The fixed monthly cost of a synthesized stack, read from its Terraform
 * JSON: every priced resource is found by type and its size read from its
 * own arguments, so the estimate follows the code, not a separate list.
 * Bedrock tokens are not included: they depend on use, and the agent's
 * budgets bound them.
 */
import type { TerraformJson } from '../terraform-json.js';
import { HOURS_PER_MONTH, PRICES, USAGE_ASSUMPTIONS } from './price-table.js';

export interface CostLine {
  /** Terraform address or a short description. */
  item: string;
  /** How the number came about. */
  basis: string;
  usdPerMonth: number;
}

export interface CostEstimate {
  lines: CostLine[];
  totalUsdPerMonth: number;
}

export class CostEstimateError extends Error {
  readonly code = 'cost_estimate';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CostEstimateError';
  }
}

const round = (n: number) => Math.round(n * 100) / 100;

type Body = Record<string, unknown>;

function resources(doc: TerraformJson, type: string): [string, Body][] {
  return Object.entries(doc.resource?.[type] ?? {}).map(([name, body]) => [`${type}.${name}`, body]);
}

export function estimateMonthlyCost(doc: TerraformJson): CostEstimate {
  const lines: CostLine[] = [];
  const add = (item: string, basis: string, usd: number) => lines.push({ item, basis, usdPerMonth: round(usd) });
  const u = USAGE_ASSUMPTIONS;
  const P = PRICES;

  for (const [address] of resources(doc, 'aws_nat_gateway')) {
    add(address, `${HOURS_PER_MONTH} h × $${P.natGatewayPerHour}`, HOURS_PER_MONTH * P.natGatewayPerHour);
    add(`${address} (data)`, `${u.natGb} GB × $${P.natGatewayPerGb}`, u.natGb * P.natGatewayPerGb);
  }
  for (const [address] of resources(doc, 'aws_eip')) {
    add(`${address} (public IPv4)`, `${HOURS_PER_MONTH} h × $${P.publicIpv4PerHour}`, HOURS_PER_MONTH * P.publicIpv4PerHour);
  }
  for (const [address, body] of resources(doc, 'aws_instance')) {
    const type = String(body.instance_type);
    const hourly = P.ec2PerHour[type];
    if (hourly === undefined) throw new CostEstimateError(`${address}: no price for instance type ${type}`);
    add(address, `${type}, ${HOURS_PER_MONTH} h × $${hourly}`, HOURS_PER_MONTH * hourly);
    const disk = Number((body.root_block_device as Body | undefined)?.volume_size ?? 8);
    add(`${address} (disk)`, `${disk} GB gp3 × $${P.ebsGp3PerGbMonth}`, disk * P.ebsGp3PerGbMonth);
    if (body.associate_public_ip_address === true) {
      add(`${address} (public IPv4)`, `${HOURS_PER_MONTH} h × $${P.publicIpv4PerHour}`, HOURS_PER_MONTH * P.publicIpv4PerHour);
    }
  }
  for (const [address, body] of resources(doc, 'aws_lb')) {
    add(address, `${HOURS_PER_MONTH} h × $${P.albPerHour}`, HOURS_PER_MONTH * P.albPerHour);
    add(`${address} (LCU)`, `${u.albAverageLcu} LCU × ${HOURS_PER_MONTH} h × $${P.albPerLcuHour}`, u.albAverageLcu * HOURS_PER_MONTH * P.albPerLcuHour);
    // An internet-facing ALB holds one public IPv4 address per subnet (AZ), dual-stack or not.
    const azs = Array.isArray(body.subnets) ? body.subnets.length : 2;
    if (body.internal !== true) {
      add(`${address} (public IPv4 × ${azs})`, `${azs} × ${HOURS_PER_MONTH} h × $${P.publicIpv4PerHour}`, azs * HOURS_PER_MONTH * P.publicIpv4PerHour);
    }
  }
  for (const [address, body] of resources(doc, 'aws_s3_bucket')) {
    const bucketName = body.bucket_prefix ?? body.bucket;
    const attachments = typeof bucketName === 'string' && bucketName.includes('-attachments-');
    const gb = attachments ? u.attachmentsGb : u.albLogGb;
    add(`${address}${attachments ? ' (attachments)' : ' (ALB logs)'}`, `${gb} GB × $${P.s3StandardPerGbMonth}`, gb * P.s3StandardPerGbMonth);
  }
  // The zone exists before the stack, but it is part of what the chat costs.
  if (resources(doc, 'aws_route53_record').length > 0) {
    add('Route 53 hosted zone (existing, used by the stack)', `$${P.route53HostedZonePerMonth}; alias queries to the ALB are free`, P.route53HostedZonePerMonth);
  }
  for (const [address] of resources(doc, 'aws_budgets_budget')) add(address, 'a budget without actions: free', P.budgetWithoutActionsPerMonth);
  for (const [address] of resources(doc, 'aws_ce_anomaly_monitor')) add(address, 'Cost Anomaly Detection: free', 0);
  for (const [address] of resources(doc, 'aws_bedrock_guardrail')) {
    add(address, `by use: $${P.guardrailPer1000TextUnits} per 1,000 text units filtered, only for people it is attached to`, 0);
  }

  const taskDefinitions = Object.fromEntries(resources(doc, 'aws_ecs_task_definition').map(([address, body]) => [address, body]));
  for (const [address, body] of resources(doc, 'aws_ecs_service')) {
    const ref = /^\$\{(aws_ecs_task_definition\.[A-Za-z0-9_-]+)\.arn\}$/.exec(String(body.task_definition));
    const td = ref ? taskDefinitions[ref[1]!] : undefined;
    if (!td) throw new CostEstimateError(`${address}: cannot find its task definition ${String(body.task_definition)}`);
    const vcpu = Number(td.cpu) / 1024;
    const gb = Number(td.memory) / 1024;
    const given = (td.runtime_platform as Body | undefined)?.cpu_architecture;
    const arch = typeof given === 'string' ? given : 'X86_64';
    // Whatever the synthesized JSON says: an architecture without a price stops the estimate.
    const fargate: Partial<Record<string, { perVcpuHour: number; perGbHour: number }>> = P.fargate;
    const rate = fargate[arch];
    if (!rate) throw new CostEstimateError(`${address}: no Fargate price for ${arch}`);
    const tasks = Number(body.desired_count ?? 1);
    const hourly = vcpu * rate.perVcpuHour + gb * rate.perGbHour;
    add(address, `${tasks} × Fargate ${arch} ${vcpu} vCPU / ${gb} GB, ${HOURS_PER_MONTH} h × $${round(hourly * 1e4) / 1e4}`, tasks * HOURS_PER_MONTH * hourly);
  }
  for (const [address, body] of resources(doc, 'aws_ecs_cluster')) {
    const settings = (Array.isArray(body.setting) ? body.setting : [body.setting]) as (Body | undefined)[];
    const insights = settings.some((s) => s?.name === 'containerInsights' && (s.value === 'enabled' || s.value === 'enhanced'));
    if (insights) {
      add(`${address} (Container Insights)`, `${u.containerInsightsMetrics} metrics × $${P.customMetricPerMonth} + ${u.containerInsightsLogGb} GB events`,
        u.containerInsightsMetrics * P.customMetricPerMonth + u.containerInsightsLogGb * P.logsIngestPerGb);
    }
  }

  for (const [address, body] of resources(doc, 'aws_wafv2_web_acl')) {
    const rules = Array.isArray(body.rule) ? body.rule.length : 0;
    add(address, `$${P.wafWebAclPerMonth} + ${rules} rules × $${P.wafRulePerMonth} + ${u.wafMillionRequests} M requests × $${P.wafPerMillionRequests}`,
      P.wafWebAclPerMonth + rules * P.wafRulePerMonth + u.wafMillionRequests * P.wafPerMillionRequests);
  }

  const alarms = resources(doc, 'aws_cloudwatch_metric_alarm');
  const alarmMetrics = alarms.reduce((n, [, body]) => {
    // A metric-math alarm is billed per metric it reads.
    const queries = Array.isArray(body.metric_query) ? (body.metric_query as Body[]).filter((q) => q.metric) : [];
    return n + Math.max(1, queries.length);
  }, 0);
  if (alarms.length > 0) add(`aws_cloudwatch_metric_alarm × ${alarms.length}`, `${alarmMetrics} alarm metrics × $${P.alarmPerMetricMonth}`, alarmMetrics * P.alarmPerMetricMonth);
  const agentAlarms = alarms.filter(([, body]) => body.namespace === 'HomeAgent');
  if (agentAlarms.length > 0) {
    add('agent metrics (EMF)', `${u.agentCustomMetrics} custom metrics × $${P.customMetricPerMonth}`, u.agentCustomMetrics * P.customMetricPerMonth);
  }

  for (const [address] of resources(doc, 'aws_secretsmanager_secret')) add(address, `$${P.secretPerMonth}`, P.secretPerMonth);
  const allLogGroups = resources(doc, 'aws_cloudwatch_log_group');
  const wafLogs = allLogGroups.filter(([, b]) => String(b.name).startsWith('aws-waf-logs-'));
  const invocationLogs = allLogGroups.filter(([, b]) => String(b.name).endsWith('/bedrock/invocations'));
  for (const [address] of wafLogs) {
    const gb = (u.wafMillionRequests * 1e6 * u.wafLogBytesPerRequest) / 1e9;
    add(`${address} (WAF logs)`, `${u.wafMillionRequests} M requests × ${u.wafLogBytesPerRequest} B = ${round(gb)} GB × ($${P.vendedLogsIngestPerGb} + $${P.logsStoragePerGbMonth})`,
      gb * (P.vendedLogsIngestPerGb + P.logsStoragePerGbMonth));
  }
  for (const [address] of invocationLogs) {
    add(`${address} (Bedrock invocation logs)`, `${u.bedrockInvocationLogGb} GB × ($${P.logsIngestPerGb} + $${P.logsStoragePerGbMonth})`,
      u.bedrockInvocationLogGb * (P.logsIngestPerGb + P.logsStoragePerGbMonth));
  }
  const logGroups = allLogGroups.filter((g) => !wafLogs.includes(g) && !invocationLogs.includes(g));
  if (logGroups.length > 0) {
    add(`aws_cloudwatch_log_group × ${logGroups.length}`, `${logGroups.length} × ${u.logGbPerGroup} GB × ($${P.logsIngestPerGb} + $${P.logsStoragePerGbMonth})`,
      logGroups.length * u.logGbPerGroup * (P.logsIngestPerGb + P.logsStoragePerGbMonth));
  }
  const repositories = resources(doc, 'aws_ecr_repository');
  if (repositories.length > 0) {
    add(`aws_ecr_repository × ${repositories.length}`, `${repositories.length} × ${u.ecrGbPerRepository} GB × $${P.ecrStoragePerGbMonth}`,
      repositories.length * u.ecrGbPerRepository * P.ecrStoragePerGbMonth);
  }
  for (const [address, body] of resources(doc, 'aws_dynamodb_table')) {
    const pitr = (body.point_in_time_recovery as Body | undefined)?.enabled === true;
    add(address, `on-demand (requests by use)${pitr ? `, PITR ${u.dynamodbGb} GB × $${P.dynamodbPitrPerGbMonth}` : ''}`, pitr ? u.dynamodbGb * P.dynamodbPitrPerGbMonth : 0);
  }

  const total = round(lines.reduce((sum, l) => sum + l.usdPerMonth, 0));
  return { lines, totalUsdPerMonth: total };
}

export function formatCostEstimate(estimate: CostEstimate, title: string): string {
  const width = Math.max(...estimate.lines.map((l) => l.item.length), 10);
  const rows = estimate.lines.map((l) => `  ${l.item.padEnd(width)}  ${`$${l.usdPerMonth.toFixed(2)}`.padStart(8)}  ${l.basis}`);
  return [title, ...rows, `  ${'total'.padEnd(width)}  ${`$${estimate.totalUsdPerMonth.toFixed(2)}`.padStart(8)}  per month`].join('\n');
}
