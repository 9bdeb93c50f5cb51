/**
 * What an operator meets: the first apply's ordering, a second install
 * beside the first, a teardown, the bill's alarms and the attachments bucket.
 */
import t from 'tap';
import { addressOf, bodyAt, referencedAddress, resourcesOf, synthesizeStack, type Body } from '../synthesized-stack.js';

const { doc } = synthesizeStack();
const lean = synthesizeStack({ lean: true }).doc;

t.test('the service is created after the HTTPS listener and the hub rule', async (t) => {
  const [[address, service]] = resourcesOf(doc, 'aws_ecs_service') as [[string, Body]];
  const https = resourcesOf(doc, 'aws_lb_listener').find(([, l]) => l.protocol === 'HTTPS')![0];
  const [[hubRule]] = resourcesOf(doc, 'aws_lb_listener_rule') as [[string, Body]];
  t.ok(service.depends_on?.includes(https), `${address} waits for ${https} (which waits for the certificate)`);
  t.ok(service.depends_on?.includes(hubRule), `${address} waits for ${hubRule}`);
});

t.test('a second install with its own prefix shares no name with the first', async (t) => {
  const staging = synthesizeStack({ namePrefix: 'staging' }).doc;
  const nameKeys = ['name', 'name_prefix', 'bucket_prefix', 'family', 'alarm_name', 'cluster_name'];
  let checked = 0;
  for (const [type, byName] of Object.entries(staging.resource ?? {})) {
    // An inline policy's name is unique within its role only, and the roles carry the prefix.
    // DNS names come from subdomain + zone: a second install sets its own subdomain.
    if (type === 'aws_iam_role_policy' || type === 'aws_route53_record') continue;
    for (const [name, body] of Object.entries(byName)) {
      for (const key of nameKeys) {
        const value = (body as Body)[key];
        if (typeof value !== 'string' || value.startsWith('${')) continue;
        checked++;
        t.match(value, /staging/, `${type}.${name}.${key} = ${value} carries the prefix`);
        t.notMatch(value, /homeagent/, `${type}.${name}.${key} does not collide with the first install`);
      }
    }
  }
  t.ok(checked > 25, `${checked} names checked`);
  t.equal(bodyAt(staging, 'aws_dynamodb_table.dynamodb_table').name, 'staging', 'the table too');
});

t.test('teardown: deletion protection and the secret window by default; a throwaway stack opts out', async (t) => {
  const [[, secret]] = resourcesOf(doc, 'aws_secretsmanager_secret') as [[string, Body]];
  t.equal(secret.recovery_window_in_days, 7);
  for (const [a, r] of resourcesOf(doc, 'aws_ecr_repository')) t.equal(r.force_delete, false, `${a} keeps images`);
  for (const [a, b] of resourcesOf(doc, 'aws_s3_bucket')) t.equal(b.force_destroy, false, `${a} keeps objects`);
  const throwaway = synthesizeStack({ forceDelete: true, secretRecoveryWindowDays: 0, deletionProtection: false }).doc;
  t.equal(resourcesOf(throwaway, 'aws_secretsmanager_secret')[0]![1].recovery_window_in_days, 0, 'deleted at once, so a re-apply can reuse the name');
  for (const [a, r] of resourcesOf(throwaway, 'aws_ecr_repository')) t.equal(r.force_delete, true, `${a} may be destroyed with images`);
  for (const [a, b] of resourcesOf(throwaway, 'aws_s3_bucket')) t.equal(b.force_destroy, true, `${a} may be destroyed with objects`);
  t.equal(bodyAt(throwaway, 'aws_dynamodb_table.dynamodb_table').deletion_protection_enabled, false);
});

t.test('the attachments bucket: private, encrypted, TLS only, unfinished uploads removed', async (t) => {
  const [[bucket, body]] = resourcesOf(doc, 'aws_s3_bucket').filter(([, b]) => String(b.bucket_prefix).includes('-attachments-')) as [[string, Body]];
  t.equal(body.bucket_prefix, 'homeagent-attachments-');
  const forBucket = (type: string) => resourcesOf(doc, type).filter(([, b]) => referencedAddress(b.bucket) === bucket).map(([, b]) => b);
  const [block] = forBucket('aws_s3_bucket_public_access_block');
  t.same([block?.block_public_acls, block?.block_public_policy, block?.ignore_public_acls, block?.restrict_public_buckets], [true, true, true, true], 'all public access blocked');
  t.equal(forBucket('aws_s3_bucket_ownership_controls')[0]?.rule.object_ownership, 'BucketOwnerEnforced', 'no ACLs');
  t.equal(forBucket('aws_s3_bucket_server_side_encryption_configuration')[0]?.rule[0].apply_server_side_encryption_by_default.sse_algorithm, 'AES256', 'encrypted');
  const statements = JSON.parse(forBucket('aws_s3_bucket_policy')[0]!.policy).Statement as Body[];
  t.same(statements.map((s) => s.Effect), ['Deny'], 'the policy grants nothing');
  t.same(statements[0]!.Condition, { Bool: { 'aws:SecureTransport': 'false' } }, 'it refuses plain HTTP');
  t.same(statements[0]!.Resource, [`\${${bucket}.arn}`, `\${${bucket}.arn}/*`], 'for the bucket and every object');
  const [lifecycle] = forBucket('aws_s3_bucket_lifecycle_configuration');
  t.same(lifecycle?.rule[0].abort_incomplete_multipart_upload, [{ days_after_initiation: 1 }], 'incomplete multipart uploads go after a day');
  t.equal(lifecycle?.rule[0].expiration, undefined, 'attachments themselves never expire (the agent deletes them)');
  t.equal(doc.output!.attachments_bucket_name!.value, `\${${bucket}.bucket}`);
});

t.test('the account budget: 80 % and 100 % of actual and forecast, by e-mail and on the alarm topic', async (t) => {
  const [[, budget]] = resourcesOf(doc, 'aws_budgets_budget') as [[string, Body]];
  t.same([budget.budget_type, budget.time_unit, budget.limit_amount, budget.limit_unit], ['COST', 'MONTHLY', '200.00', 'USD']);
  t.equal(budget.cost_filter, undefined, 'the whole account, not a filtered part');
  const alerts = (budget.notification as Body[]).map((n) => `${n.notification_type} ${n.threshold}${n.threshold_type === 'PERCENTAGE' ? '%' : ''}`).sort();
  t.same(alerts, ['ACTUAL 100%', 'ACTUAL 80%', 'FORECASTED 100%', 'FORECASTED 80%']);
  const topic = resourcesOf(doc, 'aws_sns_topic')[0]![0];
  for (const n of budget.notification as Body[]) {
    t.same(n.subscriber_email_addresses, ['ops@example.org'], 'to the alarm e-mail by default');
    t.same(n.subscriber_sns_topic_arns.map(addressOf), [topic], 'and the topic');
  }
  const [[, topicPolicy]] = resourcesOf(doc, 'aws_sns_topic_policy') as [[string, Body]];
  const services = (JSON.parse(topicPolicy.policy).Statement as Body[]).flatMap((s) => s.Principal?.Service ?? []);
  t.same(services.sort(), ['budgets.amazonaws.com', 'events.amazonaws.com'], 'Budgets and EventBridge may publish');
  const own = synthesizeStack({ accountBudget: { monthlyUsd: 75, email: 'owner@example.org' } }).doc;
  const ownBudget = resourcesOf(own, 'aws_budgets_budget')[0]![1];
  t.equal(ownBudget.limit_amount, '75.00');
  t.same(ownBudget.notification[0].subscriber_email_addresses, ['owner@example.org']);
});

t.test('cost anomaly detection is opt-in (an account holds one services monitor)', async (t) => {
  t.equal(resourcesOf(doc, 'aws_ce_anomaly_monitor').length, 0);
  const on = synthesizeStack({ costAnomalyDetection: { enabled: true, thresholdUsd: 15 } }).doc;
  const [[monitor, m]] = resourcesOf(on, 'aws_ce_anomaly_monitor') as [[string, Body]];
  t.same([m.monitor_type, m.monitor_dimension], ['DIMENSIONAL', 'SERVICE']);
  const [[, sub]] = resourcesOf(on, 'aws_ce_anomaly_subscription') as [[string, Body]];
  t.same(sub.monitor_arn_list.map(addressOf), [monitor]);
  t.same(sub.subscriber, [{ type: 'EMAIL', address: 'ops@example.org' }]);
  t.same(sub.threshold_expression.dimension.values, ['15']);
});

t.test('alarms the issue names: DynamoDB throttles and system errors, WAF blocked spikes', async (t) => {
  const alarms = Object.fromEntries(resourcesOf(doc, 'aws_cloudwatch_metric_alarm').map(([a, b]) => [a.split('.')[1], b]));
  const throttles = alarms.alarms_dynamodb_throttles!;
  t.same(throttles.metric_query.filter((q: Body) => q.metric).map((q: Body) => q.metric.metric_name).sort(), ['ReadThrottleEvents', 'WriteThrottleEvents']);
  const errors = alarms.alarms_dynamodb_system_errors!;
  const ops = errors.metric_query.filter((q: Body) => q.metric).map((q: Body) => `${q.metric.metric_name}:${q.metric.dimensions.Operation}`);
  t.same(ops, ['SystemErrors:PutItem', 'SystemErrors:UpdateItem'], 'the writes, where an error loses a message or a settlement');
  for (const q of [...throttles.metric_query, ...errors.metric_query].filter((q: Body) => q.metric)) t.equal(q.metric.dimensions.TableName, '${aws_dynamodb_table.dynamodb_table.name}');
  const waf = alarms.alarms_waf_blocked_spike!;
  t.same([waf.namespace, waf.metric_name, waf.dimensions.Rule, waf.threshold], ['AWS/WAFV2', 'BlockedRequests', 'ALL', 500]);
  t.equal(waf.dimensions.WebACL, '${aws_wafv2_web_acl.waf_web_acl.name}');
});

t.test('a task that stops on its own is reported on the alarm topic; a deploy is not', async (t) => {
  const [[rule, body]] = resourcesOf(doc, 'aws_cloudwatch_event_rule') as [[string, Body]];
  const pattern = JSON.parse(body.event_pattern);
  t.same(pattern.source, ['aws.ecs']);
  t.same(pattern['detail-type'], ['ECS Task State Change']);
  t.same(pattern.detail.lastStatus, ['STOPPED']);
  t.same(pattern.detail.stopCode, ['TaskFailedToStart', 'EssentialContainerExited'], 'a deploy stops tasks with ServiceSchedulerInitiated, which is left out');
  t.equal(pattern.detail.clusterArn[0], '${aws_ecs_cluster.ecs_cluster.arn}', 'this cluster only');
  const [[, target]] = resourcesOf(doc, 'aws_cloudwatch_event_target') as [[string, Body]];
  t.equal(target.rule, `\${${rule}.name}`);
  t.equal(addressOf(target.arn), resourcesOf(doc, 'aws_sns_topic')[0]![0]);
  t.match(target.input_transformer.input_template, /stopped unexpectedly/);
});

t.test('lean: the NAT instance is recovered by EC2 when its host fails, rebooted when it hangs', async (t) => {
  t.equal(resourcesOf(doc, 'aws_cloudwatch_metric_alarm').filter(([a]) => a.includes('nat_instance')).length, 0, 'no NAT instance, no alarm');
  const alarms = Object.fromEntries(resourcesOf(lean, 'aws_cloudwatch_metric_alarm').map(([a, b]) => [a.split('.')[1], b]));
  const system = alarms.alarms_nat_instance_system_check!;
  t.equal(system.metric_name, 'StatusCheckFailed_System');
  t.equal(system.dimensions.InstanceId, '${aws_instance.network_nat_instance.id}');
  t.ok(system.alarm_actions.some((a: string) => /:automate:[^:]+:ec2:recover$/.test(a)), 'EC2 auto-recovery');
  t.ok(system.alarm_actions.some((a: string) => /aws_sns_topic/.test(a)), 'and a mail');
  t.ok(alarms.alarms_nat_instance_check!.alarm_actions.some((a: string) => /:ec2:reboot$/.test(a)), 'a hung instance is rebooted');
});

t.test('before the first deploy (desiredCount 0) no task starts and the "no healthy host" alarms stay quiet', async (t) => {
  const first = synthesizeStack({ desiredCount: 0 }).doc;
  t.equal(resourcesOf(first, 'aws_ecs_service')[0]![1].desired_count, 0);
  const quiet = resourcesOf(first, 'aws_cloudwatch_metric_alarm').filter(([a]) => a.includes('no_healthy_host'));
  t.equal(quiet.length, 2);
  for (const [a, b] of quiet) t.equal(b.actions_enabled, false, `${a} does not mail`);
  for (const [a, b] of resourcesOf(doc, 'aws_cloudwatch_metric_alarm').filter(([a]) => a.includes('no_healthy_host'))) t.equal(b.actions_enabled, true, `${a} mails once the service runs`);
});
