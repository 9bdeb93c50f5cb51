// Counts the tests in a TAP stream (node-tap's nested format) and prints
// "N passed, N failed". A test is a subtest with no subtests of its own; a
// subtest that failed while none of its children did (a crash, a timeout, an
// error outside any child) counts as one failure more.
import { readFileSync } from 'node:fs';

const lines = readFileSync(process.argv[2] ?? 0, 'utf8').split('\n');
const stack = [];
let passed = 0;
let failed = 0;
for (const line of lines) {
  const subtest = /^(\s*)# Subtest: /.exec(line);
  if (subtest) {
    if (stack.length) stack[stack.length - 1].hasChild = true;
    stack.push({ indent: subtest[1].length, hasChild: false, childFailed: false });
    continue;
  }
  const point = /^(\s*)(not )?ok \d+/.exec(line);
  if (!point || !stack.length || stack[stack.length - 1].indent !== point[1].length) continue;
  if (/# SKIP|# TODO/i.test(line)) { stack.pop(); continue; }
  const frame = stack.pop();
  const ok = !point[2];
  if (!frame.hasChild) {
    if (ok) passed++;
    else failed++;
  } else if (!ok && !frame.childFailed) {
    failed++;
  }
  if (!ok && stack.length) stack[stack.length - 1].childFailed = true;
}
const exitCode = Number(process.argv[3] ?? 0);
if (exitCode !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
