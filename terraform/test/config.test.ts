import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError, loadConfig, parseConfig, publicUrl } from '../src/config.js';
import { configJsonSchema } from '../src/config-json-schema.js';
import { BASE_INPUT } from './synthesized-stack.js';

const example = fileURLToPath(new URL('../homeagent.config.example.json', import.meta.url));

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

const refused = (t: { ok: (v: unknown, m: string) => void; match: (a: unknown, b: RegExp, m: string) => void }, input: Record<string, unknown>, message: RegExp) => {
  const err = errorOf(() => parseConfig({ ...BASE_INPUT, ...input }));
  t.ok(err instanceof ConfigError, `${JSON.stringify(input)} is refused with a ConfigError`);
  t.match((err as Error | undefined)?.message, message, `the message says ${message}`);
  t.ok(!(err as Error | undefined)?.message.includes('\n'), 'in one line');
};

t.test('the committed example is a valid config with the documented defaults', async (t) => {
  const c = loadConfig({ file: example, env: {} });
  t.equal(c.namePrefix, 'homeagent');
  t.equal(c.tableName, 'homeagent', 'the table is named after the prefix');
  t.equal(c.desiredCount, 0, 'the example starts without a task: there are no images before the first deploy.sh');
  t.equal(c.natMode, 'gateway');
  t.equal(c.cpuArchitecture, 'X86_64');
  t.equal(c.taskCpu, 512);
  t.equal(c.taskMemory, 1024);
  t.equal(c.containerInsights, true);
  t.equal(c.mercureHeartbeatSeconds, 40);
  t.equal(publicUrl(c), 'https://chat.example.com');
});

t.test('a missing or bad input stops synth with one line naming it', async (t) => {
  const { region: _r, ...noRegion } = BASE_INPUT;
  t.throws(() => parseConfig(noRegion), /"region" is required/);
  refused(t, { region: 'Frankfurt' }, /"region" is not valid: "Frankfurt" \(an AWS region/);
  refused(t, { hostedZoneName: 'example.com.' }, /"hostedZoneName"/);
  refused(t, { githubRepository: 'just-a-name' }, /"githubRepository" is not valid/);
  refused(t, { allowedModels: [] }, /"allowedModels" needs at least 1/);
  refused(t, { allowedModels: ['claude please'] }, /"allowedModels" has an invalid entry/);
  refused(t, { taskCpu: 512, taskMemory: 512 }, /"taskMemory" 512 is not a Fargate size for taskCpu 512/);
  refused(t, { taskCpu: 300 }, /"taskCpu" must be one of/);
  refused(t, { cpuArchitecture: 'arm' }, /"cpuArchitecture" must be one of X86_64, ARM64/);
  refused(t, { natMode: 'none' }, /"natMode"/);
  refused(t, { logRetentionDays: 10 }, /"logRetentionDays" must be one of/);
  refused(t, { tlsPolicy: 'ELBSecurityPolicy-2016-08' }, /"tlsPolicy" must be one of/);
  refused(t, { desiredCount: -1 }, /"desiredCount" must be between 0 and/);
  refused(t, { alarmEmail: 'not-an-address' }, /"alarmEmail"/);
  refused(t, { existingVpc: { vpcId: 'vpc-0123456789abcdef0', publicSubnetIds: ['subnet-0123456789abcdef0'], privateSubnetIds: [] } }, /existingVpc: "publicSubnetIds" needs at least 2/);
  refused(t, { colour: 'blue' }, /unknown input "colour"/);
  refused(t, { wafChatPathPatterns: ['/c/'] }, /"wafChatPathPatterns" has an invalid entry "\/c\/" \(a regular expression anchored/);
  refused(t, { wafChatPathPatterns: ['^/c/${x}$'] }, /"wafChatPathPatterns" has an invalid entry/);
  refused(t, { wafChatPathPatterns: ['^/c/(unclosed$'] }, /invalid regular expression/);
  refused(t, { imageTags: undefined }, /"imageTags" is required/);
  refused(t, { alarms: { dailySpendUsd: 10, colour: 1 } }, /alarms: unknown input "colour"/);
  refused(t, { secretRecoveryWindowDays: 3 }, /"secretRecoveryWindowDays" must be 0 or between 7 and 30/);
  refused(t, { githubBranch: 'main', githubEnvironment: 'production' }, /"githubBranch" and "githubEnvironment" cannot both be set/);
  refused(t, { accountBudget: { monthlyUsd: 0 } }, /accountBudget: "monthlyUsd" must be between 1 and/);
  refused(t, { alarmEmail: undefined, costAnomalyDetection: { enabled: true } }, /"costAnomalyDetection" needs an e-mail/);
  refused(t, { guardrail: { contentFilters: { HATE: 'EXTREME' } } }, /"HATE" must be one of NONE, LOW, MEDIUM, HIGH/);
  refused(t, { ipv6: 'yes' }, /"ipv6" must be true or false/);
});

t.test('one schema: defaults, no unknown keys, and the committed JSON Schema is generated from it', async (t) => {
  const c = parseConfig(BASE_INPUT);
  t.equal(c.githubEnvironment, 'production', 'the deploy role trusts the environment deploy.yml runs in by default');
  t.equal(c.githubBranch, undefined);
  t.equal(parseConfig({ ...BASE_INPUT, githubBranch: 'main' }).githubEnvironment, undefined, 'a branch replaces the environment');
  t.same([c.secretRecoveryWindowDays, c.forceDelete, c.accountBudget.monthlyUsd, c.modelInvocationLogging.enabled], [7, false, 200, false]);
  t.equal(parseConfig({ ...BASE_INPUT, namePrefix: 'staging' }).tableName, 'staging', 'a second install gets its own table');
  const committed = readFileSync(fileURLToPath(new URL('../homeagent.config.schema.json', import.meta.url)), 'utf8');
  t.equal(committed, configJsonSchema(), 'homeagent.config.schema.json is up to date (npm run schema -w terraform)');
  const schema = JSON.parse(committed);
  t.equal(schema.additionalProperties, false);
  t.same(schema.required, ['region', 'hostedZoneName', 'githubRepository', 'imageTags'], 'inputs with a default may be left out');
  t.equal(JSON.parse(readFileSync(example, 'utf8')).$schema, './homeagent.config.schema.json', 'the example points editors at it');
});

t.test('image tags are required and never latest', async (t) => {
  refused(t, { imageTags: { agent: 'latest', app: 'abc', mercure: 'abc' } }, /"agent" must not be "latest"/);
  refused(t, { imageTags: { agent: 'abc', app: 'LATEST', mercure: 'abc' } }, /"app" must not be "latest"/);
  refused(t, { imageTags: { agent: 'abc', app: 'abc' } }, /"mercure" is required/);
  refused(t, { imageTags: { agent: 'abc', app: 'abc', mercure: 'has space' } }, /"mercure" is not valid/);
});

t.test('lean changes the defaults; an explicit input still wins', async (t) => {
  const lean = parseConfig({ ...BASE_INPUT, lean: true });
  t.same([lean.natMode, lean.cpuArchitecture, lean.containerInsights, lean.taskCpu], ['instance', 'ARM64', false, 256]);
  const mixed = parseConfig({ ...BASE_INPUT, lean: true, natMode: 'gateway' });
  t.equal(mixed.natMode, 'gateway');
  t.equal(mixed.cpuArchitecture, 'ARM64');
});

t.test('environment overrides win over the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'homeagent-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'homeagent.config.json');
  writeFileSync(file, JSON.stringify(BASE_INPUT));
  const c = loadConfig({ file, env: { HOMEAGENT_REGION: 'eu-west-1', HOMEAGENT_IMAGE_TAG: 'deadbeef', HOMEAGENT_LEAN: 'true', HOMEAGENT_ALLOWED_MODELS: 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0,anthropic.claude-3-5-haiku-20241022-v1:0' } });
  t.equal(c.region, 'eu-west-1');
  t.same(c.imageTags, { agent: 'deadbeef', app: 'deadbeef', mercure: 'deadbeef' });
  t.equal(c.lean, true);
  t.same(c.allowedModels, ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0']);
  t.throws(() => loadConfig({ file, env: { HOMEAGENT_DESIRED_COUNT: 'two' } }), /"desiredCount" must be a number \(set by HOMEAGENT_DESIRED_COUNT\)/);
  t.throws(() => loadConfig({ file, env: { HOMEAGENT_IMAGE_TAG: 'latest' } }), /must not be "latest".* \(set by HOMEAGENT_IMAGE_TAG\)/);

  writeFileSync(file, '{ "region": ');
  t.throws(() => loadConfig({ file, env: {} }), /homeagent\.config\.json: is not valid JSON/);
  t.throws(() => loadConfig({ file: join(dir, 'absent.json'), env: {} }), /not found; copy homeagent\.config\.example\.json/);
});
