import t from 'tap';
import { synthesizeStack } from './synthesized-stack.js';
import { MODULE_PHASES } from '../src/homeagent-stack.js';
import { phaseViolations } from './phase-references.js';

/** The one table of phases (ARCHITECTURE.md), the one the stack and `npm run phases` use. */
const PHASES: Record<string, number> = MODULE_PHASES;

t.test('no module references its own or a later phase (default, lean, existing VPC)', async (t) => {
  const variants = {
    default: {},
    lean: { lean: true },
    'every option': { guardrail: { deniedTopics: [{ name: 'Gambling', definition: 'Betting money on games or events.' }] }, modelInvocationLogging: { enabled: true }, costAnomalyDetection: { enabled: true }, githubOidcProviderExists: true },
    'existing VPC': { existingVpc: { vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], privateSubnetIds: ['subnet-0123456789abcdef2', 'subnet-0123456789abcdef3'] } },
  };
  for (const [label, overrides] of Object.entries(variants)) {
    const { violations, checked, unknownModules } = phaseViolations(synthesizeStack(overrides).doc, PHASES);
    t.same(unknownModules, [], `${label}: every module has a phase`);
    t.ok(checked > 50, `${label}: ${checked} cross-resource references checked`);
    t.same(violations.map((v) => `${v.from} (${v.fromModule}) → ${v.to} (${v.toModule})`), [], `${label}: no reference to a later phase`);
  }
});

t.test('the check catches a module that reaches forward', async (t) => {
  // A phase-1 log group that takes its name from the phase-4 ALB, a phase-3 record that waits for
  // phase-5 WAF, and a phase-3 record that uses the phase-3 task definition of another module.
  const doc = {
    resource: {
      aws_lb: { alb_load_balancer: { '//': { metadata: { path: 'homeagent/alb/load-balancer' } }, name: 'x' } },
      aws_wafv2_web_acl: { waf_web_acl: { '//': { metadata: { path: 'homeagent/waf/web-acl' } }, name: 'x' } },
      aws_cloudwatch_log_group: { observability_x: { '//': { metadata: { path: 'homeagent/observability/x' } }, name: '${aws_lb.alb_load_balancer.name}-logs' } },
      aws_route53_record: {
        dns_x: { '//': { metadata: { path: 'homeagent/dns/x' } }, depends_on: ['aws_wafv2_web_acl.waf_web_acl'] },
        dns_y: { '//': { metadata: { path: 'homeagent/dns/y' } }, name: '${aws_ecs_task_definition.ecs_td.family}.example.org', zone_id: '${aws_route53_record.dns_x.zone_id}' },
      },
      aws_ecs_task_definition: { ecs_td: { '//': { metadata: { path: 'homeagent/ecs/td' } }, family: 'x' } },
    },
  };
  const { violations } = phaseViolations(doc, PHASES);
  t.same(violations.map((v) => `${v.fromModule}→${v.toModule}`).sort(), ['dns→ecs', 'dns→waf', 'observability→alb'], 'same-module references are fine');
});
