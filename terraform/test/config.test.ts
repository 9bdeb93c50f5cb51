import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ConfigError, loadConfig, parseConfig, publicUrl } from '../src/config.js';
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
  t.ok(err instanceof ConfigError && err.code === 'config_invalid', `${JSON.stringify(input)} is refused with a ConfigError`);
  t.match((err as Error | undefined)?.message, message, `the message says ${message}`);
  t.ok(!(err as Error | undefined)?.message.includes('\n'), 'in one line');
};

t.test('the committed example is a valid config with the documented defaults', async (t) => {
  const c = loadConfig({ file: example, env: {} });
  t.equal(c.namePrefix, 'homeagent');
  t.equal(c.desiredCount, 1);
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
  refused(t, { cpuArchitecture: 'arm' }, /"cpuArchitecture" is not valid: "arm" \(X86_64 or ARM64\)/);
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
