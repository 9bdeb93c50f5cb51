/**
 * What a process uses, from /proc (Linux only): resident memory from
 * /proc/<pid>/status (VmRSS now, VmHWM its peak so far) and CPU time from
 * /proc/<pid>/stat.
 */
import { readFile } from 'node:fs/promises';

export interface ProcessMemory {
  rssMiB: number;
  peakRssMiB: number;
}

function fieldKiB(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

/** undefined when the process is gone or /proc is not there (not Linux). */
export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  let status: string;
  try {
    status = await readFile(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = fieldKiB(status, 'VmRSS');
  const peak = fieldKiB(status, 'VmHWM');
  if (rss === undefined || peak === undefined) return undefined;
  return { rssMiB: rss / 1024, peakRssMiB: peak / 1024 };
}

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat. It is 100 on every
// Linux architecture Node runs on (the kernel fixes it for user space).
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) the process has used so far; undefined when it is gone. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** Jiffies of the whole machine so far (all CPUs): busy and total, from the `cpu` line of /proc/stat. */
export async function machineCpuTicks(): Promise<{ busy: number; total: number } | undefined> {
  let stat: string;
  try {
    stat = await readFile('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: idle and iowait are the time nobody ran.
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  const total = values.slice(0, 8).reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
  return { busy: total - idle, total };
}
