import type { Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import type { MessageRecord } from './plugins/app/messages-repository.js';

/** The most a reply may be; also what the budget reserves for the output. */
export const MAX_OUTPUT_TOKENS = 4_096;

/**
 * The messages sent to the model: the last `limit` usable ones, ending with
 * the new user text. Bedrock refuses empty texts, a first message that is not
 * the user's and two messages of the same role in a row, so errored or empty
 * replies are skipped, neighbours of the same role are joined, and a leading
 * assistant message is dropped.
 */
export function buildContext(history: Pick<MessageRecord, 'role' | 'text' | 'state'>[], newText: string, limit: number): BedrockMessage[] {
  const usable = history.filter((m) => {
    if (m.text.trim() === '') return false;
    if (m.role === 'user') return true;
    return m.state === 'complete' || m.state === 'stopped';
  });
  // slice(-0) would keep everything, hence the explicit case for a limit of 1
  const earlier = limit > 1 ? usable.slice(-(limit - 1)) : [];
  const picked = [...earlier, { role: 'user' as const, text: newText }];
  const merged: { role: 'user' | 'assistant'; text: string }[] = [];
  for (const m of picked) {
    const last = merged.at(-1);
    if (last && last.role === m.role) last.text = `${last.text}\n\n${m.text}`;
    else merged.push({ role: m.role, text: m.text });
  }
  while (merged.length > 0 && merged[0]!.role !== 'user') merged.shift();
  return merged.map((m) => ({ role: m.role, content: [{ text: m.text }] }));
}

/** About four characters per token: good enough for a reservation that is settled later. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function estimateInputTokens(system: string, messages: BedrockMessage[]): number {
  let chars = system.length;
  for (const m of messages) for (const block of m.content ?? []) chars += 'text' in block && typeof block.text === 'string' ? block.text.length : 0;
  return Math.ceil(chars / 4);
}

/** The conversation's automatic title: the first message, on one line, cut at a word. */
export function titleFrom(text: string, max = 60): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
