/**
 * Every action the workflows pin runs on a Node runtime GitHub's hosted
 * runners still offer (table and retired list: .github/action-runtimes.json).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadTable, readPins, runtimeProblems } from './action-runtime.js';
import { repoRoot } from './bats-report.js';

const table = loadTable();
const workflowDir = join(repoRoot, '.github/workflows');
const workflowPins = readdirSync(workflowDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .flatMap((f) => readPins(readFileSync(join(workflowDir, f), 'utf8'), `.github/workflows/${f}`));

t.test('the retired runtimes are listed once, with where that comes from', async (t) => {
  t.ok(table.retiredRuntimes.runtimes.includes('node20'), 'node20 is retired (removed from the runners 2026-09-16)');
  t.ok(table.retiredRuntimes.source.some((s) => s.includes('github.blog/changelog/2025-09-19-deprecation-of-node-20')), 'cites the GitHub changelog');
  for (const [ref, row] of Object.entries(table.actions)) {
    t.match(ref, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${ref} is keyed by full SHA`);
    t.ok(row.source.length > 20, `${ref} says where its runtime comes from`);
  }
});

t.test('every pinned action in the workflows is known and runs on a live runtime', async (t) => {
  t.ok(workflowPins.length >= 8, `found the pins (${workflowPins.length})`);
  t.same(runtimeProblems(workflowPins, table), []);
});

t.test('the check rejects the pins the workflows had before the Node 24 bump', async (t) => {
  const old = readPins(readFileSync(join(repoRoot, 'test/ops/fixtures/pins-2026-11.txt'), 'utf8'), 'pins-2026-11.txt');
  t.equal(old.length, 6);
  const problems = runtimeProblems(old, table);
  t.equal(problems.length, 6, 'one problem per old pin');
  for (const name of ['actions/checkout', 'actions/setup-node', 'hashicorp/setup-terraform', 'aws-actions/configure-aws-credentials', 'docker/setup-qemu-action', 'docker/setup-buildx-action']) {
    t.ok(problems.some((p) => p.includes(`${name}@`) && p.includes('runs on node20')), `${name} is rejected for node20`);
  }
});

t.test('an action missing from the table fails, so a bump cannot skip the runtime check', async (t) => {
  const pins = readPins('      - uses: actions/cache@0400d5f644dc74513175e3cd8d07132dd4860809 # v4.2.4\n      - uses: ./.github/actions/local\n', 'x.yml');
  t.equal(pins.length, 1, 'local actions are skipped');
  t.match(runtimeProblems(pins, table), [/x\.yml:1: actions\/cache@0400d5f\S+ is not in \.github\/action-runtimes\.json/]);
});

t.test('a version comment that disagrees with the table fails', async (t) => {
  const pins = readPins('- uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.0\n', 'y.yml');
  t.match(runtimeProblems(pins, table), [/is v7\.0\.1 in the table but the comment says v7\.0\.0/]);
});

t.test('a composite action whose own steps run on a retired runtime fails', async (t) => {
  const fake = { ...table, actions: { [`acme/scan@${'a'.repeat(40)}`]: { version: 'v1.0.0', using: 'composite', source: 'test row for a composite action', nested: [{ uses: 'actions/cache@v4.2.4', using: 'node20' }] } } };
  const pins = readPins(`- uses: acme/scan@${'a'.repeat(40)} # v1.0.0\n`, 'z.yml');
  t.match(runtimeProblems(pins, fake), [/runs actions\/cache@v4\.2\.4 on node20/]);
});
