#!/usr/bin/env node
// The gate CI puts after `npm audit --json` and after Trivy's JSON image
// report: fails on any finding at or above the level (npm: high, image:
// critical) unless audit-allowlist.json accepts it with a reason and an
// expiry. An expired or malformed entry fails too, so no acceptance outlives
// its review date. Exit 0 pass, 1 findings or expired entries, 2 unusable input.
//
//   node scripts/audit-gate.mjs npm   npm-audit.json   [--level high]
//   node scripts/audit-gate.mjs trivy trivy-app.json   [--level critical]
//   options: --allowlist FILE (default: audit-allowlist.json at the repo root)
//            --today YYYY-MM-DD (default: today, UTC; tests pin it)
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The longest an acceptance may run: long enough for an upstream fix, short enough to be looked at again. */
const MAX_DAYS = 90;
const DAY_MS = 86_400_000;

class AuditGateError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'AuditGateError';
    this.code = code;
  }
}

const SOURCES = {
  // npm audit --json (auditReportVersion 2): vulnerabilities[pkg].via[] holds
  // the advisories (objects) or the names of vulnerable dependencies (strings).
  npm: {
    scope: 'npm',
    levels: ['info', 'low', 'moderate', 'high', 'critical'],
    defaultLevel: 'high',
    findings(report) {
      if (report.error || typeof report.vulnerabilities !== 'object' || report.vulnerabilities === null) {
        const why = report.message ?? report.error?.summary ?? 'no "vulnerabilities" in the report';
        throw new AuditGateError('AUDIT_UNUSABLE', `npm audit gave no report (${why}); the advisory database must be reachable`);
      }
      const byId = new Map();
      for (const vuln of Object.values(report.vulnerabilities)) {
        for (const via of vuln.via ?? []) {
          if (typeof via !== 'object' || via === null) continue;
          const id = /GHSA(-[0-9a-z]{4}){3}/i.exec(via.url ?? '')?.[0] ?? `npm-${via.source}`;
          const seen = byId.get(id) ?? { id, severity: via.severity, title: via.title ?? '', url: via.url ?? '', packages: new Set() };
          seen.packages.add(via.name ?? vuln.name);
          byId.set(id, seen);
        }
      }
      return [...byId.values()].map((f) => ({ ...f, packages: [...f.packages] }));
    },
  },
  // trivy image --format json (SchemaVersion 2): Results[].Vulnerabilities[].
  trivy: {
    scope: 'image',
    levels: ['unknown', 'low', 'medium', 'high', 'critical'],
    defaultLevel: 'critical',
    findings(report) {
      if (!Array.isArray(report.Results)) {
        throw new AuditGateError('AUDIT_UNUSABLE', 'the Trivy report has no "Results"; is it `trivy image --format json` output?');
      }
      const byId = new Map();
      for (const result of report.Results) {
        for (const v of result.Vulnerabilities ?? []) {
          const id = v.VulnerabilityID;
          const seen = byId.get(id) ?? { id, severity: String(v.Severity).toLowerCase(), title: v.Title ?? '', url: v.PrimaryURL ?? '', packages: new Set() };
          seen.packages.add(`${v.PkgName}@${v.InstalledVersion}${v.FixedVersion ? ` (fixed in ${v.FixedVersion})` : ''}`);
          byId.set(id, seen);
        }
      }
      return [...byId.values()].map((f) => ({ ...f, packages: [...f.packages] }));
    },
  },
};

function parseArgs(argv) {
  const [kind, reportPath, ...rest] = argv;
  if (!SOURCES[kind] || !reportPath) {
    throw new AuditGateError('AUDIT_USAGE', 'usage: audit-gate.mjs <npm|trivy> <report.json> [--level L] [--allowlist FILE] [--today YYYY-MM-DD]');
  }
  const opts = { kind, reportPath, allowlist: join(ROOT, 'audit-allowlist.json'), today: new Date().toISOString().slice(0, 10), level: SOURCES[kind].defaultLevel };
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (!['--level', '--allowlist', '--today'].includes(flag) || value === undefined) throw new AuditGateError('AUDIT_USAGE', `unknown or incomplete option: ${flag}`);
    opts[flag.slice(2)] = value;
  }
  if (!SOURCES[kind].levels.includes(opts.level)) throw new AuditGateError('AUDIT_USAGE', `--level must be one of ${SOURCES[kind].levels.join(', ')}`);
  if (!isDate(opts.today)) throw new AuditGateError('AUDIT_USAGE', `--today must be YYYY-MM-DD, not '${opts.today}'`);
  return opts;
}

function isDate(s) {
  return typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
}

function readJson(path, what) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new AuditGateError('AUDIT_UNUSABLE', `cannot read ${what} ${path}`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AuditGateError('AUDIT_UNUSABLE', `${what} ${path} is not JSON`, { cause });
  }
}

/** The sound entries for this scope; every problem with any entry (of any scope) is reported, so the file stays clean. */
function readAllowlist(path, scope, today) {
  const file = readJson(path, 'allowlist');
  if (!Array.isArray(file.accepted)) throw new AuditGateError('AUDIT_UNUSABLE', `${path} needs an "accepted" array`);
  const problems = [];
  const entries = [];
  file.accepted.forEach((e, i) => {
    const at = `${path} entry ${i + 1}${e?.id ? ` (${e.id})` : ''}`;
    const before = problems.length;
    if (!/^(GHSA(-[0-9a-z]{4}){3}|CVE-\d{4}-\d{4,})$/i.test(e?.id ?? '')) problems.push(`${at}: "id" must be a GHSA or CVE id`);
    if (!['npm', 'image'].includes(e?.scope)) problems.push(`${at}: "scope" must be "npm" or "image"`);
    if (typeof e?.reason !== 'string' || e.reason.trim().length < 15) problems.push(`${at}: "reason" must say why it is safe to ship (15 characters or more)`);
    if (!isDate(e?.expires)) problems.push(`${at}: "expires" must be a date, YYYY-MM-DD`);
    else if (e.expires < today) problems.push(`${at}: expired on ${e.expires}; fix the finding or review it and set a new expiry`);
    else if ((Date.parse(e.expires) - Date.parse(today)) / DAY_MS > MAX_DAYS) problems.push(`${at}: expires ${e.expires}, more than ${MAX_DAYS} days ahead`);
    // Only a sound, unexpired entry accepts anything.
    if (problems.length === before && e.scope === scope) entries.push(e);
  });
  return { entries, problems };
}

function main(argv) {
  const opts = parseArgs(argv);
  const source = SOURCES[opts.kind];
  const findings = source.findings(readJson(opts.reportPath, 'report'));
  const { entries, problems } = readAllowlist(opts.allowlist, source.scope, opts.today);
  const floor = source.levels.indexOf(opts.level);
  const blocking = findings.filter((f) => source.levels.indexOf(f.severity) >= floor);
  const lines = [`audit-gate: ${opts.kind} report ${opts.reportPath}: ${findings.length} finding(s), failing at ${opts.level} or above`];
  let failures = problems.length;
  for (const p of problems) lines.push(`  ALLOWLIST ${p}`);
  for (const f of blocking) {
    const accepted = entries.find((e) => e.id.toUpperCase() === f.id.toUpperCase());
    if (accepted) {
      lines.push(`  accepted ${f.id} (${f.severity}, ${f.packages.join(', ')}) until ${accepted.expires}: ${accepted.reason}`);
    } else {
      failures += 1;
      lines.push(`  FAIL ${f.id} (${f.severity}) in ${f.packages.join(', ')}: ${f.title} ${f.url}`.trimEnd());
    }
  }
  for (const e of entries.filter((e) => !findings.some((f) => f.id.toUpperCase() === e.id.toUpperCase()))) {
    lines.push(`  note: ${e.id} is accepted but no longer reported; remove it from ${opts.allowlist}`);
  }
  lines.push(failures === 0
    ? 'audit-gate: pass'
    : `audit-gate: ${failures} problem(s). Fix them, or accept a finding in audit-allowlist.json with a reason and an expiry (docs/deploy.md, "Keeping it current").`);
  const out = lines.join('\n');
  console.log(out);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `\`\`\`\n${out}\n\`\`\`\n`);
  return failures === 0 ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof AuditGateError)) throw err;
  console.error(`audit-gate: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}`);
  process.exitCode = 2;
}
