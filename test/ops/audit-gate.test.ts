/**
 * scripts/audit-gate.mjs, the gate after `npm audit --json` and the Trivy
 * image scan, on fixture reports (this machine cannot reach the advisory
 * database, and a test must not depend on what it says today): findings at or
 * above the level fail unless audit-allowlist.json accepts them with a reason
 * and an unexpired date; expired or sloppy entries fail on their own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { repoRoot } from './bats-report.js';

const script = join(repoRoot, 'scripts/audit-gate.mjs');
const fixture = (name: string) => join(repoRoot, 'test/ops/fixtures/audit', name);
const today = '2026-12-01';

interface Entry { id?: string; scope?: string; reason?: string; expires?: string }

function gate(t: Test, args: string[], accepted: Entry[] = [], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'audit-gate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const allowlist = join(dir, 'allowlist.json');
  writeFileSync(allowlist, JSON.stringify({ accepted }));
  const r = spawnSync(process.execPath, [script, ...args, '--allowlist', allowlist, '--today', today], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const reason = 'only reachable through the XML parser of an SDK path we never call';

t.test('a clean npm report passes', async (t) => {
  const r = gate(t, ['npm', fixture('npm-clean.json')]);
  t.equal(r.code, 0, r.out + r.err);
  t.match(r.out, /audit-gate: pass/);
});

t.test('high and critical npm advisories fail, moderate does not, and transitive names are not double-counted', async (t) => {
  const r = gate(t, ['npm', fixture('npm-findings.json')]);
  t.equal(r.code, 1);
  t.match(r.out, /FAIL GHSA-aaaa-bbbb-cccc \(critical\) in fast-xml-parser/);
  t.match(r.out, /FAIL GHSA-dddd-eeee-ffff \(high\) in undici/);
  t.notMatch(r.out, /GHSA-gggg-hhhh-jjjj/, 'the moderate one is below the level');
  t.match(r.out, /2 problem\(s\)/);
});

t.test('--level critical lets the high one through', async (t) => {
  const r = gate(t, ['npm', fixture('npm-findings.json'), '--level', 'critical']);
  t.equal(r.code, 1);
  t.notMatch(r.out, /GHSA-dddd/);
  t.match(r.out, /1 problem\(s\)/);
});

t.test('accepting every blocking advisory with a reason and a future expiry passes, and says so', async (t) => {
  const r = gate(t, ['npm', fixture('npm-findings.json')], [
    { id: 'GHSA-aaaa-bbbb-cccc', scope: 'npm', reason, expires: '2027-01-15' },
    { id: 'GHSA-dddd-eeee-ffff', scope: 'npm', reason: 'undici here only talks to our own agent on 127.0.0.1', expires: '2026-12-01' },
  ]);
  t.equal(r.code, 0, r.out);
  t.match(r.out, /accepted GHSA-aaaa-bbbb-cccc \(critical, fast-xml-parser\) until 2027-01-15: only reachable/);
  t.match(r.out, /accepted GHSA-dddd-eeee-ffff/, 'an entry is good through its expiry day');
});

t.test('an expired entry fails even though it names the finding', async (t) => {
  const r = gate(t, ['npm', fixture('npm-findings.json')], [
    { id: 'GHSA-aaaa-bbbb-cccc', scope: 'npm', reason, expires: '2026-11-30' },
    { id: 'GHSA-dddd-eeee-ffff', scope: 'npm', reason, expires: '2027-01-15' },
  ]);
  t.equal(r.code, 1);
  t.match(r.out, /ALLOWLIST .*GHSA-aaaa-bbbb-cccc.*expired on 2026-11-30/);
  t.notMatch(r.out, /accepted GHSA-aaaa/);
});

t.test('an expired entry fails even when nothing is reported, so stale acceptances get cleaned up', async (t) => {
  const r = gate(t, ['npm', fixture('npm-clean.json')], [{ id: 'CVE-2026-10001', scope: 'image', reason, expires: '2026-10-01' }]);
  t.equal(r.code, 1);
  t.match(r.out, /expired on 2026-10-01/);
});

t.test('entries without a reason, with a bad date, a far expiry or an unknown scope are rejected', async (t) => {
  const r = gate(t, ['npm', fixture('npm-clean.json')], [
    { id: 'GHSA-aaaa-bbbb-cccc', scope: 'npm', reason: 'ok', expires: '2027-01-15' },
    { id: 'GHSA-dddd-eeee-ffff', scope: 'npm', reason, expires: '2027-02-31' },
    { id: 'GHSA-gggg-hhhh-jjjj', scope: 'npm', reason, expires: '2027-12-31' },
    { id: 'CVE-2026-10001', scope: 'os', reason, expires: '2027-01-15' },
    { id: 'not-an-id', scope: 'npm', reason, expires: '2027-01-15' },
  ]);
  t.equal(r.code, 1);
  t.match(r.out, /GHSA-aaaa-bbbb-cccc\): "reason" must say why/);
  t.match(r.out, /GHSA-dddd-eeee-ffff\): "expires" must be a date/);
  t.match(r.out, /GHSA-gggg-hhhh-jjjj\): expires 2027-12-31, more than 90 days ahead/);
  t.match(r.out, /CVE-2026-10001\): "scope" must be "npm" or "image"/);
  t.match(r.out, /not-an-id\): "id" must be a GHSA or CVE id/);
});

t.test('an npm acceptance does not cover the image, and the other way round', async (t) => {
  const r = gate(t, ['trivy', fixture('trivy-findings.json')], [{ id: 'CVE-2026-10001', scope: 'npm', reason, expires: '2027-01-15' }]);
  t.equal(r.code, 1);
  t.match(r.out, /FAIL CVE-2026-10001/);
});

t.test('a critical image finding fails and names every package it is in; high does not block an image', async (t) => {
  const r = gate(t, ['trivy', fixture('trivy-findings.json')]);
  t.equal(r.code, 1);
  t.match(r.out, /FAIL CVE-2026-10001 \(critical\) in libcrypto3@3\.5\.1-r0 \(fixed in 3\.5\.2-r0\), libssl3@3\.5\.1-r0/);
  t.notMatch(r.out, /FAIL CVE-2026-10002/);
  const accepted = gate(t, ['trivy', fixture('trivy-findings.json')], [{ id: 'CVE-2026-10001', scope: 'image', reason: 'X.509 name checks never see untrusted certificates here', expires: '2026-12-31' }]);
  t.equal(accepted.code, 0, accepted.out);
  t.equal(gate(t, ['trivy', fixture('trivy-clean.json')]).code, 0);
});

t.test('an accepted advisory that is no longer reported is pointed out', async (t) => {
  const r = gate(t, ['trivy', fixture('trivy-clean.json')], [{ id: 'CVE-2026-10001', scope: 'image', reason, expires: '2026-12-31' }]);
  t.equal(r.code, 0);
  t.match(r.out, /note: CVE-2026-10001 is accepted but no longer reported/);
});

t.test('a report that is not an audit (advisory database unreachable, wrong file) fails with exit 2 and says why', async (t) => {
  const down = gate(t, ['npm', fixture('npm-unreachable.json')]);
  t.equal(down.code, 2);
  t.match(down.err, /npm audit gave no report \(405 Method Not Allowed.*\); the advisory database must be reachable/);
  const wrong = gate(t, ['trivy', fixture('npm-clean.json')]);
  t.equal(wrong.code, 2);
  t.match(wrong.err, /has no "Results"/);
  t.equal(gate(t, ['pip', fixture('npm-clean.json')]).code, 2, 'unknown report kind');
});

t.test('the verdict goes to the job summary when GitHub provides one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-summary-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const summary = join(dir, 'summary.md');
  gate(t, ['trivy', fixture('trivy-findings.json')], [], { GITHUB_STEP_SUMMARY: summary });
  t.match(readFileSync(summary, 'utf8'), /FAIL CVE-2026-10001/);
});

t.test("the repository's own allowlist is valid today", async (t) => {
  const r = spawnSync(process.execPath, [script, 'npm', fixture('npm-clean.json')], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stdout + r.stderr);
});
