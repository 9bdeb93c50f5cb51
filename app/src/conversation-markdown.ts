/**
 * A conversation as a Markdown file a person keeps: the title, then each
 * message under a heading saying who wrote it, when (ISO 8601, UTC: a file
 * outlives the reader's time zone) and, for replies, the model and tokens.
 */
import { exportedMessageMarkdownExtras, type ExportedConversation, type ExportedMessage } from '@homeagent/contract';

function usageLine(message: ExportedMessage): string {
  const parts: string[] = [];
  if (message.model) parts.push(`model \`${message.model}\``);
  if (message.usage) {
    parts.push(`${message.usage.inputTokens} tokens in, ${message.usage.outputTokens} out`);
    parts.push(`$${message.usage.costUsd.toFixed(6)}`);
  }
  if (message.state === 'stopped') parts.push('stopped before the end');
  if (message.state === 'error') parts.push(`failed: ${message.error ?? 'the reply failed'}`);
  return parts.length ? `\n\n_${parts.join(' · ')}_` : '';
}

/** A heading never swallows the text: a title is one line, and the text of a message starts on its own line. */
export function conversationMarkdown(exported: ExportedConversation): string {
  const { conversation, totals, models } = exported;
  const title = conversation.title.replace(/\s+/g, ' ').trim() || 'New chat';
  const head = [
    `# ${title}`,
    '',
    `Exported from HomeAgent on ${exported.exportedAt}. Started ${conversation.createdAt}; ${exported.messages.length} messages.`,
    models.length ? `Models: ${models.map((m) => `\`${m}\``).join(', ')}. ` : '',
    `Tokens: ${totals.inputTokens} in, ${totals.outputTokens} out; cost $${totals.costUsd.toFixed(6)}.`,
  ]
    .filter((line, i) => i < 3 || line !== '')
    .join('\n');
  const messages = exported.messages.map((m) => `## ${m.role === 'user' ? 'You' : 'Claude'} · ${m.createdAt}\n\n${m.text.trim() || '_(no text)_'}${usageLine(m)}${exportedMessageMarkdownExtras(m)}`);
  return `${[head, ...messages].join('\n\n')}\n`;
}

/** A file name from the title: plain letters and digits, dashes between, and the day. */
export function exportFileName(title: string, date: string, extension: string): string {
  const slug = title
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${slug || 'chat'}-${date.slice(0, 10)}.${extension}`;
}

/**
 * `Content-Disposition` for a download: the ASCII name, and the same as
 * RFC 8187 `filename*` (RFC 6266 §4.3) so no browser guesses.
 */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
