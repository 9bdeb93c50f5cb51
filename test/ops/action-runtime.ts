/**
 * Which runtime each pinned action runs on, judged against the runtimes
 * GitHub's hosted runners no longer offer. Both facts live in
 * .github/action-runtimes.json (with their sources), because an action's
 * `runs.using` at a SHA cannot be fetched offline.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './bats-report.js';

export interface ActionRow {
  version: string;
  using: string;
  source: string;
  /** Actions a composite action runs itself: they need a live runtime too. */
  nested?: { uses: string; using: string }[];
}

export interface RuntimeTable {
  retiredRuntimes: { runtimes: string[]; source: string[]; checked: string };
  actions: Record<string, ActionRow>;
}

export interface Pin {
  /** owner/repo[/path]@ref as written after `uses:`. */
  ref: string;
  /** The version named in the trailing comment, if any. */
  version: string | undefined;
  where: string;
}

export const tablePath = join(repoRoot, '.github/action-runtimes.json');

export function loadTable(path = tablePath): RuntimeTable {
  return JSON.parse(readFileSync(path, 'utf8')) as RuntimeTable;
}

/** Every remote `uses:` in a file (local `./` actions and `docker://` images have no Node runtime of their own). */
export function readPins(text: string, file: string): Pin[] {
  const pins: Pin[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s*)?uses:\s*['"]?([^\s'"#]+)['"]?\s*(?:#\s*(\S+))?/.exec(line);
    if (!m || m[1]!.startsWith('./') || m[1]!.startsWith('docker://')) return;
    pins.push({ ref: m[1]!, version: m[2], where: `${file}:${i + 1}` });
  });
  return pins;
}

/** What is wrong with a set of pins; empty when every one is known and runs on a live runtime. */
export function runtimeProblems(pins: Pin[], table: RuntimeTable): string[] {
  const retired = new Set(table.retiredRuntimes.runtimes);
  const problems: string[] = [];
  for (const pin of pins) {
    const row = table.actions[pin.ref];
    if (!row) {
      problems.push(`${pin.where}: ${pin.ref} is not in .github/action-runtimes.json; add its runs.using (from that SHA's action.yml) and a source`);
      continue;
    }
    if (pin.version !== row.version) {
      problems.push(`${pin.where}: ${pin.ref} is ${row.version} in the table but the comment says ${pin.version ?? '(none)'}`);
    }
    if (retired.has(row.using)) {
      problems.push(`${pin.where}: ${pin.ref} (${row.version}) runs on ${row.using}, which the hosted runners no longer offer`);
    }
    for (const inner of row.nested ?? []) {
      if (retired.has(inner.using)) problems.push(`${pin.where}: ${pin.ref} (${row.version}) runs ${inner.uses} on ${inner.using}, which the hosted runners no longer offer`);
    }
  }
  return problems;
}
