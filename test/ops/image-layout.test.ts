/**
 * Runs each service from the file layout its Dockerfile's final stage
 * describes, without Docker (this machine has no engine): the production
 * dependencies come from the deps stage's own `npm ci --omit=dev` command,
 * the build output from the workspace's dist/ (what the build stage makes),
 * and every other file from the final stage's COPY lines, into a folder
 * standing in for /app. Then the CMD must start the service, the HEALTHCHECK
 * command must report it healthy, and the run must write nothing into the
 * image's files. A COPY that is missing, a runtime import of a dev
 * dependency or a wrong CMD path fails here, as it would in the image.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import t from 'tap';
import { repoRoot } from './bats-report.js';
import { find, parseDockerfile, type Stage } from './dockerfile.js';

t.setTimeout(1_200_000); // three npm ci runs and three service starts

const KEY = 'k'.repeat(48);

/** Maps an absolute path inside a stage to the folder standing in for that stage's root. */
function inStage(stageRoot: string, path: string): string {
  return join(stageRoot, path);
}

/** The image paths COPY names: `--from=x` flags stripped; the last one is the destination. */
function copyArgs(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
  const paths = words.filter((w) => !w.startsWith('--'));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

function copyInto(src: string, dest: string, destIsDir: boolean): void {
  if (!existsSync(src)) throw new Error(`COPY source missing: ${src}`);
  const target = destIsDir ? join(dest, basename(src)) : dest;
  mkdirSync(destIsDir ? dest : join(target, '..'), { recursive: true });
  // Like COPY of a folder: its content goes to the destination.
  cpSync(src, statSync(src).isDirectory() ? dest : target, { recursive: true, verbatimSymlinks: true });
}

/**
 * Plays a stage's WORKDIR/COPY/RUN (after its base stage) into stageRoot.
 * Only the manifests and deps stages are played; the build stage is the
 * repository itself after `npm run build`.
 */
function playStage(stages: Stage[], stage: Stage, stageRoot: string, sourceOf: (from: string | undefined, p: string) => string): void {
  const base = stages.find((s) => s.name === stage.from);
  let workdir = '/';
  if (base) {
    playStage(stages, base, stageRoot, sourceOf);
    workdir = find(base, 'WORKDIR').at(-1)?.args ?? '/';
  }
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = args;
    if (keyword === 'COPY') {
      const { from, sources, dest } = copyArgs(args);
      const destPath = inStage(stageRoot, dest.startsWith('/') ? dest : join(workdir, dest));
      for (const s of sources) copyInto(sourceOf(from, s), destPath, dest.endsWith('/') || sources.length > 1);
    }
    if (keyword === 'RUN') {
      // --prefer-offline: the packages are in npm's cache since the repository's own npm ci.
      const r = spawnSync('sh', ['-c', `${args} --prefer-offline --loglevel=error`], { cwd: inStage(stageRoot, workdir), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`RUN ${args} failed: ${r.stderr}`);
    }
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isSymbolicLink())
    .map((e) => `${join(e.parentPath, e.name)}:${statSync(join(e.parentPath, e.name)).mtimeMs}`)
    .sort();
}

function waitForListening(child: ChildProcess, output: { text: string }): Promise<URL> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      for (const line of output.text.split('\n')) {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) { resolve(new URL(entry.url)); return; }
        } catch { /* not a JSON log line */ }
      }
    };
    child.stdout!.on('data', (c: Buffer) => { output.text += c.toString(); onData(); });
    child.stderr!.on('data', (c: Buffer) => { output.text += c.toString(); });
    child.on('exit', (code) => reject(new Error(`exited ${code} before listening:\n${output.text}`)));
  });
}

async function serviceEnv(ws: string, t: { teardown(fn: () => unknown): void }): Promise<Record<string, string>> {
  if (ws === 'mercure') return { MERCURE_PUBLISHER_JWT_KEY: KEY, MERCURE_SUBSCRIBER_JWT_KEY: KEY };
  if (ws === 'app') return { PUBLIC_URL: 'http://localhost:3000', AGENT_SERVICE_KEY: KEY, SESSION_SECRET: KEY, MERCURE_SUBSCRIBER_JWT_KEY: KEY };
  // The agent reads and writes its table at boot: give it dynalite.
  const { startDynamo } = await import('@homeagent/local/dynamodb');
  const dynamo = await startDynamo({ tableName: 'homeagent' });
  t.teardown(() => dynamo.close());
  return {
    PUBLIC_URL: 'http://localhost:3000', AGENT_SERVICE_KEY: KEY, MERCURE_PUBLISHER_JWT_KEY: KEY, TABLE_NAME: 'homeagent',
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  };
}

for (const ws of ['mercure', 'app', 'agent']) {
  t.test(`the ${ws} image's files run the service and pass its health check`, async (t) => {
    t.ok(existsSync(join(repoRoot, ws, 'dist/server.js')), `${ws}/dist is built (npm test builds first)`);
    const { stages } = parseDockerfile(readFileSync(join(repoRoot, ws, 'Dockerfile'), 'utf8'));
    const final = stages.at(-1)!;
    const root = mkdtempSync(join(tmpdir(), `image-${ws}-`));
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const stageRoots = new Map<string, string>();
    const sourceOf = (from: string | undefined, p: string): string => {
      if (from === undefined) return join(repoRoot, p);
      if (from === 'build') return join(repoRoot, p.replace(/^\/src\/?/, ''));
      return inStage(stageRoots.get(from)!, p);
    };
    for (const s of stages.slice(0, -1)) {
      if (s.name === 'build' || s.name === 'manifests') continue;
      const stageRoot = join(root, `stage-${s.name}`);
      playStage(stages, s, stageRoot, sourceOf);
      stageRoots.set(s.name!, stageRoot);
    }
    const imageRoot = join(root, 'image');
    playStage(stages, final, imageRoot, sourceOf);
    const workdir = inStage(imageRoot, find(final, 'WORKDIR').at(-1)!.args);
    if (ws === 'app') {
      // The app talks to the agent over HTTP only: its image holds the contract, not the agent or its AWS SDK.
      t.notOk(existsSync(join(workdir, 'agent')), 'no agent folder in the app image');
      t.notOk(existsSync(join(workdir, 'node_modules/@homeagent/agent')), 'no @homeagent/agent in node_modules');
      t.notOk(existsSync(join(workdir, 'node_modules/@aws-sdk')), 'no AWS SDK in the app image');
      t.ok(existsSync(join(workdir, 'contract/dist/contract.js')), 'the contract module is there');
    }

    const env: Record<string, string> = {};
    for (const e of find(final, 'ENV')) for (const [k, v] of e.args.split(/\s+/).map((kv) => kv.split('='))) env[k!] = v!;
    const home = join(root, 'home');
    mkdirSync(home);
    const before = listFiles(imageRoot);
    const cmd = JSON.parse(find(final, 'CMD').at(-1)!.args) as string[];
    t.equal(cmd[0], 'node');
    const child = spawn(process.execPath, cmd.slice(1), {
      cwd: workdir,
      env: { PATH: process.env.PATH ?? '', HOME: home, TMPDIR: home, ...env, ...(await serviceEnv(ws, t)), PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
    const output = { text: '' };
    const url = await waitForListening(child, output);
    t.pass(`${cmd.join(' ')} listens on ${url.host}`);

    const health = JSON.parse(/CMD (\[.*\])$/.exec(find(final, 'HEALTHCHECK').at(-1)!.args)![1]!) as string[];
    const script = inStage(imageRoot, health[1]!);
    const r = spawnSync(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', PORT: url.port }, encoding: 'utf8' });
    t.equal(r.status, 0, `HEALTHCHECK ${health.join(' ')} reports healthy`, { stderr: r.stderr });

    child.kill('SIGTERM');
    t.equal(await exited, 0, 'stops cleanly on SIGTERM', { output: output.text });
    t.same(listFiles(imageRoot), before, 'wrote nothing into the image files');
    t.same(readdirSync(home), [], 'wrote nothing into HOME or TMPDIR');
  });
}
