/**
 * A conversation's files as Converse content blocks, read from the bucket.
 *
 * Shapes (Bedrock API reference, ContentBlock, ImageBlock, DocumentBlock,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
 * and API_runtime_DocumentBlock.html, read 2026-12-01):
 * - `{ image: { format: png|jpeg|gif|webp, source: { bytes } } }`;
 * - `{ document: { format: pdf|csv|doc|docx|xls|xlsx|html|txt|md, name, source: { bytes } } }`,
 *   the name 1–200 characters of alphanumerics, single whitespace, hyphens,
 *   parentheses and square brackets (converseDocumentName);
 * - images and documents only in user turns, and a turn with a document also
 *   needs a text block (API_runtime_Message.html): every user turn here has
 *   the person's text, which goes last, after its files (Anthropic, "Vision":
 *   images before the question work best);
 * - document names unique in the whole request: "Messages can't contain
 *   duplicate document names." (maximhq/bifrost#7003, 2026-09), so a second
 *   "Report" becomes "Report (2)".
 * The SDK sends `bytes` base64-encoded.
 */
import type { ContentBlock, DocumentFormat, ImageFormat, Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import type { Attachment } from '@homeagent/contract';
import { converseDocumentName } from './attachment-format.js';
import { photoLabel } from './attachment-tokens.js';

/** Files read from the bucket at once: a request holds at most 25. */
const READ_CONCURRENCY = 4;

/** A file's bytes; undefined leaves the file out (an older file that cannot be read). */
export type ReadFile = (attachment: Attachment) => Promise<Uint8Array | undefined>;

/** Reads every file once, a few at a time. */
async function readAll(attachments: Attachment[], read: ReadFile): Promise<Map<string, Uint8Array>> {
  const bytes = new Map<string, Uint8Array>();
  for (let i = 0; i < attachments.length; i += READ_CONCURRENCY) {
    const batch = attachments.slice(i, i + READ_CONCURRENCY);
    const results = await Promise.all(batch.map(async (a) => [a.id, await read(a)] as const));
    for (const [id, b] of results) if (b) bytes.set(id, b);
  }
  return bytes;
}

/** Names each document as Converse requires, unique within the request (case aside). */
function documentNamer(): (fileName: string) => string {
  const used = new Set<string>();
  return (fileName) => {
    const base = converseDocumentName(fileName);
    let name = base;
    for (let n = 2; used.has(name.toLowerCase()); n++) {
      const suffix = ` (${n})`;
      name = `${base.slice(0, 200 - suffix.length).trimEnd()}${suffix}`;
    }
    used.add(name.toLowerCase());
    return name;
  };
}

/**
 * The context with each user turn's kept files (`kept[i]` for `messages[i]`)
 * put before its text: a label and the image for a photo, the document for a
 * document. Only the kept files are read, so a long history costs no reads.
 */
export async function withAttachmentBlocks(messages: BedrockMessage[], kept: Attachment[][], read: ReadFile): Promise<BedrockMessage[]> {
  const wanted = messages.flatMap((m, i) => (m.role === 'user' ? (kept[i] ?? []) : []));
  if (wanted.length === 0) return messages;
  const bytes = await readAll(wanted, read);
  const nameOf = documentNamer();
  let photo = 0;
  return messages.map((m, i) => {
    const files = m.role === 'user' ? (kept[i] ?? []).filter((a) => bytes.has(a.id)) : [];
    if (files.length === 0) return m;
    const blocks: ContentBlock[] = [];
    for (const a of files) {
      const data = bytes.get(a.id)!;
      if (a.kind === 'image') {
        photo += 1;
        blocks.push({ text: photoLabel(a, photo) });
        blocks.push({ image: { format: a.format as ImageFormat, source: { bytes: data } } });
      } else {
        blocks.push({ document: { format: a.format as DocumentFormat, name: nameOf(a.name), source: { bytes: data } } });
      }
    }
    return { ...m, content: [...blocks, ...(m.content ?? [])] };
  });
}
