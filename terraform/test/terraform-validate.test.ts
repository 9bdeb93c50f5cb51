/**
 * `terraform validate` of the synthesized JSON and of the rendered HCL
 * against a real AWS provider schema, when terraform and a provider mirror
 * are on this machine (no download is possible here). The mirror may hold
 * another major version than the pinned one, so the check pins the mirrored
 * version, leaves out the random provider when it is not mirrored (its
 * results become placeholders), and maps the few 6.x-only attributes back.
 * It catches misspelt arguments and a block written as an argument.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { renderHcl } from '../src/hcl-renderer.js';
import type { TerraformJson } from '../src/terraform-json.js';
import { synthesizeStack } from './synthesized-stack.js';

// Spawns node and terraform: slow on a loaded machine, so more than the default 120 s.
t.setTimeout(300_000);

const mirror = process.env.HOMEAGENT_TF_PLUGIN_MIRROR ?? '/opt/tf-plugins';
const awsDir = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws');
const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
const awsVersion = existsSync(awsDir) ? readdirSync(awsDir).sort().at(-1) : undefined;
const randomMirrored = existsSync(join(mirror, 'registry.terraform.io', 'hashicorp', 'random'));

if (!terraform || !awsVersion) {
  t.test('terraform validate against the AWS provider schema', { skip: `terraform or an AWS provider mirror in ${mirror} is missing` }, async () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'homeagent-validate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cliConfig = join(dir, 'cli.tfrc');
  writeFileSync(cliConfig, `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`);
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };

  const forMirror = (doc: TerraformJson): TerraformJson => {
    const copy = JSON.parse(JSON.stringify(doc)) as TerraformJson & { terraform: Record<string, unknown> };
    copy.terraform = { required_providers: { aws: { source: 'hashicorp/aws', version: awsVersion } } };
    let text = JSON.stringify(copy);
    if (!randomMirrored) {
      delete copy.provider!.random;
      delete copy.resource!.random_password;
      text = JSON.stringify(copy).replace(/random_password\.[a-z_]+\.result/g, '\\"placeholder\\"');
    }
    // data.aws_region.region is new in provider 6; 5.x calls it name.
    if (awsVersion.startsWith('5.')) text = text.replace(/(data\.aws_region\.[a-z_]+)\.region/g, '$1.name');
    return JSON.parse(text) as TerraformJson;
  };

  // One working directory, initialized once: init copies the provider binary (hundreds of MB).
  const work = join(dir, 'work');
  mkdirSync(work);
  let initialized = false;
  const validate = (t: { equal: (a: unknown, b: unknown, m: string) => void }, label: string, fileName: string, content: string) => {
    for (const old of ['main.tf', 'main.tf.json']) rmSync(join(work, old), { force: true });
    writeFileSync(join(work, fileName), content);
    if (!initialized) {
      const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], { cwd: work, env, encoding: 'utf8', timeout: 240_000 });
      t.equal(init.status, 0, `terraform init from the mirror${init.status ? `\n${init.stdout}${init.stderr}` : ''}`);
      initialized = init.status === 0;
    }
    const run = spawnSync('terraform', ['validate', '-no-color'], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
    t.equal(run.status, 0, `${label}: terraform validate (aws ${awsVersion})${run.status ? `\n${run.stdout}${run.stderr}` : ''}`);
  };

  // Each validate loads the whole provider schema (seconds), so each variant is checked in one form:
  // the default stack as the JSON cdktf writes, the lean stack as the HCL we render.
  t.test('the default stack is valid Terraform JSON for the AWS provider', async (t) => {
    t.setTimeout(300_000);
    validate(t, 'default json', 'main.tf.json', JSON.stringify(forMirror(synthesizeStack().doc)));
  });
  t.test('every optional module (guardrail, invocation logging, anomaly monitor, OIDC lookup) is valid Terraform JSON', async (t) => {
    t.setTimeout(300_000);
    const options = {
      guardrail: { deniedTopics: [{ name: 'Gambling', definition: 'Betting money on games or events.', examples: ['best odds tonight'] }] },
      modelInvocationLogging: { enabled: true }, costAnomalyDetection: { enabled: true }, githubOidcProviderExists: true,
    };
    validate(t, 'every option json', 'main.tf.json', JSON.stringify(forMirror(synthesizeStack(options).doc)));
  });
  t.test('the lean stack, rendered as HCL, is valid Terraform for the AWS provider', async (t) => {
    t.setTimeout(300_000);
    validate(t, 'lean hcl', 'main.tf', renderHcl(forMirror(synthesizeStack({ lean: true }).doc)));
  });
}
