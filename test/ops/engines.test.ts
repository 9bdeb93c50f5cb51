/**
 * `engines` in every package.json says what we run on: the Node lines CI
 * tests (ci.yml's matrix), the production images' Node, and this machine's
 * Node 20.19+ for local development; never a line the AWS SDK dropped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { repoRoot } from './bats-report.js';

/** Our ranges are `||`-joined `^X.Y.Z` and `>=X[.Y[.Z]]` parts; that is all this reads. */
function accepts(range: string, version: string): boolean {
  const v = version.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => a.reduce((d, x, i) => d || x - (b[i] ?? 0), 0);
  return range.split('||').map((p) => p.trim()).some((part) => {
    const m = /^(\^|>=)(\d+(?:\.\d+){0,2})$/.exec(part);
    if (!m) throw new Error(`cannot read engines part '${part}'`);
    const floor = m[2]!.split('.').map(Number);
    return cmp(v, floor) >= 0 && (m[1] === '>=' || v[0] === floor[0]);
  });
}

const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[]; engines: { node: string } };
const packages = ['.', ...root.workspaces].map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as { engines?: { node?: string } } }));
const ci = parse(readFileSync(join(repoRoot, '.github/workflows/ci.yml'), 'utf8')) as { jobs: { test: { strategy: { matrix: { node: string[] } } } } };
const prodImage = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)/m.exec(readFileSync(join(repoRoot, 'agent/Dockerfile'), 'utf8'))?.[1] ?? '';

t.test('the range reader itself', async (t) => {
  t.ok(accepts('^20.19.0 || >=24', '20.19.0'));
  t.notOk(accepts('^20.19.0 || >=24', '20.18.9'));
  t.notOk(accepts('^20.19.0 || >=24', '22.0.0'));
  t.ok(accepts('^20.19.0 || >=24', '26.13.0'));
});

for (const { dir, pkg } of packages) {
  t.test(`${dir}/package.json engines`, async (t) => {
    const range = pkg.engines?.node ?? '';
    t.ok(range, 'declares engines.node');
    for (const major of ci.jobs.test.strategy.matrix.node) {
      t.ok(accepts(range, `${major}.${major === '22' ? 12 : 0}.0`), `accepts Node ${major}, which CI tests`);
    }
    t.ok(accepts(range, prodImage), `accepts the images' Node ${prodImage}`);
    t.ok(accepts(range, '20.19.0'), "accepts this machine's Node 20.19 for local development");
    t.notOk(accepts(range, '18.20.0'), 'not Node 18, which the AWS SDK dropped in January 2026');
  });
}
