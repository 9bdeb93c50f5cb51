import t from 'tap';
import { OUTPUT_NAMES } from '../../src/homeagent-stack.js';
import { addressOf, referencedAddress, resourcesOf, synthesizeStack, type Body } from '../synthesized-stack.js';

const { doc } = synthesizeStack();
const lean = synthesizeStack({ lean: true }).doc;

t.test('every ECR repository: immutable tags, scan on push, keeps the last 10 images', async (t) => {
  const repos = resourcesOf(doc, 'aws_ecr_repository');
  t.same(repos.map(([, r]) => r.name).sort(), ['homeagent/agent', 'homeagent/app', 'homeagent/mercure']);
  const lifecycles = resourcesOf(doc, 'aws_ecr_lifecycle_policy');
  for (const [address, r] of repos) {
    t.equal(r.image_tag_mutability, 'IMMUTABLE', `${address} immutable`);
    t.equal(r.image_scanning_configuration.scan_on_push, true, `${address} scan on push`);
    t.equal(r.force_delete, false, `${address} keeps its images on destroy`);
    const own = lifecycles.filter(([, l]) => referencedAddress(l.repository) === address);
    t.equal(own.length, 1, `${address} has a lifecycle policy`);
    const rule = JSON.parse(own[0]![1].policy).rules[0];
    t.same(rule.selection, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 }, `${address} keeps 10`);
    t.equal(rule.action.type, 'expire');
  }
});

t.test('every DynamoDB table: the runtime.md layout, on-demand, PITR, encrypted, deletion-protected', async (t) => {
  const tables = resourcesOf(doc, 'aws_dynamodb_table');
  t.equal(tables.length, 1);
  for (const [address, table] of tables) {
    t.equal(table.name, 'homeagent', address);
    t.equal(table.billing_mode, 'PAY_PER_REQUEST', `${address} on-demand`);
    t.equal(table.point_in_time_recovery.enabled, true, `${address} PITR`);
    t.equal(table.server_side_encryption.enabled, true, `${address} encrypted`);
    t.equal(table.deletion_protection_enabled, true, `${address} deletion protection`);
    t.equal(table.hash_key, 'pk');
    t.equal(table.range_key, 'sk');
    t.same(table.ttl, { attribute_name: 'ttl', enabled: true }, `${address} TTL on ttl`);
    t.same(table.global_secondary_index, [{ name: 'gsi1', hash_key: 'gsi1pk', range_key: 'gsi1sk', projection_type: 'ALL' }], `${address} gsi1`);
    t.same(table.attribute.map((a: Body) => `${a.name}:${a.type}`).sort(), ['gsi1pk:S', 'gsi1sk:S', 'pk:S', 'sk:S']);
  }
});

t.test('every log group has a retention (default and lean stacks)', async (t) => {
  for (const d of [doc, lean]) {
    const groups = resourcesOf(d, 'aws_cloudwatch_log_group');
    t.ok(groups.length >= 4);
    for (const [address, g] of groups) t.ok(Number(g.retention_in_days) > 0, `${address} keeps logs ${g.retention_in_days} days`);
  }
});

t.test('every alarm notifies the SNS topic on alarm and on recovery, and says how to treat missing data', async (t) => {
  const topics = resourcesOf(doc, 'aws_sns_topic').map(([a]) => a);
  t.equal(topics.length, 1);
  const alarms = resourcesOf(doc, 'aws_cloudwatch_metric_alarm');
  t.ok(alarms.length >= 9);
  for (const [address, a] of alarms) {
    t.same(a.alarm_actions.map(addressOf), topics, `${address} alarm → SNS`);
    t.same(a.ok_actions.map(addressOf), topics, `${address} ok → SNS`);
    t.ok(['missing', 'notBreaching', 'breaching', 'ignore'].includes(a.treat_missing_data), `${address} treat_missing_data = ${a.treat_missing_data}`);
    t.ok(a.alarm_description, `${address} says what it means`);
  }
  const [[, subscription]] = resourcesOf(doc, 'aws_sns_topic_subscription') as [[string, Body]];
  t.equal(subscription.protocol, 'email');
  t.equal(subscription.endpoint, 'ops@example.org');
  t.equal(resourcesOf(synthesizeStack({ alarmEmail: '' }).doc, 'aws_sns_topic_subscription').length, 0, 'no address, no subscription');
  const paused = resourcesOf(synthesizeStack({ desiredCount: 0 }).doc, 'aws_cloudwatch_metric_alarm');
  for (const [address, a] of paused) {
    t.equal(a.actions_enabled ?? true, a.metric_name !== 'HealthyHostCount', `${address} ${a.metric_name === 'HealthyHostCount' ? 'is muted' : 'still notifies'} while paused`);
  }
});

t.test('alarms cover the ALB, the targets, the service and the agent\'s EMF metrics', async (t) => {
  const alarms = resourcesOf(doc, 'aws_cloudwatch_metric_alarm').map(([, a]) => a);
  const metricNames = alarms.flatMap((a) => [a.metric_name, ...(a.metric_query ?? []).map((q: Body) => q.metric?.metric_name)]).filter(Boolean);
  for (const name of ['HTTPCode_ELB_5XX_Count', 'RequestCount', 'HTTPCode_Target_5XX_Count', 'UnHealthyHostCount', 'CPUUtilization', 'MemoryUtilization']) {
    t.ok(metricNames.includes(name), `an alarm reads ${name}`);
  }
  const agent = alarms.filter((a) => a.namespace === 'HomeAgent');
  t.same(agent.map((a) => a.metric_name).sort(), ['AgentErrors', 'BedrockThrottles', 'DailySpendUsd', 'TimeToFirstTokenMs']);
  for (const a of agent) t.same(a.dimensions, { Service: 'agent' }, `${a.metric_name} dimension`);
  t.equal(agent.find((a) => a.metric_name === 'TimeToFirstTokenMs')!.extended_statistic, 'p95', 'time to first token is a p95');
  const rate = alarms.find((a) => a.metric_query);
  t.match(rate?.metric_query.find((q: Body) => q.return_data).expression, /errors \/ requests/, 'the ALB 5xx alarm is a rate');
});

t.test('no unresolved cdktf tokens anywhere in the synthesized JSON', async (t) => {
  for (const d of [doc, lean]) {
    const text = JSON.stringify(d);
    t.notMatch(text, /\$\{TfToken\[|TOKEN\[|\$\{Token\[/, 'no token placeholders');
    t.notMatch(text, /\[object Object\]|undefined|NaN/, 'no stringified objects or undefined values');
  }
});

t.test('the outputs deploy.sh and the workflow read exist under their exact names', async (t) => {
  t.same(Object.keys(doc.output ?? {}).sort(), [...OUTPUT_NAMES].sort());
  t.same([...OUTPUT_NAMES].sort(), [
    'alarm_topic_arn', 'aws_region', 'cluster_name', 'cpu_architecture', 'deploy_role_arn', 'ecr_repository_url_agent',
    'ecr_repository_url_app', 'ecr_repository_url_mercure', 'public_url', 'service_name', 'table_name', 'task_definition_family',
    'attachments_bucket_name',
  ].sort());
  const out = doc.output!;
  t.equal(out.aws_region!.value, 'us-east-1');
  t.equal(out.public_url!.value, 'https://chat.example.org');
  t.equal(out.cpu_architecture!.value, 'X86_64');
  t.equal(lean.output!.cpu_architecture!.value, 'ARM64');
  t.match(out.ecr_repository_url_agent!.value, /^\$\{aws_ecr_repository\.ecr_agent\.repository_url\}$/);
  t.match(out.deploy_role_arn!.value, /^\$\{aws_iam_role\.[a-z_]+\.arn\}$/);
  t.match(out.task_definition_family!.value, /^\$\{aws_ecs_task_definition\.[a-z_]+\.family\}$/);
});
