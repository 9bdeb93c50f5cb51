/**
 * .github/dependabot.yml: one grouped pull request per week for each of the
 * npm workspaces, the pinned actions and the Dockerfiles' base image, with the
 * archived CDKTF packages left alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { repoRoot } from './bats-report.js';

interface Update {
  'package-ecosystem': string;
  directory: string;
  schedule: { interval: string };
  groups?: Record<string, { patterns: string[] }>;
  ignore?: { 'dependency-name': string; 'update-types'?: string[] }[];
}
const config = parse(readFileSync(join(repoRoot, '.github/dependabot.yml'), 'utf8')) as { version: number; updates: Update[] };
const byEcosystem = new Map(config.updates.map((u) => [u['package-ecosystem'], u]));

t.test('npm, GitHub Actions and the base image, each weekly as one grouped PR', async (t) => {
  t.equal(config.version, 2);
  t.same([...byEcosystem.keys()].sort(), ['docker', 'github-actions', 'npm']);
  for (const u of config.updates) {
    t.equal(u.schedule.interval, 'weekly', `${u['package-ecosystem']} weekly`);
    const groups = Object.values(u.groups ?? {});
    t.equal(groups.length, 1, `${u['package-ecosystem']} has one group`);
    t.same(groups[0]?.patterns, ['*'], 'that takes every update, so they arrive as one PR');
  }
});

t.test('npm covers the workspaces through the root lockfile and leaves CDKTF pinned', async (t) => {
  const npm = byEcosystem.get('npm')!;
  t.equal(npm.directory, '/');
  t.ok(existsSync(join(repoRoot, 'package-lock.json')));
  const ignored = (npm.ignore ?? []).map((i) => i['dependency-name']);
  for (const name of ['cdktf', '@cdktf/*']) t.ok(ignored.includes(name), `${name} is ignored`);
  const tf = JSON.parse(readFileSync(join(repoRoot, 'terraform/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const [name, version] of Object.entries(tf.dependencies).filter(([n]) => n === 'cdktf' || n.startsWith('@cdktf/'))) {
    t.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned exactly (${version}), so nothing but a person moves it`);
  }
  t.match(readFileSync(join(repoRoot, '.github/dependabot.yml'), 'utf8'), /CDKTF is archived upstream/, 'says why');
});

t.test('the docker entry watches the file that names the production base image', async (t) => {
  const docker = byEcosystem.get('docker')!;
  const tracker = join(repoRoot, docker.directory, 'Dockerfile');
  t.ok(existsSync(tracker), `${docker.directory}/Dockerfile exists`);
  t.match(readFileSync(tracker, 'utf8'), /^FROM node:\d+\.\d+\.\d+-alpine\d+\.\d+$/m, 'with the image in a FROM line Dependabot reads');
  t.ok(docker.ignore?.some((i) => i['dependency-name'] === 'node' && i['update-types']?.includes('version-update:semver-major')), 'a new Node major is a deliberate move, not a weekly PR');
});
