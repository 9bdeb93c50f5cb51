/**
 * Summarises a V8 `.cpuprofile` (what `node --cpu-prof` writes): the
 * functions that took the most CPU, by self time (the function's own code)
 * and by total time (with what it called), optionally only over a window of
 * the run. Samples and timestamps are V8's; the window is in the same clock
 * (CLOCK_MONOTONIC microseconds on Linux, which process.hrtime also reads).
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  /** function name, or what V8 calls the frame: (garbage collector), (program), (idle) */
  name: string;
  /** file (shortened to the part after node_modules/ or the repo's workspace) and line */
  where: string;
  selfMs: number;
  /** self + everything it called; counted once per sample even when it recurses */
  totalMs: number;
  selfShare: number;
}

export interface ProfileSummary {
  /** sampled milliseconds inside the window, idle excluded */
  busyMs: number;
  idleMs: number;
  samples: number;
  /** whether the window was applied (false: it did not overlap the profile, so the whole profile is summarised) */
  windowed: boolean;
  top: ProfileEntry[];
}

function shortWhere(frame: ProfileNode['callFrame']): string {
  if (!frame.url) return '';
  let url = frame.url.replace(/^file:\/\//, '');
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) url = url.slice(nm + 'node_modules/'.length);
  else {
    const ws = /\/(mercure|agent|app|local|contract)\/(dist|src)\//.exec(url);
    if (ws) url = url.slice(ws.index + 1);
  }
  return `${url}:${frame.lineNumber + 1}`;
}

/** `window` in microseconds of the profile's clock; `top` entries by self time. */
export function summarizeProfile(profile: CpuProfile, opts: { window?: { startUs: number; endUs: number }; top?: number } = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'}\u0000${shortWhere(node.callFrame)}`;

  // Sample i lasts until the next one: its duration is timeDeltas[i + 1].
  let t = profile.startTime;
  const times: number[] = [];
  for (const delta of profile.timeDeltas) {
    t += delta;
    times.push(t);
  }
  let windowed = false;
  let inWindow = (_i: number) => true;
  if (opts.window) {
    const { startUs, endUs } = opts.window;
    if (times.some((at) => at >= startUs && at <= endUs)) {
      windowed = true;
      inWindow = (i) => times[i]! >= startUs && times[i]! <= endUs;
    }
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  let samples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!inWindow(i)) continue;
    const duration = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    samples++;
    if (node.callFrame.functionName === '(idle)') {
      idleUs += duration;
      continue;
    }
    busyUs += duration;
    self.set(keyOf(node), (self.get(keyOf(node)) ?? 0) + duration);
    const seen = new Set<string>();
    for (let at: ProfileNode | undefined = node; at; at = byId.get(parent.get(at.id) ?? -1)) {
      const key = keyOf(at);
      if (seen.has(key) || at.callFrame.functionName === '(root)') continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + duration);
    }
  }
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, opts.top ?? 15)
    .map(([key, us]) => {
      const [name, where] = key.split('\u0000') as [string, string];
      return { name, where, selfMs: us / 1000, totalMs: (total.get(key) ?? us) / 1000, selfShare: busyUs > 0 ? us / busyUs : 0 };
    });
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, samples, windowed, top };
}

export async function summarizeProfileFile(file: string, opts: Parameters<typeof summarizeProfile>[1] = {}): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, opts);
}
