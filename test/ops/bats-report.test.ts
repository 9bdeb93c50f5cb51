/**
 * The bats TAP reader: a failing case must come out as a failure with its
 * diagnostic, or the wrappers could pass while bats fails.
 */
import t from 'tap';
import { parseBatsTap } from './bats-report.js';

t.test('reads the plan, each case and the diagnostics of a failure', async (t) => {
  const tap = [
    '1..3',
    'ok 1 creates the bucket',
    'not ok 2 refuses a dirty tree',
    "# (in test file test/ops/deploy.bats, line 9)",
    "#   `[ \"$status\" -ne 0 ]' failed",
    'ok 3 # skip needs docker',
    '',
  ].join('\n');
  const report = parseBatsTap(tap);
  t.equal(report.planned, 3);
  t.same(report.cases.map((c) => [c.ok, c.name]), [
    [true, 'creates the bucket'],
    [false, 'refuses a dirty tree'],
    [true, '# skip needs docker'],
  ]);
  t.match(report.cases[1]!.diagnostic, /line 9/);
  t.equal(report.cases[0]!.diagnostic, '');
});

t.test('without a plan line the report says so', async (t) => {
  t.equal(parseBatsTap('bats: command not found\n').planned, -1);
});
