import t from 'tap';
import { synthesizeStack } from './synthesized-stack.js';
import { MODULE_PHASES } from '../src/homeagent-stack.js';
import { phaseCommands, phaseTargets } from '../src/phase-targets.js';
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

t.test('npm run phases: six -target sets in phase order, every resource in exactly one phase', async (t) => {
  for (const overrides of [{}, { lean: true }]) {
    const { doc } = synthesizeStack(overrides);
    const phases = phaseTargets(doc, PHASES);
    t.same(phases.map((p) => p.phase), [1, 2, 3, 4, 5, 6], 'the six phases, in order');
    const all = Object.entries(doc.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)).sort();
    t.same(phases.flatMap((p) => p.addresses).sort(), all, 'every resource once');
    t.same(phases[0]!.modules.sort(), ['attachments', 'dynamodb', 'ecr', 'network', 'observability', 'secrets'], 'phase 1 is the data and the network');
    t.same(phases.find((p) => p.phase === 5)!.modules.sort(), ['ecs-service', 'waf']);
    const commands = phaseCommands(phases);
    t.equal(commands.length, 6);
    t.match(commands[0], /^# phase 1: /);
    t.match(commands[4], /-target=aws_ecs_service\.ecs_service_service/, 'phase 5 applies the service');
    t.notMatch(commands[3], /aws_ecs_service\./, 'phase 4 does not');
    t.match(commands[5], /-target=aws_vpc\.network_vpc|-target=aws_nat_gateway|-target=aws_instance/, 'a later phase repeats the earlier targets, so each command can be re-run');
  }
  t.throws(() => phaseTargets(synthesizeStack().doc, { ...PHASES, alarms: undefined } as unknown as Record<string, number>), /has no phase in MODULE_PHASES/, 'a module without a phase is refused');
});
