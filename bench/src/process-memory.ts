/**
 * Resident memory of a process, from /proc/<pid>/status (Linux only): the
 * current resident set (VmRSS) and its peak so far (VmHWM).
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
