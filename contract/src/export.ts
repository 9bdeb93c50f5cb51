/**
 * Exports: a conversation as a file a person keeps, and all of a person's
 * data at once (data portability). A file format of its own, versioned by
 * `format`, so it stays readable when the wire contract changes.
 *
 * GET /v1/export (X-User-Id) → 200 DataExport: the person's account and every conversation
 * with every message, newest conversation first. Only the person's own.
 */
import { Type, type Static } from 'typebox';
import type { User } from './accounts.js';
import type { Conversation } from './conversations.js';
import type { Message } from './messages.js';

export const CONVERSATION_EXPORT_FORMAT = 'homeagent-conversation/1';
export const DATA_EXPORT_FORMAT = 'homeagent-data/1';

export const ExportedUsage = Type.Object({
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  cacheReadTokens: Type.Optional(Type.Integer()),
  cacheWriteTokens: Type.Optional(Type.Integer()),
  costUsd: Type.Number(),
});
export type ExportedUsage = Static<typeof ExportedUsage>;

export const ExportedAttachment = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  format: Type.String(),
  mediaType: Type.String(),
  name: Type.String(),
  sizeBytes: Type.Integer(),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
});
export type ExportedAttachment = Static<typeof ExportedAttachment>;

export const ExportedMessage = Type.Object({
  id: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  text: Type.String(),
  state: Type.String(),
  /** ISO 8601, UTC */
  createdAt: Type.String(),
  /** the Bedrock model id that replied */
  model: Type.Optional(Type.String()),
  usage: Type.Optional(ExportedUsage),
  error: Type.Optional(Type.String()),
  /** a reply's thinking (the summary the model showed), when it thought */
  thinking: Type.Optional(Type.String()),
  /** a user message's files, described (the bytes are not in the export) */
  attachments: Type.Optional(Type.Array(ExportedAttachment)),
});
export type ExportedMessage = Static<typeof ExportedMessage>;

export const ExportedConversation = Type.Object({
  format: Type.Literal(CONVERSATION_EXPORT_FORMAT),
  exportedAt: Type.String(),
  conversation: Type.Object({ id: Type.String(), title: Type.String(), createdAt: Type.String(), updatedAt: Type.String() }),
  /** every model that replied in it */
  models: Type.Array(Type.String()),
  totals: Type.Object({ inputTokens: Type.Integer(), outputTokens: Type.Integer(), costUsd: Type.Number() }),
  /** oldest first */
  messages: Type.Array(ExportedMessage),
});
export type ExportedConversation = Static<typeof ExportedConversation>;

export const DataExport = Type.Object({
  format: Type.Literal(DATA_EXPORT_FORMAT),
  exportedAt: Type.String(),
  user: Type.Object({ id: Type.String(), username: Type.String(), displayName: Type.String(), role: Type.String(), createdAt: Type.String() }),
  /** newest first */
  conversations: Type.Array(ExportedConversation),
});
export type DataExport = Static<typeof DataExport>;

function exportedMessage(message: Message): ExportedMessage {
  const out: ExportedMessage = { id: message.id, role: message.role, text: message.text, state: message.state, createdAt: message.createdAt };
  if (message.model !== undefined) out.model = message.model;
  if (message.usage !== undefined) {
    const { inputTokens, outputTokens, costUsd } = message.usage;
    const cached = message.usage as { cacheReadTokens?: number; cacheWriteTokens?: number };
    out.usage = { inputTokens, outputTokens, costUsd };
    if (cached.cacheReadTokens !== undefined) out.usage.cacheReadTokens = cached.cacheReadTokens;
    if (cached.cacheWriteTokens !== undefined) out.usage.cacheWriteTokens = cached.cacheWriteTokens;
  }
  if (message.error !== undefined) out.error = message.error;
  if (message.thinking !== undefined && message.thinking !== '') out.thinking = message.thinking;
  if (message.attachments !== undefined && message.attachments.length > 0) {
    out.attachments = message.attachments.map(({ id, kind, format, mediaType, name, sizeBytes, width, height }) => ({
      id,
      kind,
      format,
      mediaType,
      name,
      sizeBytes,
      ...(width !== undefined ? { width } : {}),
      ...(height !== undefined ? { height } : {}),
    }));
  }
  return out;
}

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);
/** Markdown's special characters in a file name, escaped so a name never becomes a link or emphasis. */
const plainMarkdown = (text: string) => text.replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);

/**
 * What a Markdown export adds below a message's text: its files as a list
 * (names, kinds, sizes; the bytes are not in the file), and a reply's
 * thinking in a collapsed `<details>` block, quoted, so it never reads as
 * the answer. '' when there is neither.
 */
export function exportedMessageMarkdownExtras(message: ExportedMessage): string {
  const parts: string[] = [];
  if (message.attachments?.length) {
    const lines = message.attachments.map((a) => {
      const pixels = a.width && a.height ? `, ${a.width} × ${a.height}` : '';
      return `- ${plainMarkdown(a.name)} (${a.kind === 'image' ? 'photo' : 'document'}, ${a.format.toUpperCase()}, ${sizeText(a.sizeBytes)}${pixels})`;
    });
    parts.push(`Attached:\n\n${lines.join('\n')}`);
  }
  if (message.thinking) {
    const quoted = message.thinking
      .trim()
      .split(/\r?\n/)
      // Inside <details> a renderer may pass HTML through: the thinking is text, so none of it is markup.
      .map((line) => `> ${line.replace(/&/g, '&amp;').replace(/</g, '&lt;')}`.trimEnd())
      .join('\n');
    parts.push(`<details>\n<summary>Thinking</summary>\n\n${quoted}\n\n</details>`);
  }
  return parts.length ? `\n\n${parts.join('\n\n')}` : '';
}

/** One conversation as its export file holds it, with the models and totals worked out. */
export function exportConversation(conversation: Conversation, messages: readonly Message[], exportedAt = new Date()): ExportedConversation {
  const exported = messages.map(exportedMessage);
  const totals = { inputTokens: 0, outputTokens: 0, costUsd: 0 };
  for (const m of exported) {
    totals.inputTokens += m.usage?.inputTokens ?? 0;
    totals.outputTokens += m.usage?.outputTokens ?? 0;
    totals.costUsd += m.usage?.costUsd ?? 0;
  }
  // Rounded to a millionth of a dollar, the precision budgets are kept in.
  totals.costUsd = Math.round(totals.costUsd * 1e6) / 1e6;
  return {
    format: CONVERSATION_EXPORT_FORMAT,
    exportedAt: exportedAt.toISOString(),
    conversation: { id: conversation.id, title: conversation.title, createdAt: conversation.createdAt, updatedAt: conversation.updatedAt },
    models: [...new Set(exported.flatMap((m) => (m.model ? [m.model] : [])))],
    totals,
    messages: exported,
  };
}

/** The account part of a data export. */
export function exportedUser(user: User): DataExport['user'] {
  return { id: user.id, username: user.username, displayName: user.displayName, role: user.role, createdAt: user.createdAt };
}
