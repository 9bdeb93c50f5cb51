import t from 'tap';
import { TLS_POLICIES } from '../../src/config.js';
import { addressOf, bodyAt, referencedAddress, resourcesOf, synthesizeStack, type Body } from '../synthesized-stack.js';

const { doc, config } = synthesizeStack();
const listeners = resourcesOf(doc, 'aws_lb_listener');
const albs = resourcesOf(doc, 'aws_lb');

t.test('every HTTPS listener has an allow-listed TLS 1.3 policy and a validated certificate', async (t) => {
  const https = listeners.filter(([, l]) => l.protocol === 'HTTPS');
  t.equal(https.length, 1);
  for (const [address, l] of https) {
    t.ok((TLS_POLICIES as readonly string[]).includes(l.ssl_policy), `${address} uses ${l.ssl_policy}`);
    t.match(l.ssl_policy, /TLS13/, `${address} offers TLS 1.3`);
    t.match(l.certificate_arn, /^\$\{aws_acm_certificate_validation\./, `${address} waits for the validated certificate`);
    t.equal(l.port, 443, address);
  }
});

t.test('port 80 only redirects to HTTPS with 301; no other listener exists', async (t) => {
  for (const [address, l] of listeners) {
    if (l.protocol === 'HTTPS') continue;
    t.equal(l.protocol, 'HTTP', address);
    t.equal(l.port, 80, address);
    t.equal(l.default_action.length, 1, `${address} has one action`);
    for (const action of l.default_action) {
      t.equal(action.type, 'redirect', `${address} redirects`);
      t.same(action.redirect, { protocol: 'HTTPS', port: '443', status_code: 'HTTP_301' }, `${address} to HTTPS with 301`);
    }
  }
  t.equal(listeners.length, 2);
  t.equal(resourcesOf(doc, 'aws_lb_listener_rule').filter(([, r]) => addressOf(r.listener_arn) !== listeners.find(([, l]) => l.protocol === 'HTTPS')![0]).length, 0, 'no rule on port 80');
});

t.test('/.well-known/mercure* goes to the hub on 3701; everything else to the app on 8080', async (t) => {
  const rules = resourcesOf(doc, 'aws_lb_listener_rule');
  t.equal(rules.length, 1);
  for (const [address, r] of rules) {
    t.same(r.condition.map((c: Body) => c.path_pattern?.values), [['/.well-known/mercure*']], `${address} matches the hub path`);
    const tg = bodyAt(doc, addressOf(r.action[0].target_group_arn));
    t.equal(tg.port, 3701, `${address} forwards to port 3701`);
  }
  const [, https] = listeners.find(([, l]) => l.protocol === 'HTTPS')!;
  t.equal(bodyAt(doc, addressOf(https.default_action[0].target_group_arn)).port, 8080, 'default goes to the app');
});

t.test('every target group checks /healthz over HTTP on IP targets', async (t) => {
  const groups = resourcesOf(doc, 'aws_lb_target_group');
  t.same(groups.map(([, g]) => g.port).sort(), [3701, 8080]);
  for (const [address, g] of groups) {
    t.equal(g.health_check.path, '/healthz', address);
    t.equal(g.health_check.matcher, '200', address);
    t.equal(g.target_type, 'ip', address);
  }
});

t.test('the ALB drops invalid headers, is deletion-protected, logs to an encrypted private bucket, outlasts the hub heartbeat', async (t) => {
  t.equal(albs.length, 1);
  for (const [address, alb] of albs) {
    t.equal(alb.drop_invalid_header_fields, true, `${address} drops invalid header fields`);
    t.equal(alb.enable_deletion_protection, true, `${address} deletion protection`);
    t.equal(alb.internal, false, address);
    t.ok(alb.idle_timeout > config.mercureHeartbeatSeconds, `${address} idle timeout ${alb.idle_timeout}s above the ${config.mercureHeartbeatSeconds}s heartbeat`);
    t.equal(alb.access_logs.enabled, true, `${address} access logs on`);
    const bucket = referencedAddress(alb.access_logs.bucket)!;
    t.match(bucket, /^aws_s3_bucket\./, `${address} logs to a bucket of this stack`);
    const forBucket = (type: string) => resourcesOf(doc, type).filter(([, b]) => referencedAddress(b.bucket) === bucket).map(([, b]) => b);
    const [sse] = forBucket('aws_s3_bucket_server_side_encryption_configuration');
    t.equal(sse?.rule[0].apply_server_side_encryption_by_default.sse_algorithm, 'AES256', `${bucket} encrypted`);
    const [block] = forBucket('aws_s3_bucket_public_access_block');
    t.same([block?.block_public_acls, block?.block_public_policy, block?.ignore_public_acls, block?.restrict_public_buckets], [true, true, true, true], `${bucket} fully private`);
    const [policy] = forBucket('aws_s3_bucket_policy');
    const statements = JSON.parse(policy!.policy).Statement as Body[];
    t.ok(statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'), `${bucket} refuses plain HTTP`);
    t.ok(forBucket('aws_s3_bucket_lifecycle_configuration').length === 1, `${bucket} expires old logs`);
  }
  const longer = synthesizeStack({ mercureHeartbeatSeconds: 90 }).doc;
  for (const [address, alb] of resourcesOf(longer, 'aws_lb')) t.ok(alb.idle_timeout > 90, `${address} follows a longer heartbeat`);
});

t.test('the certificate is DNS-validated in the zone, replaced before it is destroyed', async (t) => {
  const certs = resourcesOf(doc, 'aws_acm_certificate');
  t.equal(certs.length, 1);
  for (const [address, c] of certs) {
    t.equal(c.domain_name, 'chat.example.org', address);
    t.equal(c.validation_method, 'DNS', address);
    t.equal(c.lifecycle?.create_before_destroy, true, `${address} create_before_destroy`);
  }
  for (const [address, v] of resourcesOf(doc, 'aws_acm_certificate_validation')) {
    const record = bodyAt(doc, addressOf(v.validation_record_fqdns[0]));
    t.match(record.name, /domain_validation_options/, `${address} validates through the ACM record`);
  }
});

t.test('A and AAAA alias records point the name at the ALB', async (t) => {
  const aliases = resourcesOf(doc, 'aws_route53_record').filter(([, r]) => r.alias);
  t.same(aliases.map(([, r]) => r.type).sort(), ['A', 'AAAA']);
  for (const [address, r] of aliases) {
    t.equal(r.name, 'chat.example.org', address);
    t.equal(referencedAddress(r.alias.name), albs[0]![0], `${address} aliases the ALB`);
    t.equal(albs[0]![1].ip_address_type, 'dualstack', 'the ALB answers on IPv6 for the AAAA record');
  }
});

t.test('WAF: the three managed groups, a rate rule, metrics and sampling on every rule, on the ALB, logged', async (t) => {
  const acls = resourcesOf(doc, 'aws_wafv2_web_acl');
  t.equal(acls.length, 1);
  for (const [address, acl] of acls) {
    t.equal(acl.scope, 'REGIONAL', address);
    const groups = acl.rule.map((r: Body) => r.statement.managed_rule_group_statement).filter(Boolean);
    t.same(groups.map((g: Body) => `${g.vendor_name}/${g.name}`).sort(),
      ['AWS/AWSManagedRulesAmazonIpReputationList', 'AWS/AWSManagedRulesCommonRuleSet', 'AWS/AWSManagedRulesKnownBadInputsRuleSet'], `${address} managed groups`);
    const rate = acl.rule.filter((r: Body) => r.statement.rate_based_statement);
    t.equal(rate.length, 1, `${address} has a rate rule`);
    t.equal(rate[0].statement.rate_based_statement.aggregate_key_type, 'IP');
    t.equal(rate[0].statement.rate_based_statement.limit, config.wafRateLimit);
    t.ok(rate[0].action.block, 'the rate rule blocks');
    for (const rule of [...acl.rule, { name: 'web ACL', visibility_config: acl.visibility_config }]) {
      t.equal(rule.visibility_config.cloudwatch_metrics_enabled, true, `${address} ${rule.name} metrics`);
      t.equal(rule.visibility_config.sampled_requests_enabled, true, `${address} ${rule.name} sampling`);
    }
    const priorities = acl.rule.map((r: Body) => r.priority);
    t.equal(new Set(priorities).size, priorities.length, `${address} priorities are unique`);
    const associations = resourcesOf(doc, 'aws_wafv2_web_acl_association').filter(([, a]) => referencedAddress(a.web_acl_arn) === address);
    t.same(associations.map(([, a]) => referencedAddress(a.resource_arn)), [albs[0]![0]], `${address} protects the ALB`);
    const logging = resourcesOf(doc, 'aws_wafv2_web_acl_logging_configuration').filter(([, l]) => referencedAddress(l.resource_arn) === address);
    t.equal(logging.length, 1, `${address} is logged`);
    for (const [, l] of logging) {
      const group = bodyAt(doc, addressOf(l.log_destination_configs[0]));
      t.match(group.name, /^aws-waf-logs-/, `${address} logs to an aws-waf-logs- group`);
      t.same(l.redacted_fields.map((f: Body) => f.single_header.name).sort(), ['authorization', 'cookie'], `${address} redacts credentials`);
    }
  }
});

/** A request as WAF sees it after the managed groups have labelled it. */
interface Seen { method: string; path: string; labels: string[] }

/** Evaluates the statement shapes our own rules use (and/or/not, label, method, path regex). */
function matches(statement: Body, r: Seen): boolean {
  if (statement.and_statement) return (statement.and_statement.statement as Body[]).every((s) => matches(s, r));
  if (statement.or_statement) return (statement.or_statement.statement as Body[]).some((s) => matches(s, r));
  if (statement.not_statement) return !matches(statement.not_statement.statement[0], r);
  if (statement.label_match_statement) return r.labels.includes(statement.label_match_statement.key);
  if (statement.byte_match_statement?.field_to_match?.method) return r.method === statement.byte_match_statement.search_string;
  if (statement.regex_match_statement?.field_to_match?.uri_path) return new RegExp(statement.regex_match_statement.regex_string).test(r.path);
  throw new Error(`the test cannot evaluate ${JSON.stringify(statement)}`);
}

t.test('WAF: the managed body rules only count, and our rule re-blocks them everywhere but the message-send POST', async (t) => {
  const [[, acl]] = resourcesOf(doc, 'aws_wafv2_web_acl') as [[string, Body]];
  const group = (name: string) => acl.rule.find((r: Body) => r.statement.managed_rule_group_statement?.name === name);
  const overridden = (name: string) => (group(name).statement.managed_rule_group_statement.rule_action_override as Body[] | undefined) ?? [];
  t.same(overridden('AWSManagedRulesCommonRuleSet').map((o) => o.name).sort(),
    ['CrossSiteScripting_BODY', 'EC2MetaDataSSRF_BODY', 'GenericLFI_BODY', 'GenericRFI_BODY', 'SizeRestrictions_BODY'], 'core rule set: the body rules a chat message trips');
  t.same(overridden('AWSManagedRulesKnownBadInputsRuleSet').map((o) => o.name).sort(), ['JavaDeserializationRCE_BODY', 'Log4JRCE_BODY'], 'known bad inputs: the body rules');
  t.same(overridden('AWSManagedRulesAmazonIpReputationList'), [], 'IP reputation untouched');
  for (const o of [...overridden('AWSManagedRulesCommonRuleSet'), ...overridden('AWSManagedRulesKnownBadInputsRuleSet')]) {
    t.same(o.action_to_use, { count: {} }, `${o.name} counts (and labels)`);
    t.notMatch(o.name, /URIPATH|QUERYSTRING|HEADER|COOKIE/, `${o.name} is a body rule; the URI, query and header rules still block`);
  }
  const reblock = acl.rule.filter((r: Body) => r.action?.block && JSON.stringify(r.statement).includes('label_match_statement'));
  t.equal(reblock.length, 1, 'one rule re-blocks the labelled requests');
  const rule = reblock[0];
  t.ok(rule.priority > group('AWSManagedRulesCommonRuleSet').priority && rule.priority > group('AWSManagedRulesKnownBadInputsRuleSet').priority, 'after both groups (the labels exist by then)');
  const labels = [...JSON.stringify(rule.statement).matchAll(/"key":"([^"]+)"/g)].map((m) => m[1]!);
  t.equal(labels.length, 7, 'it covers every counted rule');
  const send = { method: 'POST', path: '/c/01JDX7/messages' };
  for (const label of labels) {
    t.notOk(matches(rule.statement, { ...send, labels: [label] }), `${label}: a typed message to POST /c/:id/messages passes`);
    for (const other of [
      { method: 'GET', path: '/c/01JDX7/messages' }, { method: 'PUT', path: '/c/01JDX7/messages' },
      { method: 'POST', path: '/register' }, { method: 'POST', path: '/login' }, { method: 'POST', path: '/c/01JDX7/messages/x' },
      { method: 'POST', path: '/x/c/1/messages' }, { method: 'POST', path: '/c/1/2/messages' }, { method: 'POST', path: '/c' },
    ]) {
      t.ok(matches(rule.statement, { ...other, labels: [label] }), `${label}: ${other.method} ${other.path} is blocked`);
    }
  }
  t.notOk(matches(rule.statement, { ...send, labels: [] }), 'an unlabelled request is not touched');
});

t.test('access logs are delivered by the ELB account in older regions and by the service principal everywhere', async (t) => {
  const principals = (d: typeof doc) => {
    const [[, policy]] = resourcesOf(d, 'aws_s3_bucket_policy') as [[string, Body]];
    return (JSON.parse(policy.policy).Statement as Body[]).filter((s) => s.Effect === 'Allow').map((s) => JSON.stringify(s.Principal));
  };
  t.same(principals(doc).sort(), ['{"AWS":"${data.aws_elb_service_account.alb_elb_account.arn}"}', '{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"}']);
  const newer = synthesizeStack({ region: 'mx-central-1' }).doc;
  t.same(principals(newer), ['{"Service":"logdelivery.elasticloadbalancing.amazonaws.com"}'], 'a region opened after 2022-08 has no ELB account');
  t.equal(Object.keys(newer.data?.aws_elb_service_account ?? {}).length, 0, 'and no lookup that would fail there');
});
