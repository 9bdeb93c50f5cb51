import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { readSynthesized, synthesize } from '../src/synthesis.js';
import { BASE_INPUT, testConfig } from './synthesized-stack.js';

// Spawns node and terraform: slow on a loaded machine, so more than the default 120 s.
t.setTimeout(300_000);

const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'homeagent-synth-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** `terraform` on PATH, for a parse check of the HCL (optional: no providers are needed for fmt). */
const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

/** Runs src/main.ts the way `npm run synth` runs dist/main.js, with tap's TypeScript loader. */
function runMain(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [...process.execArgv.filter((a) => a.includes('typescript')), mainTs, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 90_000,
  });
}

t.test('synthesize writes cdk.tf.json into stacks/homeagent', async (t) => {
  const outdir = join(dir, 'json');
  const result = synthesize({ config: testConfig(), backend: { kind: 'local', warning: '' }, outdir });
  t.equal(result.file, join(outdir, 'stacks', 'homeagent', 'cdk.tf.json'));
  const doc = readSynthesized(result.file);
  t.ok(Object.keys(doc.resource ?? {}).length > 20);
});

t.test('synthesize --hcl writes cdk.tf alone, one block per resource, and terraform parses it', async (t) => {
  const outdir = join(dir, 'hcl');
  const json = readSynthesized(synthesize({ config: testConfig(), backend: { kind: 'local', warning: '' }, outdir: join(dir, 'json-for-hcl') }).file);
  const result = synthesize({ config: testConfig(), backend: { kind: 'local', warning: '' }, outdir, hcl: true });
  t.equal(result.file, join(outdir, 'stacks', 'homeagent', 'cdk.tf'));
  t.notOk(existsSync(join(result.stackDir, 'cdk.tf.json')), 'no JSON beside it (terraform would load both)');
  const hcl = readFileSync(result.file, 'utf8');
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const name of Object.keys(byName)) t.ok(hcl.includes(`resource "${type}" "${name}" {`), `${type}.${name} is in the HCL`);
  }
  t.match(hcl, /policy = "\{\\"Version\\":\\"2012-10-17\\"/, 'IAM policies are escaped strings');
  if (!terraform) {
    t.test('terraform fmt parses the HCL', { skip: 'terraform is not installed' }, async () => {});
    return;
  }
  const fmt = spawnSync('terraform', ['fmt', '-no-color', '-'], { input: hcl, encoding: 'utf8' });
  t.equal(fmt.status, 0, `terraform fmt parses the file${fmt.stderr ? `: ${fmt.stderr.slice(0, 500)}` : ''}`);
});

t.test('the CLI writes the stack where HOMEAGENT_OUTDIR says and warns about the local backend', async (t) => {
  t.setTimeout(180_000);
  const config = join(dir, 'homeagent.config.json');
  writeFileSync(config, JSON.stringify(BASE_INPUT));
  const outdir = join(dir, 'cli-out');
  const run = runMain([], { HOMEAGENT_CONFIG: config, HOMEAGENT_OUTDIR: outdir, HOMEAGENT_BACKEND_FILE: join(dir, 'no-backend.json') });
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /wrote .*stacks\/homeagent\/cdk\.tf\.json/);
  t.match(run.stderr, /^warning: .*no-backend\.json not found: state goes to a local terraform\.tfstate/);
  t.ok(existsSync(join(outdir, 'stacks', 'homeagent', 'cdk.tf.json')));
});

t.test('without a config of its own, the CLI synthesizes the example and says so', async (t) => {
  t.setTimeout(180_000);
  if (existsSync(fileURLToPath(new URL('../homeagent.config.json', import.meta.url)))) {
    t.test('fallback to the example', { skip: 'this checkout has a homeagent.config.json' }, async () => {});
    return;
  }
  const env: Record<string, string> = { HOMEAGENT_OUTDIR: join(dir, 'example-out'), HOMEAGENT_BACKEND_FILE: join(dir, 'no-backend.json') };
  const run = spawnSync(process.execPath, [...process.execArgv.filter((a) => a.includes('typescript')), mainTs], {
    encoding: 'utf8',
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([k]) => k !== 'HOMEAGENT_CONFIG')),
    timeout: 90_000,
  });
  t.equal(run.status, 0, run.stderr);
  t.match(run.stderr, /synthesized the EXAMPLE config \(example\.com\): copy and edit it before any apply/);
  const doc = readSynthesized(join(dir, 'example-out', 'stacks', 'homeagent', 'cdk.tf.json'));
  t.equal((doc.output?.public_url as { value: string }).value, 'https://chat.example.com');
});

t.test('the CLI stops on a bad input with one line naming it and exit code 1', async (t) => {
  t.setTimeout(180_000);
  const config = join(dir, 'bad.config.json');
  writeFileSync(config, JSON.stringify({ ...BASE_INPUT, imageTags: { agent: 'latest', app: 'a', mercure: 'a' } }));
  const run = runMain([], { HOMEAGENT_CONFIG: config, HOMEAGENT_OUTDIR: join(dir, 'never') });
  t.equal(run.status, 1);
  t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
  t.match(run.stderr, /^error: bad\.config\.json: imageTags: "agent" must not be "latest"/);
  t.notOk(existsSync(join(dir, 'never')), 'nothing half-written');
  const unknown = runMain(['--yaml'], { HOMEAGENT_CONFIG: config });
  t.equal(unknown.status, 1);
  t.match(unknown.stderr, /unknown argument --yaml/);
});
