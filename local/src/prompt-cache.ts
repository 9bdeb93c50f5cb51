/**
 * The emulator's prompt cache, as Bedrock describes it: a cache point makes
 * the prefix before it an entry (if it is at least the model's minimum);
 * a later request reads the longest prefix still cached, looking back up to
 * 20 blocks from each of its cache points; reads refresh an entry's TTL.
 * (AWS Bedrock user guide "Prompt caching"; Anthropic "Prompt caching", read 2026-12-01.)
 */
import { createHash } from 'node:crypto';
import { blockText, type ConverseContentBlock } from './bedrock-reply.js';
import type { CheckedRequest } from './bedrock-request-check.js';

const LOOKBACK_BLOCKS = 20;
const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;

export interface CacheUse {
  readTokens: number;
  writeTokens: number;
  /** cache writes by TTL, as Bedrock's `cacheDetails` */
  details: { ttl: '5m' | '1h'; inputTokens: number }[];
}

interface Boundary {
  hash: string;
  tokens: number;
}

export class PromptCache {
  private readonly entries = new Map<string, { expiresAt: number; ttl: '5m' | '1h' }>();

  /** Reads and writes the cache for a request; the counts Bedrock reports in `usage`. */
  use(modelId: string, request: CheckedRequest, minTokens: number, now = Date.now()): CacheUse {
    const boundaries: Boundary[] = [];
    const points: { at: number; ttl: '5m' | '1h' }[] = [];
    const hash = createHash('sha256').update(modelId);
    let chars = 0;
    const add = (block: ConverseContentBlock, role: string) => {
      if (block.cachePoint) {
        if (boundaries.length > 0) points.push({ at: boundaries.length - 1, ttl: block.cachePoint.ttl === '1h' ? '1h' : '5m' });
        return;
      }
      const text = blockText(block) || (block.reasoningContent?.reasoningText?.text ?? '');
      chars += text.length;
      hash.update(JSON.stringify([role, block]));
      boundaries.push({ hash: hash.copy().digest('hex'), tokens: Math.ceil(chars / 4) });
    };
    for (const block of request.system ?? []) add(block, 'system');
    for (const message of request.messages) for (const block of message.content) add(block, message.role);

    let read: Boundary | undefined;
    for (const point of points) {
      for (let i = point.at; i >= Math.max(0, point.at - LOOKBACK_BLOCKS); i--) {
        const b = boundaries[i]!;
        const entry = this.entries.get(b.hash);
        if (entry && entry.expiresAt > now) {
          if (!read || b.tokens > read.tokens) read = b;
          break;
        }
      }
    }
    if (read) {
      const entry = this.entries.get(read.hash)!;
      entry.expiresAt = now + TTL_MS[entry.ttl];
    }
    const readTokens = read?.tokens ?? 0;
    let written = readTokens;
    const details = new Map<'5m' | '1h', number>();
    for (const point of points) {
      const b = boundaries[point.at]!;
      if (b.tokens < minTokens || b.tokens <= written) continue;
      this.entries.set(b.hash, { expiresAt: now + TTL_MS[point.ttl], ttl: point.ttl });
      details.set(point.ttl, (details.get(point.ttl) ?? 0) + (b.tokens - written));
      written = b.tokens;
    }
    return {
      readTokens,
      writeTokens: written - readTokens,
      // Bedrock sorts them 1h before 5m.
      details: [...details.entries()].sort(([a], [b]) => (a === '1h' ? -1 : b === '1h' ? 1 : 0)).map(([ttl, inputTokens]) => ({ ttl, inputTokens })),
    };
  }
}
