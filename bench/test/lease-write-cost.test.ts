/**
 * The lease-write benchmark with tiny counts against a real stack's dynalite:
 * every conditional write it makes must succeed (a failed condition throws)
 * and each row must have measured CPU. It asserts no speed.
 */
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

t.setTimeout(300_000);
const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');

t.test('a tiny run writes every checkpoint and measures its CPU', async (t) => {
  try {
    await access(join(root, 'local', 'dist', 'stack.js'));
  } catch {
    t.fail('the workspaces are not built: run `npm run build` first');
    return;
  }
  await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'bench', 'tsconfig.json')], { cwd: root });
  const { stdout } = await run(process.execPath, [join(root, 'bench', 'dist', 'lease-write-cost.js')], {
    cwd: root,
    timeout: 240_000,
    env: { ...process.env, BENCH_LEASE_REPLIES: '3', BENCH_LEASE_PIECES: '8', BENCH_LEASE_AT_ONCE: '2', BENCH_LEASE_TOKENS: '10', BENCH_LEASE_TOKENS_PER_SECOND: '50' },
  });
  const result = JSON.parse(stdout) as { rows: Array<{ piecesPerWrite: number; writes: number; clientMsPerWrite: number; writesPer1000Tokens: number }> };
  t.equal(result.rows[0]!.piecesPerWrite, 1, 'the first row saves every piece');
  t.equal(result.rows[0]!.writes, 3 * 8, 'one write per piece of every reply');
  t.equal(result.rows.length, 4, 'every piece, then every 250, 1000 and 2000 ms');
  for (const row of result.rows) {
    t.ok(row.writes > 0 && row.clientMsPerWrite > 0, `${row.piecesPerWrite} pieces a write: writes made and CPU read`);
    t.ok(row.writesPer1000Tokens > 0);
  }
  t.ok(result.rows[1]!.writes < result.rows[0]!.writes, 'a checkpoint every 250 ms writes less than one per piece');
});
