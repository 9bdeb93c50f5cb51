/**
 * The GitHub workflows: valid for GitHub (@action-validator/cli), third-party
 * actions pinned by commit SHA, and the deploy workflow shaped so it cannot
 * quietly go wrong (OIDC only, protected environment, no overlapping runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { repoRoot } from './bats-report.js';

t.setTimeout(300_000);

const workflowDir = join(repoRoot, '.github/workflows');
const workflows = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));
const validator = join(repoRoot, 'node_modules/.bin/action-validator');

interface Step { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { steps: Step[]; environment?: unknown; container?: unknown; strategy?: { matrix?: Record<string, unknown> } }
interface Workflow { on: Record<string, unknown>; permissions?: Record<string, string>; concurrency?: { group: string; 'cancel-in-progress'?: boolean }; jobs: Record<string, Job> }

const load = (name: string) => parse(readFileSync(join(workflowDir, name), 'utf8')) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const validate = (file: string) => spawnSync(validator, [file], { encoding: 'utf8' });

t.test('the validator rejects a broken workflow (so passing means something)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, 'name: bad\non: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz:\n      - run: echo\n');
  t.not(validate(bad).status, 0);
});

t.test('every workflow passes action-validator', async (t) => {
  t.ok(workflows.includes('ci.yml') && workflows.includes('deploy.yml'), 'ci.yml and deploy.yml exist');
  for (const name of workflows) {
    const r = validate(join(workflowDir, name));
    t.equal(r.status, 0, `${name} is valid`, { output: r.stdout + r.stderr });
  }
});

t.test('third-party actions are pinned by full commit SHA with the version beside it', async (t) => {
  for (const name of workflows) {
    const text = readFileSync(join(workflowDir, name), 'utf8');
    for (const m of text.matchAll(/uses:\s*(\S+)(.*)$/gm)) {
      const [, ref = '', rest = ''] = m;
      if (ref.startsWith('./')) continue;
      t.match(ref, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${name}: ${ref} is pinned by SHA`);
      t.match(rest, /#\s*v\d+\.\d+\.\d+/, `${name}: ${ref.split('@')[0]} names its version`);
    }
  }
});

t.test('ci.yml tests, synthesizes, checks scripts and builds the three images for both architectures', async (t) => {
  const ci = load('ci.yml');
  t.ok('pull_request' in ci.on && 'push' in ci.on, 'runs on pull requests and pushes');
  t.same(ci.permissions, { contents: 'read' }, 'read-only token');
  const runs = steps(ci).map((s) => s.run ?? '').join('\n');
  t.match(runs, /\bnpm ci\b/);
  t.match(runs, /\bnpm test\b/);
  t.match(runs, /apt-get install[^\n]*\bchromium\b/, 'installs Chromium');
  t.match(runs, /apt-get install[^\n]*\bjq\b/, 'installs jq for deploy.sh');
  t.match(runs, /\bnpm run synth\b/);
  t.match(runs, /\bshellcheck bootstrap\.sh deploy\.sh\b/);
  const images = ci.jobs.images!;
  t.same(images.strategy?.matrix?.image, ['agent', 'app', 'mercure']);
  const build = images.steps.map((s) => s.run ?? '').join('\n');
  t.match(build, /docker buildx build --platform linux\/amd64,linux\/arm64 -f "\$\{\{ matrix\.image \}\}\/Dockerfile" \./);
  t.notMatch(build, /--push\b/, 'never pushes');
  t.notMatch(readFileSync(join(workflowDir, 'ci.yml'), 'utf8'), /secrets\.|id-token/, 'no secrets, no AWS session');
});

t.test('deploy.yml assumes the deploy role through OIDC and runs deploy.sh, one run at a time', async (t) => {
  const deploy = load('deploy.yml');
  t.same(Object.keys(deploy.on).sort(), ['push', 'workflow_dispatch']);
  t.same(deploy.on.push, { branches: ['main'] });
  t.same(deploy.permissions, { 'id-token': 'write', contents: 'read' });
  t.equal(deploy.concurrency?.['cancel-in-progress'], false, 'a running deploy is never cancelled');
  t.ok(deploy.concurrency?.group, 'one concurrency group');
  const job = Object.values(deploy.jobs)[0]!;
  t.match(job.environment, { name: 'production' }, 'runs in a protected environment');
  const creds = job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
  t.ok(creds, 'configures AWS credentials');
  t.equal(creds?.with?.['role-to-assume'], '${{ vars.AWS_DEPLOY_ROLE_ARN }}', 'role ARN from a repository variable');
  t.equal(creds?.with?.['aws-region'], '${{ vars.AWS_REGION }}', 'region from a repository variable');
  t.notOk(creds?.with?.['aws-access-key-id'], 'no stored access keys');
  const credsAt = job.steps.indexOf(creds!);
  const deployAt = job.steps.findIndex((s) => /\.\/deploy\.sh\b/.test(s.run ?? ''));
  t.ok(deployAt > credsAt, 'then runs ./deploy.sh');
  t.notMatch(job.steps[deployAt]?.run ?? '', /\$\{\{/, 'no expressions spliced into the shell');
  for (const flag of ['--region', '--cluster', '--service', '--arch', '--repo-agent', '--repo-app', '--repo-mercure']) {
    t.match(job.steps[deployAt]?.run ?? '', new RegExp(`${flag} "\\$`), `passes ${flag}`);
  }
  t.notMatch(readFileSync(join(workflowDir, 'deploy.yml'), 'utf8'), /secrets\./, 'no stored secrets');
});
