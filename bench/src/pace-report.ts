/**
 * The paces' figures as tables for stdout, and the seed's targets they meet
 * or not (pace-run.ts measures them).
 */
import { AGENT_COALESCE_MS, type Pace, type PaceRun } from './pace-run.js';
import { formatTable } from './results-table.js';
import { ratio, round, type Summary } from './stats.js';

const ms = (value: number | undefined) => (value === undefined ? undefined : round(value));
const fmtRatio = (value: number | null | undefined) => (value === null || value === undefined ? undefined : `${round(value)}x`);
const triple = (s: Summary | undefined) => [ms(s?.p50), ms(s?.p95), ms(s?.p99)];

/** How long the emulator alone takes for a reply of `tokens` tokens. */
function emulatorReplyMs(pace: Pace, tokens: number): number {
  return pace.firstTokenDelayMs + (tokens / pace.tokensPerSecond) * 1000;
}

export function report(runs: PaceRun[]): string {
  const out: string[] = [];
  for (const run of runs) {
    const { pace } = run;
    out.push(
      '',
      `== emulator pace "${pace.name}": first token after ${pace.firstTokenDelayMs} ms, ${pace.tokensPerSecond} tokens/s ` +
        `(agent coalesces ${AGENT_COALESCE_MS} ms); stack started in ${round(run.stackStartMs)} ms`,
    );
    if (run.pages) {
      const p = run.pages;
      out.push(
        '',
        `(1) page latency, ms (${p.listPage.count} requests each; ${p.conversationsInList} chats in the list, ${p.messagesOnPage} messages on the page)`,
        formatTable(
          ['request', 'p50', 'p95', 'p99', 'max', 'p50 vs API'],
          [
            ['GET /  (chat list, via edge)', ...triple(p.listPage), ms(p.listPage.max), fmtRatio(p.listApi && ratio(p.listPage.p50, p.listApi.p50))],
            ['GET /c/:id  (a chat, via edge)', ...triple(p.conversationPage), ms(p.conversationPage.max), fmtRatio(p.conversationApi && ratio(p.conversationPage.p50, p.conversationApi.p50))],
            ['agent GET /v1/conversations', ...triple(p.listApi), ms(p.listApi?.max), undefined],
            ['agent GET /v1/conversations/:id', ...triple(p.conversationApi), ms(p.conversationApi?.max), undefined],
          ],
        ),
      );
    }
    if (run.firstToken) {
      const f = run.firstToken;
      const overhead = f.firstToken && f.firstToken.p50 - pace.firstTokenDelayMs;
      out.push(
        '',
        `(2) post → first token at the subscriber, ms (${f.samples} messages one at a time${f.failures ? `, ${f.failures} failed: ${f.firstFailure}` : ''})`,
        formatTable(
          ['interval', 'p50', 'p95', 'p99'],
          [
            ['POST message form → its answer', ...triple(f.post)],
            ['POST → first token (SSE)', ...triple(f.firstToken)],
            ['POST → done (SSE)', ...triple(f.done)],
          ],
        ),
        `    overhead over the emulator's own first-token delay (p50): ${ms(overhead)} ms` +
          (pace.firstTokenDelayMs > 0 && f.firstToken ? `; first token p50 = ${fmtRatio(ratio(f.firstToken.p50, pace.firstTokenDelayMs))} the emulator's delay` : ''),
      );
    }
    if (run.throughput.length > 0) {
      const bursts = run.throughput.filter((t) => !t.skipped);
      out.push(
        '',
        '(3) N chats replying at once, each followed by its own subscriber: delivered tokens/s and latency (ms)',
        formatTable(
          ['N', 'ok', 'failed', 'tokens', 'wall ms', 'tokens/s', 'post p50', 'post p95', 'first p50', 'first p95', 'done p50', 'done p95', 'done p50 / emulator'],
          bursts.map((t) => {
            const perReply = t.completed > 0 ? t.outputTokens / t.completed : 0;
            return [
              t.concurrency,
              t.completed,
              t.failures,
              t.outputTokens,
              round(t.wallMs),
              round(t.tokensPerSecond),
              ms(t.post?.p50),
              ms(t.post?.p95),
              ms(t.firstToken?.p50),
              ms(t.firstToken?.p95),
              ms(t.done?.p50),
              ms(t.done?.p95),
              fmtRatio(t.done && ratio(t.done.p50, emulatorReplyMs(pace, perReply))),
            ];
          }),
        ),
        '',
        '    per process: CPU seconds used during the burst (share of one CPU over the wall time), RSS MiB after it;',
        '    launcher = edge + dynalite + emulator; machine busy = all CPUs, any process (other work on the machine included)',
        formatTable(
          ['N', 'machine busy', 'agent CPU', 'hub CPU', 'app CPU', 'launcher CPU', 'agent RSS', 'hub RSS', 'app RSS', 'launcher RSS'],
          bursts.map((t) => {
            const cpu = (name: 'agent' | 'hub' | 'app' | 'launcher') => {
              const seconds = t.cpuSeconds[name];
              return seconds === undefined ? undefined : `${round(seconds)} (${Math.round((seconds * 100_000) / t.wallMs)}%)`;
            };
            return [
              t.concurrency,
              t.machineBusy === undefined ? undefined : `${Math.round(t.machineBusy * 100)}%`,
              cpu('agent'),
              cpu('hub'),
              cpu('app'),
              cpu('launcher'),
              ms(t.memory.agent?.rssMiB),
              ms(t.memory.hub?.rssMiB),
              ms(t.memory.app?.rssMiB),
              ms(t.memory.launcher?.rssMiB),
            ];
          }),
        ),
      );
      for (const t of run.throughput) if (t.skipped) out.push(`    N=${t.concurrency}: ${t.skipped}`);
      const failed = run.throughput.find((t) => t.firstFailure);
      if (failed) out.push(`    first failure (N=${failed.concurrency}): ${failed.firstFailure}`);
    }
    if (run.signIn) {
      const s = run.signIn;
      out.push(
        '',
        '(4) sign-in (POST /sign-in through the edge), ms',
        formatTable(
          ['what', 'n', 'p50', 'p95', 'p99'],
          [
            ['sign-in, one at a time', s.sequential.count, ...triple(s.sequential)],
            [`sign-in, ${s.concurrentBatch} at once`, s.concurrent?.count, ...triple(s.concurrent)],
            ['scrypt alone (agent parameters, this process)', s.scryptAlone.count, ...triple(s.scryptAlone)],
          ],
        ),
        `    scrypt share of a sign-in (p50 / p50): ${fmtRatio(ratio(s.scryptAlone.p50, s.sequential.p50))}`,
      );
    }
    if (run.skipped.length > 0) out.push(`    skipped (time limit): ${run.skipped.join(', ')}`);
    const { warnings, errors, lastLines } = run.serviceLog;
    // Warnings alone are only counted (on Node 20 the AWS SDK prints a notice about Node 22); errors are shown.
    out.push(`    the services logged ${warnings} warnings and ${errors} errors (last lines in results.json)`);
    if (errors > 0) out.push(...lastLines.map((l) => `      ${l}`));
  }
  return out.join('\n');
}

export function targets(runs: PaceRun[]): Array<{ target: string; figure: string; met: boolean | null }> {
  const pages = runs.find((r) => r.pages)?.pages;
  const slowRun = runs.find((r) => r.pace.name === 'default');
  const slow = slowRun?.firstToken?.firstToken;
  const worstPageP95 = pages ? Math.max(pages.listPage.p95, pages.conversationPage.p95) : undefined;
  const rows = [
    {
      target: 'page/API p95 < 500 ms',
      figure: worstPageP95 === undefined ? 'not measured' : `worst page p95 ${round(worstPageP95)} ms`,
      met: worstPageP95 === undefined ? null : worstPageP95 < 500,
    },
    {
      target: 'first result < 3 s (default pace, one reply at a time)',
      figure: slow ? `first token p95 ${round(slow.p95)} ms` : 'not measured',
      met: slow ? slow.p95 < 3_000 : null,
    },
  ];
  // The same target under load: not a promise of the seed, but where it stops holding is worth seeing.
  for (const burst of slowRun?.throughput ?? []) {
    if (burst.concurrency === 1 || !burst.firstToken) continue;
    rows.push({
      target: `first result < 3 s (default pace, ${burst.concurrency} replies at once)`,
      figure: `first token p95 ${round(burst.firstToken.p95)} ms`,
      met: burst.firstToken.p95 < 3_000,
    });
  }
  return rows;
}

