/**
 * What Claude sees of a conversation: the newest usable messages that fit,
 * ending with the new user text.
 */
import type { ContentBlock, Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import type { Attachment } from '@homeagent/contract';
import type { MessageRecord } from './plugins/app/messages-repository.js';

/** The most a reply may be when nothing else says: what `buildContext`'s callers used before the catalogue. */
export const MAX_OUTPUT_TOKENS = 4_096;

type HistoryItem = Pick<MessageRecord, 'role' | 'text' | 'state'> & Partial<Pick<MessageRecord, 'errorFinal' | 'reasoning' | 'model' | 'attachments'>>;

export interface ContextOptions {
  /** at most this many messages, the new one included (CONTEXT_MESSAGES) */
  limit: number;
  /** tokens the history plus the new text may take; the caller subtracts the system prompt and the reply's maxTokens */
  tokenBudget?: number;
  /** the model the request goes to: reasoning blocks go back only to the model that made them */
  model?: string;
}

export interface ContextPlan {
  messages: BedrockMessage[];
  /** usable earlier messages sent */
  sent: number;
  /** usable earlier messages left out (by the limit or the token budget) */
  leftOut: number;
  estimatedTokens: number;
  /** each sent message's files (metadata), as `messages`; not counted in `estimatedTokens` (attachment-tokens.ts decides which go) */
  attachments: Attachment[][];
}

/**
 * The messages a person's turns and Claude's replies leave usable: errored
 * or empty replies are skipped; a user message whose reply Bedrock refused
 * for good (`errorFinal`) goes too, or every later turn would fail the same way.
 */
function usableHistory(history: HistoryItem[]): HistoryItem[] {
  const usable: HistoryItem[] = [];
  for (let i = 0; i < history.length; i++) {
    const m = history[i]!;
    const next = history[i + 1];
    if (m.text.trim() === '') continue;
    if (m.role === 'user') {
      if (next?.role === 'assistant' && next.state === 'error' && next.errorFinal) continue;
      usable.push(m);
    } else if (m.state === 'complete' || m.state === 'stopped') {
      usable.push(m);
    }
  }
  return usable;
}

/** About four characters per token: good enough for a reservation that is settled later. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function itemTokens(m: HistoryItem): number {
  return estimateTokens(m.text) + (m.reasoning ? estimateTokens(m.reasoning.text) : 0);
}

/**
 * Newest first, at most `limit - 1` earlier messages and only as many as fit
 * the token budget; then Bedrock's rules: no empty texts, the user first,
 * roles alternating (neighbours of the same role are joined).
 */
export function planContext(history: HistoryItem[], newText: string, options: ContextOptions): ContextPlan {
  const usable = usableHistory(history);
  const budget = options.tokenBudget ?? Number.POSITIVE_INFINITY;
  let tokens = estimateTokens(newText);
  const picked: HistoryItem[] = [];
  for (let i = usable.length - 1; i >= 0 && picked.length < options.limit - 1; i--) {
    const cost = itemTokens(usable[i]!);
    if (tokens + cost > budget) break;
    tokens += cost;
    picked.unshift(usable[i]!);
  }
  // Bedrock wants the user first: an assistant reply at the start goes (and is not counted as sent).
  while (picked[0]?.role === 'assistant') picked.shift();
  const all = [...picked, { role: 'user' as const, text: newText, state: 'complete' as const }];
  const merged: { role: 'user' | 'assistant'; text: string; reasoning?: HistoryItem['reasoning']; model?: string; joined?: boolean; attachments: Attachment[] }[] = [];
  for (const m of all) {
    const last = merged.at(-1);
    const files = 'attachments' in m ? (m.attachments ?? []) : [];
    if (last && last.role === m.role) {
      last.text = `${last.text}\n\n${m.text}`;
      last.joined = true;
      last.attachments.push(...files);
    } else {
      merged.push({ role: m.role, text: m.text, ...(m.reasoning ? { reasoning: m.reasoning } : {}), ...(m.model ? { model: m.model } : {}), attachments: [...files] });
    }
  }
  while (merged.length > 0 && merged[0]!.role !== 'user') merged.shift();
  const messages = merged.map((m): BedrockMessage => {
    const content: ContentBlock[] = [];
    // A reasoning block goes back exactly as the model sent it, signature and all, and only to that model.
    if (m.role === 'assistant' && m.reasoning && !m.joined && m.model === options.model) {
      content.push({ reasoningContent: { reasoningText: { text: m.reasoning.text, ...(m.reasoning.signature ? { signature: m.reasoning.signature } : {}) } } });
    }
    content.push({ text: m.text });
    return { role: m.role, content };
  });
  return { messages, sent: picked.length, leftOut: usable.length - picked.length, estimatedTokens: tokens, attachments: merged.map((m) => m.attachments) };
}

/** The messages sent to the model (see planContext), by count alone. */
export function buildContext(history: HistoryItem[], newText: string, limit: number): BedrockMessage[] {
  return planContext(history, newText, { limit }).messages;
}

export function estimateInputTokens(system: string, messages: BedrockMessage[]): number {
  let chars = system.length;
  for (const m of messages) {
    for (const block of m.content ?? []) {
      if ('text' in block && typeof block.text === 'string') chars += block.text.length;
      else if (block.reasoningContent?.reasoningText?.text) chars += block.reasoningContent.reasoningText.text.length;
    }
  }
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
