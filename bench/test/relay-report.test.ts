import t from 'tap';
import { latencyChart } from '../src/latency-chart.js';
import { summarizeProfile, type CpuProfile } from '../src/cpu-profile-summary.js';
import type { RelayCell } from '../src/relay-latency.js';
import { costSplit } from '../src/relay-report.js';

t.test('the chart is an SVG with one path per line and escaped labels', async (t) => {
  const svg = latencyChart('Latency <per> token', [
    { label: 'coalesce 40 ms', p50: [[1, 10], [50, 20]], p99: [[1, 30], [50, 45]] },
    { label: 'direct & SDK', p50: [[1, 1], [50, 2]], p99: [[1, 3], [50, 4]] },
  ], 'direct & SDK');
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.equal(svg.match(/<path /g)?.length, 4);
  t.match(svg, /Latency &lt;per&gt; token/);
  t.match(svg, /direct &amp; SDK/);
  t.notMatch(svg, /NaN/);
});

t.test('summarizeProfile counts self and total time, skips idle, and honours the window', async (t) => {
  const frame = (functionName: string, url = 'file:///repo/agent/dist/x.js') => ({ functionName, url, lineNumber: 9, columnNumber: 0 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
      { id: 2, callFrame: frame('outer'), children: [3] },
      { id: 3, callFrame: frame('inner', 'file:///repo/node_modules/undici/lib/x.js') },
      { id: 4, callFrame: frame('(idle)', '') },
    ],
    startTime: 1_000,
    endTime: 5_000,
    // samples at 1000, 2000, 3000, 4000, 5000; each lasts until the next
    samples: [3, 3, 2, 4, 3],
    timeDeltas: [0, 1_000, 1_000, 1_000, 1_000],
  };
  const whole = summarizeProfile(profile);
  t.equal(whole.windowed, false);
  t.equal(whole.idleMs, 1);
  const inner = whole.top.find((e) => e.name === 'inner')!;
  const outer = whole.top.find((e) => e.name === 'outer')!;
  t.equal(inner.where, 'undici/lib/x.js:10');
  t.equal(outer.where, 'agent/dist/x.js:10');
  t.equal(inner.selfMs, 2, 'the last sample has no duration');
  t.equal(outer.selfMs, 1);
  t.equal(outer.totalMs, 3, 'outer includes what it called');
  const windowed = summarizeProfile(profile, { window: { startUs: 2_500, endUs: 4_500 } });
  t.equal(windowed.windowed, true);
  t.equal(windowed.samples, 2);
  t.same(windowed.top.map((e) => e.name), ['outer']);
  t.equal(summarizeProfile(profile, { window: { startUs: 90_000, endUs: 99_000 } }).windowed, false, 'a window outside the profile falls back to all of it');
});

t.test('costSplit recovers what a reply costs once and per token from two reply lengths', async (t) => {
  // agent: 40 ms per reply + 0.2 s per 1,000 tokens; hub: nothing per reply + 0.05 s per 1,000 tokens.
  // 7 sends of each cell were refused (no reply): the split is per reply that ran.
  const cell = (replies: number, tokensEach: number): RelayCell => {
    const tokens = replies * tokensEach;
    return {
      concurrency: replies + 7,
      emittedReplies: replies,
      emittedTokens: tokens,
      cpuSeconds: { agent: replies * 0.04 + tokens * 0.0002, hub: tokens * 0.00005 },
    } as unknown as RelayCell;
  };
  const split = costSplit(cell(200, 115), cell(200, 740));
  t.ok(Math.abs(split.agent!.perReplyMs - 40) < 1e-6, `agent once per reply: ${split.agent!.perReplyMs}`);
  t.ok(Math.abs(split.agent!.per1000Tokens - 0.2) < 1e-9);
  t.ok(Math.abs(split.hub!.perReplyMs) < 1e-6);
  t.ok(Math.abs(split.hub!.per1000Tokens - 0.05) < 1e-9);
  t.equal(split.app, undefined, 'a process not measured is left out');
  t.same(costSplit(cell(10, 100), cell(10, 100)), {}, 'replies of one length cannot be split');
  t.same(costSplit(cell(10, 100), cell(0, 0)), {}, 'nor a cell in which no reply ran');
});
