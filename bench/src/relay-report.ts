/** The Markdown report of the relay sweep, pages at scale and the targets of issue 13. */
import type { ChartSeries } from './latency-chart.js';
import type { PageScale, FixedRateResult } from './page-scale.js';
import type { ProcessName, RelayCell } from './relay-latency.js';
import type { RelaySweep } from './relay-sweep.js';
import type { ProfileSummary } from './cpu-profile-summary.js';
import { ratio, round, type Summary } from './stats.js';

const PROCESSES: ProcessName[] = ['agent', 'hub', 'app', 'launcher', 'emulator'];

const f = (value: number | undefined | null, unit = '') => (value === undefined || value === null ? '–' : `${round(value)}${unit}`);
const x = (value: number | null | undefined) => (value === undefined || value === null ? '–' : `${round(value)}×`);

function mdTable(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function sumOf(values: Partial<Record<ProcessName, number>>, names: ProcessName[]): number | undefined {
  let total = 0;
  for (const name of names) {
    const v = values[name];
    if (v === undefined) return undefined;
    total += v;
  }
  return total;
}

export function headlineCell(sweep: RelaySweep) {
  const n = sweep.config.headlineConcurrency;
  const at40 = sweep.cells.find((c) => c.concurrency === n && c.coalesceMs === 40);
  return at40 ?? sweep.cells.find((c) => c.concurrency === n) ?? sweep.cells[sweep.cells.length - 1];
}

export function chartSeries(sweep: RelaySweep): ChartSeries[] {
  const series: ChartSeries[] = sweep.config.coalesceWindows.map((w) => {
    const cells = sweep.cells.filter((c) => c.coalesceMs === w && c.perToken);
    return { label: `coalesce ${w} ms`, p50: cells.map((c) => [c.concurrency, c.perToken!.p50]), p99: cells.map((c) => [c.concurrency, c.perToken!.p99]) };
  });
  const base = sweep.baseline.filter((b) => b.perToken);
  series.push({ label: 'direct SDK', p50: base.map((b) => [b.concurrency, b.perToken!.p50]), p99: base.map((b) => [b.concurrency, b.perToken!.p99]) });
  return series.filter((s) => s.p50.length > 0);
}

function profileTable(name: string, summary: ProfileSummary | undefined): string {
  if (!summary) return `${name}: no profile was written.`;
  return [
    `**${name}**: ${round(summary.busyMs)} ms busy, ${round(summary.idleMs)} ms idle in ${summary.samples} samples${summary.windowed ? ' (inside the window given)' : ' (profiled from the first POST to the last stream\'s end)'}`,
    '',
    mdTable(
      ['function', 'where', 'self ms', 'self %', 'total ms'],
      summary.top.map((e) => [`\`${e.name}\``, e.where ? `\`${e.where}\`` : '', f(e.selfMs), f(e.selfShare * 100, ' %'), f(e.totalMs)]),
    ),
  ].join('\n');
}

function rateRow(name: string, r: FixedRateResult): string[] {
  return [name, String(r.ratePerSecond), String(r.sent), String(r.failed), String(r.shed), f(r.latency?.p50), f(r.latency?.p99), f(r.serviceTime?.p50), f(r.serviceTime?.p99)];
}

/** The headline cell with the SDK floor beside it and, when the long-reply cell ran, the once-per-reply / per-token split. */
function headlineCost(sweep: RelaySweep) {
  const head = headlineCell(sweep);
  const floor = head && sweep.baseline.find((b) => b.concurrency === head.concurrency)?.cpuPer1000Tokens;
  const split = head && sweep.longReplies ? costSplit(head, sweep.longReplies.cell) : undefined;
  return { head, floor, split };
}

export function relayMarkdown(sweep: RelaySweep | undefined, scale: PageScale | undefined, post50: Summary | undefined): string {
  const out: string[] = [];
  const cost = sweep && headlineCost(sweep);
  if (sweep && cost) {
    const c = sweep.config;
    out.push(
      `### Relay latency per token (${c.tokensPerSecond} tokens/s, first token after ${c.firstTokenDelayMs} ms; ${sweep.people} people, one stream each)`,
      '',
      `Added latency = when a token reached the subscriber (through edge and hub, as the bubble reads it) − when the emulator emitted it; clocks agree within ±${f(sweep.clockUncertaintyMs)} ms. Each chat page's one live connection is open before its message is sent, as a person's page is. Pieces: \`delta\` events per 1,000 tokens; each is one hub publish and one conditional checkpoint write before it (the lease).`,
      '',
      mdTable(
        ['coalesce ms', 'N', 'streams', 'failed', 'tokens', 'lost', 'doubled', 'out of order', 'p50', 'p95', 'p99', 'max', 'pieces / 1,000 tokens', 'first token p50 / p95', 'POST p50 / p95', 'direct p50 / p99', 'p50 − direct', 'p99 / direct'],
        sweep.cells.map((cell) => {
          const base = sweep.baseline.find((b) => b.concurrency === cell.concurrency);
          const t = cell.perToken;
          return [
            String(cell.coalesceMs),
            String(cell.concurrency),
            String(cell.measured),
            String(cell.failed),
            String(cell.tokens),
            String(cell.lost),
            String(cell.doubled),
            String(cell.outOfOrder),
            f(t?.p50),
            f(t?.p95),
            f(t?.p99),
            f(t?.max),
            f(cell.piecesPer1000Tokens),
            `${f(cell.firstToken?.p50)} / ${f(cell.firstToken?.p95)}`,
            `${f(cell.post?.p50)} / ${f(cell.post?.p95)}`,
            `${f(base?.perToken?.p50)} / ${f(base?.perToken?.p99)}`,
            t && base?.perToken ? f(t.p50 - base.perToken.p50) : '–',
            t && base?.perToken ? x(ratio(t.p99, base.perToken.p99)) : '–',
          ];
        }),
      ),
      '',
      'Baseline: the same number of streams read directly from the emulator with the AWS SDK (this process). Its CPU is what the SDK alone spends receiving the events: the floor under any relay that reads Bedrock with it.',
      '',
      mdTable(
        ['N', 'streams', 'failed', 'tokens', 'p50', 'p95', 'p99', 'max', 'first token p50 / p95', 'SDK CPU s / 1,000 tokens'],
        sweep.baseline.map((b) => [String(b.concurrency), String(b.measured), String(b.failed), String(b.tokens), f(b.perToken?.p50), f(b.perToken?.p95), f(b.perToken?.p99), f(b.perToken?.max), `${f(b.firstToken?.p50)} / ${f(b.firstToken?.p95)}`, f(b.cpuPer1000Tokens)]),
      ),
    );
    const { head, floor, split } = cost;
    if (head) {
      out.push(
        '',
        `### CPU per 1,000 tokens relayed and RSS (N=${head.concurrency}, coalescing ${head.coalesceMs} ms, ${head.tokens} tokens in ${f(head.wallMs / 1000)} s)`,
        '',
        'launcher = the edge + dynalite (+ the stack\'s own emulator, idle here); emulator = the stamping emulator in a process of its own. CPU from /proc/<pid>/stat (utime + stime).',
        '',
        mdTable(
          ['process', 'CPU s', 'CPU s / 1,000 tokens', 'RSS idle after start, MiB', 'RSS peak under load, MiB'],
          PROCESSES.map((name) => [name, f(head.cpuSeconds[name]), f(head.cpuPer1000Tokens[name]), f(sweep.idleRssMiB[0]?.rssMiB[name]), f(head.peakRssMiB[name])]),
        ),
      );
    }
    if (head && split && sweep.longReplies) {
      const long = sweep.longReplies.cell;
      out.push(
        '',
        `### What a reply costs: once per reply, and per token (N=${head.concurrency}, coalescing 40 ms)`,
        '',
        `The headline cell again with longer replies (${f(long.emittedTokens / long.emittedReplies)} tokens each, against ${f(head.emittedTokens / head.emittedReplies)}; ${long.emittedReplies} and ${head.emittedReplies} replies ran of ${long.concurrency}): CPU = replies × (once per reply) + tokens × (per token), solved from the two cells; the CPU of sends refused under load is counted in the once-per-reply share. Once per reply is the send (session, budget, both messages stored), the reply's end (stored, budget settled, list moved) and the calls around it; per token is the relay (the SDK's events, pieces rendered, checkpoints, publishes, the hub's fan-out). The SDK alone, reading the same streams directly: ${f(floor)} CPU-s per 1,000 tokens (short), ${f(sweep.longReplies.baseline.cpuPer1000Tokens)} (long).`,
        '',
        mdTable(
          ['process', 'CPU s / 1,000 tokens, short replies', 'long replies', 'CPU ms once per reply', 'CPU s per 1,000 tokens relayed'],
          PROCESSES.map((name) => [name, f(head.cpuPer1000Tokens[name]), f(long.cpuPer1000Tokens[name]), f(split[name]?.perReplyMs), f(split[name]?.per1000Tokens)]),
        ),
      );
    }
    if (sweep.profile) {
      out.push('', `### Where the CPU goes (--cpu-prof, N=${sweep.profile.concurrency}, top functions by self time)`, '', profileTable('agent', sweep.profile.agent), '', profileTable('hub', sweep.profile.hub));
    }
    if (sweep.skipped.length) out.push('', `Skipped (time limit): ${sweep.skipped.join(', ')}`);
    out.push('', `The services logged ${sweep.serviceLog.warnings} warnings and ${sweep.serviceLog.errors} errors during the sweep.`);
  }
  if (scale) {
    out.push(
      '',
      `### Pages at scale (${scale.conversationsInList} chats in the list, ${scale.messagesOnPage} messages on the page), fixed rate, ms`,
      '',
      'latency: from when the request was due (open loop); service: from when it was sent.',
      '',
      mdTable(['page', 'req/s', 'sent', 'failed', 'shed', 'latency p50', 'latency p99', 'service p50', 'service p99'], [rateRow('`GET /`', scale.list), rateRow('`GET /c/:id`', scale.conversation)]),
    );
  }
  out.push('', '### Targets (issue 13: 2 cores, 200 streams × 50 tokens/s)', '', targetsTable(sweep, cost, scale, post50));
  return `${out.join('\n')}\n`;
}

/** Per process: CPU once per reply (ms) and per 1,000 tokens (s), from two cells whose replies differ in length. */
export function costSplit(short: RelayCell, long: RelayCell): Partial<Record<ProcessName, { perReplyMs: number; per1000Tokens: number }>> {
  const out: Partial<Record<ProcessName, { perReplyMs: number; per1000Tokens: number }>> = {};
  // Per reply that ran: the CPU of sends refused under load (no reply) is counted in the others' once-per-reply share.
  if (short.emittedReplies === 0 || long.emittedReplies === 0) return out;
  const tokensShort = short.emittedTokens / short.emittedReplies;
  const tokensLong = long.emittedTokens / long.emittedReplies;
  if (!(tokensLong > tokensShort)) return out;
  for (const name of PROCESSES) {
    const a = short.cpuSeconds[name];
    const b = long.cpuSeconds[name];
    if (a === undefined || b === undefined) continue;
    const perReplyShort = a / short.emittedReplies;
    const perToken = (b / long.emittedReplies - perReplyShort) / (tokensLong - tokensShort);
    out[name] = { perReplyMs: (perReplyShort - perToken * tokensShort) * 1000, per1000Tokens: perToken * 1000 };
  }
  return out;
}

function targetsTable(sweep: RelaySweep | undefined, cost: ReturnType<typeof headlineCost> | undefined, scale: PageScale | undefined, post50: Summary | undefined): string {
  const { head, floor, split } = cost ?? {};
  const met = (ok: boolean | undefined) => (ok === undefined ? 'n/a' : ok ? 'yes' : 'NO');
  const t = head?.perToken;
  const agentHub = head ? sumOf(head.cpuPer1000Tokens, ['agent', 'hub']) : undefined;
  const relayed = split?.agent && split.hub ? split.agent.per1000Tokens + split.hub.per1000Tokens : undefined;
  const idle = sweep?.idleRssMiB[0] ? sumOf(sweep.idleRssMiB[0].rssMiB, ['hub', 'agent', 'app']) : undefined;
  const rows: string[][] = [
    ['added latency per token', 'p50 ≤ 35 ms, p99 ≤ 60 ms', t ? `p50 ${f(t.p50)}, p99 ${f(t.p99)} (N=${head.concurrency})` : 'not measured', met(t && t.p50 <= 35 && t.p99 <= 60)],
    ['first token added', 'p95 ≤ 50 ms', head?.firstToken ? `p95 ${f(head.firstToken.p95)}` : 'not measured', met(head?.firstToken && head.firstToken.p95 <= 50)],
    ['tokens lost / doubled', '0', head && sweep ? `${sweep.cells.reduce((s, c) => s + c.lost, 0)} / ${sweep.cells.reduce((s, c) => s + c.doubled, 0)} (all cells)` : 'not measured', met(head && sweep && sweep.cells.every((c) => c.lost === 0 && c.doubled === 0 && c.outOfOrder === 0))],
    [
      'agent + hub CPU per 1,000 tokens',
      '≤ 0.10 CPU-s',
      agentHub === undefined
        ? 'not measured'
        : `${f(agentHub)} CPU-s${floor === undefined ? '' : ` (the SDK alone reading the same streams: ${f(floor)})`}${relayed === undefined ? '' : `; per token relayed, once per reply set apart: ${f(relayed)}`}`,
      met(agentHub === undefined ? undefined : agentHub <= 0.1),
    ],
    ['message POST answer, 50 at once', 'p95 ≤ 150 ms', post50 ? `p95 ${f(post50.p95)}` : 'not measured', met(post50 && post50.p95 <= 150)],
    ['conversation page, 200 req/s', 'p99 ≤ 15 ms', scale?.conversation.latency ? `p99 ${f(scale.conversation.latency.p99)} (${scale.messagesOnPage} messages)` : 'not measured', met(scale?.conversation.latency && scale.conversation.latency.p99 <= 15)],
    ['idle RSS, hub + agent + app', '≤ 250 MiB', idle === undefined ? 'not measured' : `${f(idle)} MiB`, met(idle === undefined ? undefined : idle <= 250)],
  ];
  return mdTable(['figure', 'target', 'this run', 'met'], rows);
}
