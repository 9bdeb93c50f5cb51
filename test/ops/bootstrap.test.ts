/**
 * bootstrap.sh, through its bats suite (bootstrap.bats) against the stub AWS
 * CLI in stubs/: each bats case is one assertion here.
 */
import t from 'tap';
import { runBats } from './bats-report.js';

t.setTimeout(1_200_000); // bats forks hundreds of processes; on a loaded 2-core machine that takes minutes

const report = await runBats('test/ops/bootstrap.bats');
t.ok(report.planned > 0, 'bats announced its cases', { stderr: report.stderr });
t.equal(report.cases.length, report.planned, 'every announced case ran');
for (const c of report.cases) t.ok(c.ok, c.name, { bats: c.diagnostic });
t.equal(report.exitCode, 0, 'bats exits 0', { stderr: report.stderr });
