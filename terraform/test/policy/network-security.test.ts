import t from 'tap';
import { addressOf, bodyAt, referencedAddress, resourcesOf, synthesizeStack, type Body } from '../synthesized-stack.js';

const { doc } = synthesizeStack();
const lean = synthesizeStack({ lean: true }).doc;

const ingressRules = (d = doc) => resourcesOf(d, 'aws_vpc_security_group_ingress_rule');
const egressRules = (d = doc) => resourcesOf(d, 'aws_vpc_security_group_egress_rule');
const covers = (rule: Body, port: number) =>
  rule.ip_protocol === '-1' || (Number(rule.from_port) <= port && port <= Number(rule.to_port));

/** The security group the ECS service runs in, and the one of the ALB. */
const [[, service]] = resourcesOf(doc, 'aws_ecs_service') as [[string, Body]];
const taskSg = addressOf(service.network_configuration.security_groups[0]);
const [[, alb]] = resourcesOf(doc, 'aws_lb') as [[string, Body]];
const albSg = addressOf(alb.security_groups[0]);

t.test('no ingress for port 8000 anywhere (rules and inline blocks, both stacks)', async (t) => {
  for (const d of [doc, lean]) {
    for (const [address, rule] of ingressRules(d)) t.notOk(covers(rule, 8000), `${address} does not open 8000`);
    for (const [address, sg] of resourcesOf(d, 'aws_security_group')) {
      for (const rule of sg.ingress ?? []) t.notOk(covers(rule, 8000), `${address} inline ingress does not open 8000`);
    }
  }
});

t.test('no target group for port 8000', async (t) => {
  for (const [address, tg] of resourcesOf(doc, 'aws_lb_target_group')) t.not(tg.port, 8000, address);
  for (const [address, s] of resourcesOf(doc, 'aws_ecs_service')) {
    for (const lb of s.load_balancer) t.not(lb.container_port, 8000, `${address} registers no 8000`);
  }
});

t.test('the task security group admits only the ALB security group, on 8080 and 3701', async (t) => {
  const intoTask = ingressRules().filter(([, r]) => addressOf(r.security_group_id) === taskSg);
  t.equal(intoTask.length, 2);
  for (const [address, rule] of intoTask) {
    t.equal(referencedAddress(rule.referenced_security_group_id), albSg, `${address} comes from the ALB group`);
    t.notOk(rule.cidr_ipv4 ?? rule.cidr_ipv6 ?? rule.prefix_list_id, `${address} has no CIDR source`);
    t.ok([8080, 3701].includes(rule.from_port) && rule.from_port === rule.to_port, `${address} is one of the two ports`);
  }
  t.same(intoTask.map(([, r]) => r.from_port).sort(), [3701, 8080]);
});

t.test('the task talks out on HTTPS only', async (t) => {
  const outOfTask = egressRules().filter(([, r]) => addressOf(r.security_group_id) === taskSg);
  t.ok(outOfTask.length > 0);
  for (const [address, rule] of outOfTask) {
    t.equal(rule.ip_protocol, 'tcp', address);
    t.equal(rule.from_port, 443, address);
    t.equal(rule.to_port, 443, address);
  }
});

t.test('the ALB security group admits 80 and 443 from the internet and reaches only the task', async (t) => {
  const intoAlb = ingressRules().filter(([, r]) => addressOf(r.security_group_id) === albSg);
  for (const [address, rule] of intoAlb) {
    t.ok([80, 443].includes(rule.from_port) && rule.from_port === rule.to_port, `${address} is port 80 or 443`);
  }
  t.same([...new Set(intoAlb.map(([, r]) => r.from_port))].sort(), [443, 80]);
  const outOfAlb = egressRules().filter(([, r]) => addressOf(r.security_group_id) === albSg);
  for (const [address, rule] of outOfAlb) {
    t.equal(referencedAddress(rule.referenced_security_group_id), taskSg, `${address} goes to the task group only`);
  }
});

t.test('every security group rule belongs to a group of this stack and says why', async (t) => {
  for (const [address, rule] of [...ingressRules(), ...egressRules(), ...ingressRules(lean), ...egressRules(lean)]) {
    t.ok(rule.description, `${address} has a description`);
    t.ok(referencedAddress(rule.security_group_id), `${address} targets a managed group`);
  }
});

t.test('the default security group of the VPC is emptied', async (t) => {
  const defaults = resourcesOf(doc, 'aws_default_security_group');
  t.equal(defaults.length, 1);
  for (const [address, sg] of defaults) {
    t.notOk(sg.ingress?.length, `${address} has no ingress`);
    t.notOk(sg.egress?.length, `${address} has no egress`);
  }
});

t.test('the service runs in private subnets without a public IP', async (t) => {
  const igwRoutes = new Set(resourcesOf(doc, 'aws_route').filter(([, r]) => referencedAddress(r.gateway_id)?.startsWith('aws_internet_gateway.')).map(([, r]) => addressOf(r.route_table_id)));
  const tableOf = new Map(resourcesOf(doc, 'aws_route_table_association').map(([, a]) => [addressOf(a.subnet_id), addressOf(a.route_table_id)]));
  for (const [address, s] of resourcesOf(doc, 'aws_ecs_service')) {
    t.equal(s.network_configuration.assign_public_ip, false, `${address} assigns no public IP`);
    t.equal(s.network_configuration.subnets.length, 2, `${address} spans two subnets`);
    for (const subnetRef of s.network_configuration.subnets) {
      const subnet = addressOf(subnetRef);
      t.equal(bodyAt(doc, subnet).map_public_ip_on_launch, false, `${subnet} maps no public IPs`);
      const table = tableOf.get(subnet);
      t.ok(table, `${subnet} has a route table`);
      t.notOk(igwRoutes.has(table!), `${subnet} has no route to the internet gateway`);
    }
  }
});

t.test('the ECS service: circuit breaker with rollback, ECS Exec off, task definition changes left to deploy.sh', async (t) => {
  for (const [address, s] of resourcesOf(doc, 'aws_ecs_service')) {
    t.same(s.deployment_circuit_breaker, { enable: true, rollback: true }, `${address} circuit breaker`);
    t.equal(s.enable_execute_command, false, `${address} ECS Exec off`);
    t.same(s.lifecycle?.ignore_changes, ['task_definition'], `${address} ignores task_definition`);
    t.equal(s.launch_type, 'FARGATE', address);
    t.ok(s.health_check_grace_period_seconds > 0, `${address} has a health-check grace period`);
    t.equal(s.desired_count, 1, `${address} runs one task`);
    t.equal(s.deployment_maximum_percent, 100, `${address} never runs two tasks (two hubs) during a deployment`);
  }
});

t.test('more than one task fails synth, with the reason', async (t) => {
  t.throws(() => synthesizeStack({ desiredCount: 2 }), /desiredCount 2 refused: at most 1 task while the Mercure hub has no shared transport/);
  t.doesNotThrow(() => synthesizeStack({ desiredCount: 0 }), 'zero (paused) is allowed');
});

t.test('NAT: one gateway by default; the lean NAT instance is locked down', async (t) => {
  t.equal(resourcesOf(doc, 'aws_nat_gateway').length, 1);
  t.equal(resourcesOf(doc, 'aws_instance').length, 0);
  t.equal(resourcesOf(lean, 'aws_nat_gateway').length, 0);
  const instances = resourcesOf(lean, 'aws_instance');
  t.equal(instances.length, 1);
  for (const [address, i] of instances) {
    t.equal(i.metadata_options.http_tokens, 'required', `${address} IMDSv2 only`);
    t.equal(i.root_block_device.encrypted, true, `${address} encrypted disk`);
    t.notOk(i.key_name, `${address} has no SSH key`);
    t.notOk(i.iam_instance_profile, `${address} has no role`);
    t.equal(i.source_dest_check, false, `${address} can forward`);
    t.equal(i.credit_specification.cpu_credits, 'standard', `${address} cannot bill unlimited credits`);
    for (const sgRef of i.vpc_security_group_ids) {
      const sg = addressOf(sgRef);
      for (const [ruleAddress, rule] of ingressRules(lean).filter(([, r]) => addressOf(r.security_group_id) === sg)) {
        t.equal(rule.cidr_ipv4, '10.40.0.0/16', `${ruleAddress} only from the VPC`);
        t.equal(rule.from_port, 443, ruleAddress);
      }
    }
  }
});

t.test('an existing VPC is used by id and nothing network-wide is created', async (t) => {
  const existing = synthesizeStack({
    existingVpc: {
      vpcId: 'vpc-0123456789abcdef0',
      publicSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      privateSubnetIds: ['subnet-0123456789abcdef2', 'subnet-0123456789abcdef3'],
    },
  }).doc;
  for (const type of ['aws_vpc', 'aws_subnet', 'aws_nat_gateway', 'aws_internet_gateway', 'aws_instance']) {
    t.equal(resourcesOf(existing, type).length, 0, `no ${type}`);
  }
  const [[, s]] = resourcesOf(existing, 'aws_ecs_service') as [[string, Body]];
  t.same(s.network_configuration.subnets, ['subnet-0123456789abcdef2', 'subnet-0123456789abcdef3']);
});

t.test('S3 and DynamoDB traffic of the private subnets uses gateway endpoints', async (t) => {
  const endpoints = resourcesOf(doc, 'aws_vpc_endpoint');
  t.same(endpoints.map(([, e]) => e.service_name).sort(), ['com.amazonaws.us-east-1.dynamodb', 'com.amazonaws.us-east-1.s3']);
  const [[, svc]] = resourcesOf(doc, 'aws_ecs_service') as [[string, Body]];
  const tableOf = new Map(resourcesOf(doc, 'aws_route_table_association').map(([, a]) => [addressOf(a.subnet_id), addressOf(a.route_table_id)]));
  const privateTables = [...new Set(svc.network_configuration.subnets.map((s: string) => tableOf.get(addressOf(s))))];
  for (const [address, e] of endpoints) {
    t.equal(e.vpc_endpoint_type, 'Gateway', `${address} is a (free) gateway endpoint`);
    t.same(e.route_table_ids.map(addressOf), privateTables, `${address} serves the task's subnets`);
  }
});
