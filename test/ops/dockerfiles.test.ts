/**
 * The three Dockerfiles, checked statically (this machine has no Docker
 * engine; CI builds them for real for linux/amd64 and linux/arm64): pinned
 * LTS Node 26+ base (the one Dependabot tracks), no `latest`, production-only
 * node_modules, non-root user, a CMD that runs the built dist/ entry, a health
 * check that exists in the image, and a build context that holds every file
 * the COPYs name.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { repoRoot } from './bats-report.js';
import { find, parseDockerfile } from './dockerfile.js';

const dockerignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

/** .dockerignore semantics for our patterns: last match wins, a match on a parent folder counts. */
function inBuildContext(path: string): boolean {
  let included = true;
  for (const raw of dockerignore) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(`^${pattern.split('**').map((p) => p.split('*').map((q) => q.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}(/.*)?$`);
    if (re.test(path)) included = negate;
  }
  return included;
}

function filesUnder(path: string): string[] {
  const abs = join(repoRoot, path);
  if (!statSync(abs).isDirectory()) return [path];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(repoRoot, join(e.parentPath, e.name)))
    // What a build needs from a workspace folder: its sources, public files, package.json and tsconfig.json.
    .filter((p) => /^[^/]+\/(src|public)\//.test(p) || /^[^/]+\/(package|tsconfig)\.json$/.test(p));
}

// Dependabot updates this FROM line (it cannot update an ARG); the three
// Dockerfiles must follow it.
const trackedBase = /^FROM (\S+)$/m.exec(readFileSync(join(repoRoot, '.github/base-image/Dockerfile'), 'utf8'))?.[1];

const rootPackage = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
const services = { agent: 8000, app: 8080, mercure: 3701 } as const;

for (const [ws, port] of Object.entries(services)) {
  t.test(`${ws}/Dockerfile`, async (t) => {
    const text = readFileSync(join(repoRoot, ws, 'Dockerfile'), 'utf8');
    const { args, stages } = parseDockerfile(text);
    const final = stages.at(-1)!;
    const stageNames = new Set(stages.map((s) => s.name).filter(Boolean));

    t.notMatch(text, /:latest\b/, 'never uses a latest tag');
    const base = args.get('NODE_IMAGE') ?? '';
    const pinned = /^node:(\d+)\.\d+\.\d+-(alpine\d+\.\d+|bookworm-slim|trixie-slim)$/.exec(base);
    t.ok(pinned, `base image pinned to a full version tag (${base})`);
    // Node 26 is the newest LTS line (26.13.0 'Lithium', 2026-10-28) and the
    // AWS SDK for JS v3 supports every LTS line (AWS developer blog, "AWS SDK
    // for JavaScript aligns with Node.js release schedule"); odd majors are
    // never LTS under the schedule 26 was released on.
    t.ok(Number(pinned?.[1]) >= 26 && Number(pinned?.[1]) % 2 === 0, `an LTS line, Node 26 or newer (${pinned?.[1]})`);
    t.equal(base, trackedBase, 'the same image .github/base-image/Dockerfile names for Dependabot');
    for (const s of stages) {
      t.ok(s.from === '${NODE_IMAGE}' || stageNames.has(s.from), `FROM ${s.from} is the pinned base or an earlier stage`);
    }
    t.ok(stages.length >= 3, 'multi-stage: build, production deps, runtime');

    const users = find(final, 'USER');
    t.ok(users.length > 0, 'the final stage sets a USER');
    t.notMatch(users.at(-1)?.args ?? 'root', /^(root|0)(:|$)/, 'and it is not root');

    // node_modules in the final image come from a stage that ran npm ci --omit=dev for this workspace.
    const nodeModulesCopy = find(final, 'COPY').find((c) => /\bnode_modules\b/.test(c.args));
    const depsStage = stages.find((s) => s.name === /--from=(\S+)/.exec(nodeModulesCopy?.args ?? '')?.[1]);
    const npmCi = depsStage ? find(depsStage, 'RUN').map((r) => r.args).join('\n') : '';
    t.match(npmCi, /npm ci\b.*--omit=dev/, 'production node_modules come from npm ci --omit=dev');
    t.match(npmCi, new RegExp(`--workspace @homeagent/${ws}\\b`), 'installed for this workspace only');
    t.notMatch(find(final, 'RUN').map((r) => r.args).join('\n'), /npm (ci|install)(?!.*--omit=dev)/, 'no dev install in the final stage');

    t.same(JSON.parse(find(final, 'CMD').at(-1)?.args ?? 'null'), ['node', `${ws}/dist/server.js`], 'CMD runs the built dist entry with node');
    t.equal(find(final, 'WORKDIR').at(-1)?.args, '/app');
    t.ok(find(final, 'COPY').some((c) => new RegExp(`--from=\\S+ /src/${ws}/dist ${ws}/dist$`).test(c.args)), `${ws}/dist is copied from the build stage`);
    t.ok(find(stages.find((s) => s.name === 'build')!, 'RUN').some((r) => r.args.includes(`npm run build --workspace @homeagent/${ws}`)), 'the build stage compiles the workspace');

    const health = find(final, 'HEALTHCHECK').at(-1)?.args ?? '';
    t.match(health, /CMD \["node", "\/app\/scripts\/healthcheck\.mjs"\]$/, 'health check runs node on the shipped script');
    t.ok(find(final, 'COPY').some((c) => c.args === 'scripts/healthcheck.mjs scripts/'), 'and the script is in the image');
    t.ok(find(final, 'EXPOSE').some((e) => e.args === String(port)), `exposes ${port}`);
    t.ok(find(final, 'ENV').some((e) => e.args.includes(`PORT=${port}`)), `PORT=${port}, which the health check reads`);
    t.notMatch(text, /^\s*ADD\s/m, 'no ADD (no remote downloads, no archive magic)');
    t.notMatch(text, /^\s*(ENV|ARG)\s+\S*(SECRET|KEY|TOKEN|PASSWORD)/im, 'no secrets baked in');

    const manifests = stages.find((s) => s.name === 'manifests')!;
    for (const w of rootPackage.workspaces) {
      t.ok(find(manifests, 'COPY').some((c) => c.args === `${w}/package.json ${w}/`), `npm ci sees workspace ${w}`);
    }
    for (const s of stages) {
      for (const c of find(s, 'COPY').filter((c) => !c.args.startsWith('--from'))) {
        for (const src of c.args.split(/\s+/).slice(0, -1)) {
          t.ok(existsSync(join(repoRoot, src)), `COPY source ${src} exists`);
          if (!existsSync(join(repoRoot, src))) continue;
          const missing = filesUnder(src.replace(/\/$/, '')).filter((f) => !inBuildContext(f));
          t.same(missing, [], `${src} is in the build context (.dockerignore)`);
        }
      }
    }
  });
}

t.test('the app image carries the contract workspace and htmx, and nothing of the agent', async (t) => {
  const { stages } = parseDockerfile(readFileSync(join(repoRoot, 'app/Dockerfile'), 'utf8'));
  const copies = find(stages.at(-1)!, 'COPY').map((c) => c.args);
  t.ok(copies.some((c) => c.includes('/src/contract/dist') && c.endsWith('contract/dist')), 'contract/dist');
  t.ok(copies.some((c) => c.endsWith(' contract/') && c.includes('contract/package.json')), 'contract/package.json (its exports map)');
  t.notOk(copies.some((c) => /\bagent\//.test(c)), 'no COPY of agent files');
  t.ok(copies.some((c) => c.endsWith(' app/public')), 'app/public');
  const app = JSON.parse(readFileSync(join(repoRoot, 'app/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  t.ok(app.dependencies['htmx.org'], 'htmx.org is a production dependency, so npm ci --omit=dev installs it');
});

t.test('.dockerignore keeps secrets, state and build output out of the context', async (t) => {
  for (const p of ['.data/secrets.json', '.git/config', 'node_modules/x/index.js', 'agent/dist/server.js', 'agent/test/app.test.ts', 'terraform/backend.json', 'terraform/cdktf.out/x.json', '.env']) {
    t.notOk(inBuildContext(p), `${p} is excluded`);
  }
  for (const p of ['package-lock.json', 'agent/src/server.ts', 'app/public/app.css', 'scripts/healthcheck.mjs']) {
    t.ok(inBuildContext(p), `${p} is included`);
  }
});

// The final images install only `dependencies`: every package a service
// imports at run time must be there, not in devDependencies.
for (const ws of Object.keys(services)) {
  t.test(`${ws} imports at run time only its production dependencies`, async (t) => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, ws, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    const sources = readdirSync(join(repoRoot, ws, 'src'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
      .map((e) => join(e.parentPath, e.name));
    t.ok(sources.length > 0, 'has sources');
    const imports = new Set<string>();
    for (const file of sources) {
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/gm)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? '';
        if (spec.startsWith('.') || spec.startsWith('node:')) continue;
        imports.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    for (const name of imports) t.ok(deps.has(name), `${name} is in ${ws}'s dependencies`);
  });
}
