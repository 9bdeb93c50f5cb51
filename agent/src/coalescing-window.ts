/**
 * How long a running reply gathers Bedrock's tokens before it sends them as
 * one piece. Every piece costs the process one conditional write (the lease's
 * checkpoint, saved before the piece is published: reply-lease.ts) and one
 * publish to the hub, so what the process pays grows with pieces per second,
 * not with tokens. A lone reply keeps the short base window
 * (`STREAM_COALESCE_MS`, what a person watching one reply feels); with many
 * replies running, each one's window widens so that all of them together
 * send at most `STREAM_PIECES_PER_SECOND` pieces a second: N replies each
 * send one piece per N × 1000 / budget ms. Under load a token then waits
 * longer before it is shown, but the process's writes and publishes per
 * second stop growing with the number of replies (docs/PERFORMANCE.md).
 */
export function coalescingWindowMs(baseMs: number, runningReplies: number, piecesPerSecond: number): number {
  return Math.max(baseMs, Math.ceil((Math.max(1, runningReplies) * 1000) / piecesPerSecond));
}
