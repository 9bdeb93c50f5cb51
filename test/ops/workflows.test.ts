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

interface Step { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { steps: Step[]; needs?: string | string[]; permissions?: Record<string, string>; environment?: unknown; container?: unknown; strategy?: { matrix?: Record<string, unknown> } }
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
  t.match(ci.jobs.test?.container, /^node:\$\{\{ matrix\.node \}\}-bookworm$/, 'tests run in a Node container per matrix entry');
  const nodes = ci.jobs.test?.strategy?.matrix?.node as string[];
  t.ok(nodes.includes('22') && nodes.includes('24'), `the suite runs on Node 22 and 24 (${nodes.join(', ')})`);
  const prodMajor = /^node:(\d+)\./.exec(readFileSync(join(repoRoot, 'agent/Dockerfile'), 'utf8').match(/^ARG NODE_IMAGE=(\S+)/m)?.[1] ?? '')?.[1];
  t.ok(prodMajor && nodes.includes(prodMajor), `and on the production images' Node ${prodMajor ?? '(none found)'}`);
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
  t.same(deploy.permissions, { contents: 'read' }, 'read-only token for every job by default');
  t.equal(deploy.concurrency?.['cancel-in-progress'], false, 'a running deploy is never cancelled');
  t.ok(deploy.concurrency?.group, 'one concurrency group');
  const job = deploy.jobs.deploy!;
  t.same(job.permissions, { 'id-token': 'write', contents: 'read' }, 'only the deploy job may ask for an OIDC token');
  for (const [name, other] of Object.entries(deploy.jobs).filter(([n]) => n !== 'deploy')) {
    t.notOk(other.permissions?.['id-token'], `${name} gets no OIDC token`);
    t.notOk(other.steps.some((s) => s.uses?.startsWith('aws-actions/')), `${name} has no AWS credentials`);
  }
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

// The supply-chain gates, read off the workflow as GitHub would schedule it
// (no `act` here): both run with no AWS access, and nothing is pushed until
// both have passed.
const pushes = (s: Step) => /\.\/deploy\.sh\b|docker push|--push\b|ecr get-login/.test(s.run ?? '') || /build-push-action|login-action/.test(s.uses ?? '');
const needsOf = (j: Job) => [j.needs ?? []].flat();

t.test('deploy.yml audits the production dependencies and scans every image before anything is pushed', async (t) => {
  const deploy = load('deploy.yml');
  const { audit, scan, deploy: job } = deploy.jobs;
  t.ok(audit && scan && job, 'audit, scan and deploy jobs');
  t.same(needsOf(job!).sort(), ['audit', 'scan'], 'the deploy job needs both gates');
  for (const [name, j] of Object.entries(deploy.jobs)) {
    if (name !== 'deploy') t.notOk(j.steps.some(pushes), `${name} pushes nothing`);
  }
  const pushers = Object.entries(deploy.jobs).filter(([, j]) => j.steps.some(pushes)).map(([n]) => n);
  t.same(pushers, ['deploy'], 'only the deploy job pushes');
  // Every job that pushes must (transitively) wait for both gates.
  const upstream = (name: string): string[] => needsOf(deploy.jobs[name]!).flatMap((n) => [n, ...upstream(n)]);
  for (const name of pushers) t.ok(['audit', 'scan'].every((g) => upstream(name).includes(g)), `${name} runs after audit and scan`);

  const auditRun = audit!.steps.map((s) => s.run ?? '').join('\n');
  t.match(auditRun, /npm audit --omit=dev --audit-level=high --json > npm-audit\.json/, 'audits the production tree');
  t.match(auditRun, /node scripts\/audit-gate\.mjs npm npm-audit\.json/, 'and the gate judges it');

  t.same(scan!.strategy?.matrix?.image, ['agent', 'app', 'mercure'], 'scans each of the three images');
  const order = (pred: (s: Step) => boolean) => scan!.steps.findIndex(pred);
  const build = order((s) => /docker buildx build\b.*--load/s.test(s.run ?? ''));
  const sbom = order((s) => !!s.uses?.startsWith('aquasecurity/trivy-action@') && s.with?.format === 'cyclonedx');
  const vulns = order((s) => !!s.uses?.startsWith('aquasecurity/trivy-action@') && s.with?.format === 'json');
  const upload = order((s) => !!s.uses?.startsWith('actions/upload-artifact@'));
  const gateAt = order((s) => /node scripts\/audit-gate\.mjs trivy "reports\/trivy-\$IMAGE\.json"/.test(s.run ?? ''));
  t.ok(build >= 0 && build < sbom && sbom < vulns && vulns < upload && upload < gateAt, `build, SBOM, scan, attach, gate in that order (${[build, sbom, vulns, upload, gateAt].join(',')})`);
  t.match(scan!.steps[build]!.run, /--platform "\$platform" --provenance=false/, "builds for the task's architecture like deploy.sh");
  t.equal(scan!.steps[sbom]!.with?.output, 'reports/sbom-${{ matrix.image }}.cdx.json');
  t.equal(scan!.steps[vulns]!.with?.['exit-code'], '0', 'Trivy reports; the gate (with the allowlist) decides');
  t.equal(scan!.steps[upload]!.if, 'always()', 'the SBOM and report are attached even when the gate fails');
  t.equal(scan!.steps[upload]!.with?.path, 'reports/');
  t.notOk(scan!.steps[gateAt]!.if, 'the gate always runs');
});

t.test('ci.yml judges every pull request with the same audit and a scan of each image', async (t) => {
  const ci = load('ci.yml');
  t.match(ci.jobs.audit?.steps.map((s) => s.run ?? '').join('\n'), /npm audit --omit=dev --audit-level=high --json > npm-audit\.json \|\| true\n\s*node scripts\/audit-gate\.mjs npm npm-audit\.json/);
  const images = ci.jobs.images!.steps;
  const scanAt = images.findIndex((s) => !!s.uses?.startsWith('aquasecurity/trivy-action@'));
  t.ok(scanAt > 0, 'scans the built image');
  t.match(images[scanAt + 1]?.run, /node scripts\/audit-gate\.mjs trivy/, 'and gates on it');
});
