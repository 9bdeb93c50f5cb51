/**
 * What files cost a request, and which of a conversation's files go with it.
 *
 * Bedrock counts images and documents over the whole request, not only the
 * newest message: a history with 21 images fails "too many images and
 * documents: 21 + 0 > 20" (cline/cline#1844, 2025-02), reproduced by AWS as
 * "messages: too many images: image_count > 20" (boto/boto3#4632, 2025-10),
 * and "You can't include more than 5 documents in a request."
 * (aws-samples/generative-ai-use-cases#1685, 2026-08). The request body has a
 * size cap too: 25.6 MB of JSON was accepted and 27.7 MB refused with "Input
 * is too long for requested model" (openai/codex#46247 and
 * aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws#998,
 * both 2026-09; base64 makes bytes 4/3 larger). So the newest message's files
 * always go (the send checked them), and older ones go newest first while the
 * counts, the bytes and the context's token budget allow: an over-large
 * history loses its older files before it loses any text.
 */
import type { Attachment } from '@homeagent/contract';
import { ATTACHMENT_LIMITS, estimateDocumentTokens, estimateImageTokens, type DocumentFormat } from './attachment-format.js';
import { estimateTokens } from './conversation-context.js';

/** What one request may carry in all (see above): 16 MiB of files is about 21 MiB as base64, under the measured cap. */
export const REQUEST_ATTACHMENT_LIMITS = {
  images: ATTACHMENT_LIMITS.imagesPerMessage,
  documents: ATTACHMENT_LIMITS.documentsPerMessage,
  bytes: 16 * 1024 * 1024,
} as const;

/** The text block that names a photo before it, so Claude (and the person) can tell photos apart. */
export function photoLabel(attachment: Pick<Attachment, 'name'>, index: number): string {
  return `Photo ${index}: ${attachment.name}`;
}

/** One file's tokens: an image by its pixels (and its label), a document by its bytes. */
export function attachmentTokens(attachment: Attachment): number {
  if (attachment.kind === 'image') return estimateImageTokens(attachment.width, attachment.height) + estimateTokens(photoLabel(attachment, 20));
  return estimateDocumentTokens(attachment.format as DocumentFormat, attachment.sizeBytes);
}

export const totalAttachmentTokens = (attachments: readonly Attachment[]) => attachments.reduce((n, a) => n + attachmentTokens(a), 0);

export interface AttachmentPlan {
  /** per context message, the files that go with it, in their order */
  kept: Attachment[][];
  /** the kept files' tokens */
  tokens: number;
  /** older files left out (by count, bytes or tokens) */
  leftOut: number;
}

/**
 * Which files go: every one in `required` (the newest message's), then the
 * others newest first while they fit `tokenBudget` (tokens beyond the
 * required ones) and the request's counts and bytes.
 */
export function planAttachments(turns: Attachment[][], required: ReadonlySet<string>, tokenBudget: number): AttachmentPlan {
  const keep = new Set<string>();
  let images = 0;
  let documents = 0;
  let bytes = 0;
  let tokens = 0;
  const take = (a: Attachment) => {
    keep.add(a.id);
    if (a.kind === 'image') images += 1;
    else documents += 1;
    bytes += a.sizeBytes;
    tokens += attachmentTokens(a);
  };
  for (const turn of turns) for (const a of turn) if (required.has(a.id)) take(a);
  const requiredTokens = tokens;
  let leftOut = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    for (let j = turn.length - 1; j >= 0; j--) {
      const a = turn[j]!;
      if (keep.has(a.id)) continue;
      const fits =
        (a.kind === 'image' ? images < REQUEST_ATTACHMENT_LIMITS.images : documents < REQUEST_ATTACHMENT_LIMITS.documents) &&
        bytes + a.sizeBytes <= REQUEST_ATTACHMENT_LIMITS.bytes &&
        tokens - requiredTokens + attachmentTokens(a) <= tokenBudget;
      if (fits) take(a);
      else leftOut += 1;
    }
  }
  return { kept: turns.map((turn) => turn.filter((a) => keep.has(a.id))), tokens, leftOut };
}
