import t from 'tap';
import { addressOf, bodyAt, containersOf, resourcesOf, synthesizeStack, type ContainerDefinition } from '../synthesized-stack.js';

const { doc } = synthesizeStack();
const taskDefinitions = resourcesOf(doc, 'aws_ecs_task_definition');
const everyContainer: [string, ContainerDefinition][] = taskDefinitions.flatMap(([address, td]) =>
  containersOf(td).map((c) => [`${address}/${c.name}`, c] as [string, ContainerDefinition]));

/** Names and values that must never be plain environment. */
const SECRET_NAME = /(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE)/i;
const SECRET_VALUE = /^(?!\$\{)[A-Za-z0-9+/_=-]{32,}$/;

t.test('the task runs exactly the three containers of docs/runtime.md', async (t) => {
  t.equal(taskDefinitions.length, 1);
  t.same(everyContainer.map(([, c]) => c.name).sort(), ['agent', 'app', 'mercure']);
});

t.test('task definition: Fargate, awsvpc, 0.5 vCPU / 1 GB by default, architecture from the config', async (t) => {
  for (const [address, td] of taskDefinitions) {
    t.same(td.requires_compatibilities, ['FARGATE'], address);
    t.equal(td.network_mode, 'awsvpc', address);
    t.equal(td.cpu, '512', address);
    t.equal(td.memory, '1024', address);
    t.equal(td.runtime_platform.cpu_architecture, 'X86_64', address);
  }
  const arm = synthesizeStack({ cpuArchitecture: 'ARM64' }).doc;
  for (const [address, td] of resourcesOf(arm, 'aws_ecs_task_definition')) t.equal(td.runtime_platform.cpu_architecture, 'ARM64', address);
});

t.test('every container runs as a non-root user', async (t) => {
  for (const [where, c] of everyContainer) {
    t.ok(c.user, `${where} sets a user`);
    t.notMatch(c.user ?? '', /^(root|0)(:|$)/, `${where} is not root`);
    t.notOk(c.privileged, `${where} is not privileged`);
    t.same(c.linuxParameters?.capabilities?.drop, ['ALL'], `${where} drops every capability`);
    t.notOk(c.linuxParameters?.capabilities?.add?.length, `${where} adds none back`);
  }
});

t.test('every container has a read-only root filesystem, writable only where a volume is mounted', async (t) => {
  for (const [address, td] of taskDefinitions) {
    const volumes = new Set((td.volume as { name: string }[]).map((v) => v.name));
    for (const c of containersOf(td)) {
      t.equal(c.readonlyRootFilesystem, true, `${address}/${c.name} read-only`);
      for (const m of c.mountPoints ?? []) t.ok(volumes.has(m.sourceVolume), `${address}/${c.name} mounts a declared volume ${m.sourceVolume}`);
      t.ok((c.mountPoints ?? []).some((m) => m.containerPath === '/tmp' && !m.readOnly), `${address}/${c.name} has a writable /tmp`);
    }
  }
});

t.test('every container is health-checked against its own /healthz with node', async (t) => {
  const port: Record<string, number> = { app: 8080, agent: 8000, mercure: 3701 };
  for (const [where, c] of everyContainer) {
    const command = c.healthCheck?.command ?? [];
    t.equal(command[0], 'CMD', `${where} runs an exec-form check`);
    t.equal(command[1], 'node', `${where} uses node, which every image has`);
    t.match(command.join(' '), `http://127.0.0.1:${port[c.name]}/healthz`, `${where} checks its own port`);
  }
});

t.test('every container logs with awslogs to a log group of this stack', async (t) => {
  const groups = new Set(resourcesOf(doc, 'aws_cloudwatch_log_group').map(([a]) => a));
  for (const [where, c] of everyContainer) {
    t.equal(c.logConfiguration?.logDriver, 'awslogs', where);
    const group = c.logConfiguration?.options['awslogs-group'];
    t.ok(group && groups.has(addressOf(group)), `${where} logs to a declared group (${group})`);
    t.ok(c.logConfiguration?.options['awslogs-stream-prefix'], `${where} has a stream prefix`);
  }
});

t.test('every image comes from this stack\'s repositories by an explicit tag, never latest', async (t) => {
  for (const [where, c] of everyContainer) {
    const m = /^\$\{(aws_ecr_repository\.[a-z0-9_]+)\.repository_url\}:([A-Za-z0-9_.-]+)$/.exec(c.image);
    t.ok(m, `${where} image ${c.image} is <repository>:<tag>`);
    t.not(m?.[2]?.toLowerCase(), 'latest', `${where} is not latest`);
    t.equal(m?.[2], 'a1b2c3d', `${where} runs the configured tag`);
    t.ok(m && bodyAt(doc, m[1]!).name.endsWith(`/${c.name}`), `${where} pulls from its own repository`);
  }
});

t.test('no secret-looking plain environment values; keys arrive only through secrets[].valueFrom', async (t) => {
  const secretArn = resourcesOf(doc, 'aws_secretsmanager_secret').map(([a]) => `\${${a}.arn}`);
  t.equal(secretArn.length, 1);
  for (const [where, c] of everyContainer) {
    for (const { name, value } of c.environment ?? []) {
      t.notMatch(value, SECRET_VALUE, `${where} ${name} does not look like a key`);
      if (SECRET_NAME.test(name)) {
        // The one exception: the id of the secret, which is an ARN, not a secret.
        t.equal(name, 'AGENT_SECRET_ID', `${where} ${name} is a secret-looking name in plain env`);
        t.equal(value, secretArn[0], `${where} ${name} is the secret's ARN`);
      }
    }
    for (const s of c.secrets ?? []) {
      t.match(s.valueFrom, new RegExp(`^\\$\\{aws_secretsmanager_secret\\.[a-z_]+\\.arn\\}:[A-Za-z]+::$`), `${where} ${s.name} is a key of the stack's secret`);
    }
  }
});

t.test('each container gets exactly the variables and keys docs/runtime.md names', async (t) => {
  const byName = Object.fromEntries(everyContainer.map(([, c]) => [c.name, c]));
  const env = (c: ContainerDefinition) => Object.fromEntries((c.environment ?? []).map((e) => [e.name, e.value]));
  const keys = (c: ContainerDefinition) => Object.fromEntries((c.secrets ?? []).map((s) => [s.name, s.valueFrom.split(':').at(-3)]));
  const agent = env(byName.agent!);
  t.equal(agent.HOST, '127.0.0.1', 'the agent binds to localhost only');
  t.equal(agent.PORT, '8000');
  t.equal(agent.PUBLIC_URL, 'https://chat.example.org');
  t.equal(agent.AWS_REGION, 'us-east-1');
  t.equal(agent.BEDROCK_MODEL_ID, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'the first allowed model is the default');
  t.match(agent.TABLE_NAME, /^\$\{aws_dynamodb_table\./);
  t.equal(agent.MERCURE_PUBLISH_URL, 'http://127.0.0.1:3701/.well-known/mercure');
  t.same(keys(byName.agent!), {}, 'the agent reads its secret itself');
  t.same(byName.agent!.portMappings, [], 'the agent exposes no port');

  const app = env(byName.app!);
  t.equal(app.HOST, '0.0.0.0');
  t.equal(app.PORT, '8080');
  t.equal(app.AGENT_URL, 'http://127.0.0.1:8000');
  t.same(keys(byName.app!), { AGENT_SERVICE_KEY: 'serviceKey', SESSION_SECRET: 'sessionSecret', MERCURE_SUBSCRIBER_JWT_KEY: 'mercureSubscriberJwtKey' });

  const hub = env(byName.mercure!);
  t.equal(hub.PORT, '3701');
  t.equal(hub.MERCURE_HEARTBEAT, '40s');
  t.same(keys(byName.mercure!), { MERCURE_PUBLISHER_JWT_KEY: 'mercurePublisherJwtKey', MERCURE_SUBSCRIBER_JWT_KEY: 'mercureSubscriberJwtKey' });
});

t.test('no container maps port 8000', async (t) => {
  for (const [where, c] of everyContainer) {
    t.notOk((c.portMappings ?? []).some((p) => p.containerPort === 8000), where);
  }
});

t.test('the secret holds the four keys, generated, with no literal value in the JSON', async (t) => {
  const versions = resourcesOf(doc, 'aws_secretsmanager_secret_version');
  t.equal(versions.length, 1);
  for (const [address, v] of versions) {
    const value = v.secret_string as string;
    for (const key of ['serviceKey', 'sessionSecret', 'mercurePublisherJwtKey', 'mercureSubscriberJwtKey']) {
      t.match(value, new RegExp(`"${key}" = random_password\\.[a-z_]+\\.result`), `${address} ${key} comes from random_password`);
    }
    const pairs = [...value.matchAll(/"(\w+)" = ([^,}]+)/g)];
    t.equal(pairs.length, 4, `${address} has exactly four keys`);
    for (const [, key, expr] of pairs) t.match(expr!.trim(), /^random_password\.[a-z_]+\.result$/, `${address} ${key} is generated, not literal`);
  }
  for (const [address, p] of resourcesOf(doc, 'random_password')) {
    t.ok(p.length >= 32, `${address} is at least 32 characters (HS256 keys)`);
  }
});
