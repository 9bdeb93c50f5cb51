/**
 * What the reply lease's saves cost (agent/src/plugins/app/reply-lease.ts):
 * before each piece is published, the agent makes one conditional
 * UpdateItem that rewrites the whole text published so far. This sends the
 * same write (same expression, same condition, the text growing the same
 * way) from this process with the same SDK, against the stack's dynalite,
 * and reports CPU per write on the client side (what the agent pays) and on
 * dynalite's side (what a local table costs; real DynamoDB takes no CPU from
 * the task but bills a write unit per started KB of the item), then per
 * 1,000 tokens for "a write per piece" and for "a checkpoint every N ms".
 *
 * Run after `npm run build`: npx tsc -p bench/tsconfig.json && node bench/dist/lease-write-cost.js
 * Knobs: BENCH_LEASE_REPLIES (200), BENCH_LEASE_PIECES (pieces per reply, 60),
 * BENCH_LEASE_TEXT_CHARS (a reply's length, 700), BENCH_LEASE_AT_ONCE (50),
 * BENCH_LEASE_TOKENS (tokens per reply, 125), BENCH_LEASE_TOKENS_PER_SECOND (50).
 * Asserts nothing.
 */
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_TABLE_NAME } from '@homeagent/local/dynamodb';
import { BenchError } from './bench-error.js';
import { HostedStack } from './hosted-stack.js';
import { processCpuSeconds } from './process-memory.js';
import { round } from './stats.js';

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new BenchError('bad_config', `${name} must be a positive whole number, not "${raw}"`);
  return value;
}

const WORDS = 'the quick brown fox jumps over a lazy dog while planning a family trip to the mountains with snacks '.split(' ');

/** A reply's text cut into `pieces` pieces of about equal length. */
function pieceTexts(chars: number, pieces: number): string[] {
  let text = '';
  for (let i = 0; text.length < chars; i++) text += `${WORDS[i % WORDS.length]} `;
  const size = Math.ceil(text.length / pieces);
  return Array.from({ length: pieces }, (_, i) => text.slice(i * size, (i + 1) * size));
}

async function main(): Promise<void> {
  const replies = positive('BENCH_LEASE_REPLIES', 200);
  const piecesPerReply = positive('BENCH_LEASE_PIECES', 60);
  const chars = positive('BENCH_LEASE_TEXT_CHARS', 700);
  const atOnce = positive('BENCH_LEASE_AT_ONCE', 50);
  const tokensPerReply = positive('BENCH_LEASE_TOKENS', 125);
  const tokensPerSecond = positive('BENCH_LEASE_TOKENS_PER_SECOND', 50);
  const load = os.loadavg().map((l) => round(l));
  const dataDir = await mkdtemp(join(os.tmpdir(), 'homeagent-bench-lease-'));
  const stack = await HostedStack.start({ dataDir }, 90_000);
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: stack.info.endpoints.dynamodb, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' }, maxAttempts: 2 });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  try {
    const pieces = pieceTexts(chars, piecesPerReply);
    const key = (r: number) => ({ pk: `CONV#lease-bench-${r}`, sk: `MSG#m${r}` });
    // A streaming assistant message as stream-runner stores it (the attributes the item carries besides the text).
    for (let r = 0; r < replies; r++) {
      await doc.send(
        new PutCommand({
          TableName: DEFAULT_TABLE_NAME,
          Item: { ...key(r), id: `m${r}`, conversationId: `lease-bench-${r}`, userId: 'u1', role: 'assistant', text: '', state: 'streaming', createdAt: new Date().toISOString(), model: 'us.anthropic.claude-opus-4-6-v1', leaseOwner: 'bench-owner', leaseExpiresAt: Date.now() + 60_000, reservedMicroUsd: 100_000, usageMonth: '2026-12' },
        }),
      );
    }
    /** One reply's saves, one after another as the agent makes them (a piece waits for its save). */
    const saveReply = async (r: number, every: number) => {
      let text = '';
      for (let p = 0; p < pieces.length; p += every) {
        const piece = pieces.slice(p, p + every).join('');
        await doc.send(
          new UpdateCommand({
            TableName: DEFAULT_TABLE_NAME,
            Key: key(r),
            UpdateExpression: 'SET #text = :t, lastEventId = :e, pendingText = :p, checkpointAt = :at, leaseExpiresAt = :until',
            ConditionExpression: '#state = :streaming AND leaseOwner = :owner',
            ExpressionAttributeNames: { '#text': 'text', '#state': 'state' },
            ExpressionAttributeValues: { ':t': text, ':e': `m${r}:${p}`, ':p': piece, ':at': new Date().toISOString(), ':until': Date.now() + 60_000, ':owner': 'bench-owner', ':streaming': 'streaming' },
          }),
        );
        text += piece;
      }
    };
    const measure = async (every: number) => {
      let next = 0;
      const launcherBefore = await processCpuSeconds(stack.info.pids.launcher);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: Math.min(atOnce, replies) }, async () => {
          while (next < replies) await saveReply(next++, every);
        }),
      );
      const wallMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const launcherAfter = await processCpuSeconds(stack.info.pids.launcher);
      const writes = replies * Math.ceil(pieces.length / every);
      const clientMsPerWrite = (cpu.user + cpu.system) / 1000 / writes;
      const dynaliteMsPerWrite = launcherBefore !== undefined && launcherAfter !== undefined ? ((launcherAfter - launcherBefore) * 1000) / writes : undefined;
      return { piecesPerWrite: every, writes, wallMs: round(wallMs), writesPerSecond: round((writes * 1000) / wallMs), clientMsPerWrite: round(clientMsPerWrite), dynaliteMsPerWrite: dynaliteMsPerWrite === undefined ? undefined : round(dynaliteMsPerWrite) };
    };
    // Warm-up (connections, JIT), then a write per piece, then one write per several pieces.
    await measure(piecesPerReply);
    const perPiece = await measure(1);
    const streamSeconds = tokensPerReply / tokensPerSecond;
    const rows = [perPiece];
    for (const everyMs of [250, 1000, 2000]) {
      // A checkpoint every `everyMs` while a reply streams for `streamSeconds`: that many writes per reply.
      const writesPerReply = Math.max(1, Math.ceil((streamSeconds * 1000) / everyMs));
      rows.push({ ...(await measure(Math.max(1, Math.ceil(piecesPerReply / writesPerReply)))), everyMs } as typeof perPiece & { everyMs: number });
    }
    const per1000 = (row: (typeof rows)[number]) => {
      const writesPer1000 = (row.writes / replies / tokensPerReply) * 1000;
      return {
        ...row,
        writesPer1000Tokens: round(writesPer1000),
        clientCpuSPer1000Tokens: round((writesPer1000 * row.clientMsPerWrite) / 1000),
        dynaliteCpuSPer1000Tokens: row.dynaliteMsPerWrite === undefined ? undefined : round((writesPer1000 * row.dynaliteMsPerWrite) / 1000),
      };
    };
    const result = {
      benchmark: 'reply lease: conditional checkpoint writes',
      date: new Date().toISOString(),
      loadAverage: { start: load, end: os.loadavg().map((l) => round(l)) },
      config: { replies, piecesPerReply, chars, atOnce, tokensPerReply, tokensPerSecond },
      rows: rows.map(per1000),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    doc.destroy();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`lease bench failed: ${(error as Error).message}\n`);
  process.exit(1);
});
