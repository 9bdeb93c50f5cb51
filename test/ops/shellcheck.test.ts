/**
 * ShellCheck is clean on every shell script we ship or test with: the
 * operator scripts, the stubs and the bats suites.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './bats-report.js';

t.setTimeout(300_000);

function shellScripts(): string[] {
  const top = readdirSync(repoRoot).filter((f) => f.endsWith('.sh'));
  const scripts = readdirSync(join(repoRoot, 'scripts')).filter((f) => f.endsWith('.sh')).map((f) => `scripts/${f}`);
  const stubs = readdirSync(join(repoRoot, 'test/ops/stubs'), { withFileTypes: true })
    .filter((e) => e.isFile() && /^#!.*\bbash\b|shellcheck shell=bash/m.test(readFileSync(join(repoRoot, 'test/ops/stubs', e.name), 'utf8').slice(0, 400)))
    .map((e) => `test/ops/stubs/${e.name}`);
  const bats = readdirSync(join(repoRoot, 'test/ops')).filter((f) => f.endsWith('.bats')).map((f) => `test/ops/${f}`);
  return [...top, ...scripts, ...stubs, ...bats];
}

function shellcheck(files: string[], cwd = repoRoot) {
  const r = spawnSync('shellcheck', ['--format=gcc', ...files], { cwd, encoding: 'utf8' });
  if (r.error) throw new Error('cannot run shellcheck: install it (Debian package "shellcheck")', { cause: r.error });
  return r;
}

t.test('the checker finds a real problem (so a clean result means something)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'shellcheck-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.sh'), '#!/usr/bin/env bash\nrm -rf $1/*\n');
  const r = shellcheck(['bad.sh'], dir);
  t.not(r.status, 0);
  t.match(r.stdout, /SC2086/);
});

t.test('every script is clean', async (t) => {
  const files = shellScripts();
  for (const f of ['bootstrap.sh', 'deploy.sh', 'test/ops/stubs/docker', 'test/ops/bootstrap.bats', 'test/ops/deploy.bats']) {
    t.ok(files.includes(f), `${f} is checked`);
  }
  for (const file of files) {
    const r = shellcheck([file]);
    t.equal(r.status, 0, `${file} is ShellCheck clean`, { findings: r.stdout });
  }
});
