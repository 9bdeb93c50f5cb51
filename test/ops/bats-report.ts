/**
 * Runs a bats file with `bats --tap` and returns its report, so a tap test
 * can turn every bats case into an assertion of its own (a failing case then
 * shows by name in `npm test`, with the lines bats printed for it).
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface BatsCase {
  ok: boolean;
  name: string;
  /** The `# …` lines bats printed after the case: the failed command, output. */
  diagnostic: string;
}

export interface BatsReport {
  exitCode: number | null;
  /** The case count bats announced in its `1..N` line, or -1 without one. */
  planned: number;
  cases: BatsCase[];
  stderr: string;
}

export class BatsError extends Error {
  readonly code = 'BATS_NOT_RUNNABLE';
  constructor(message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = 'BatsError';
  }
}

export function parseBatsTap(tap: string): Omit<BatsReport, 'exitCode' | 'stderr'> {
  let planned = -1;
  const cases: BatsCase[] = [];
  for (const line of tap.split('\n')) {
    const plan = /^1\.\.(\d+)$/.exec(line);
    const result = /^(not ok|ok) \d+ (.*)$/.exec(line);
    if (plan) planned = Number(plan[1]);
    else if (result) cases.push({ ok: result[1] === 'ok', name: result[2]!, diagnostic: '' });
    else if (line.startsWith('#') && cases.length > 0) cases[cases.length - 1]!.diagnostic += `${line}\n`;
  }
  return { planned, cases };
}

export function runBats(batsFile: string): Promise<BatsReport> {
  return new Promise((resolve, reject) => {
    const child = spawn('bats', ['--tap', batsFile], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (cause) =>
      reject(new BatsError('cannot run bats: install it (Debian package "bats")', { cause })),
    );
    child.on('close', (exitCode) => resolve({ exitCode, stderr, ...parseBatsTap(stdout) }));
  });
}
