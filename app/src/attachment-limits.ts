/**
 * What the app checks before a file reaches the agent, which decides for
 * good (it sniffs the bytes). The numbers are Bedrock's, from the contract
 * (contract/src/attachments.ts cites them), which the agent applies too.
 */
import { ATTACHMENT_LIMITS as BEDROCK_LIMITS } from '@homeagent/contract';

const MB = 1024 * 1024;

export const ATTACHMENT_LIMITS = {
  imageMaxBytes: BEDROCK_LIMITS.imageMaxBytes,
  documentMaxBytes: BEDROCK_LIMITS.documentMaxBytes,
  /** the largest file of any kind: the app reads no more of one upload */
  fileMaxBytes: Math.max(BEDROCK_LIMITS.imageMaxBytes, BEDROCK_LIMITS.documentMaxBytes),
  imagesPerMessage: BEDROCK_LIMITS.imagesPerMessage,
  documentsPerMessage: BEDROCK_LIMITS.documentsPerMessage,
  /** how many files one send may name: as many images and documents as Bedrock takes in one message */
  perMessage: BEDROCK_LIMITS.imagesPerMessage + BEDROCK_LIMITS.documentsPerMessage,
  /**
   * Files one plain (no-script) form post may carry: each is held in memory
   * until the form's security token is checked, so fewer than a message
   * may hold (with the script, each file uploads on its own).
   */
  perFormPost: 10,
} as const;

/** What the page's file picker offers; the agent decides from the bytes whatever is picked. */
export const ACCEPTED_FILES = 'image/png,image/jpeg,image/gif,image/webp,.pdf,.csv,.doc,.docx,.xls,.xlsx,.html,.htm,.txt,.md,.markdown';

/** Formats a browser may show in the page; anything else (HTML, SVG, documents) is only ever downloaded. */
export const INLINE_FORMATS: ReadonlySet<string> = new Set(['png', 'jpeg', 'gif', 'webp']);
export const INLINE_MEDIA_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** What follows a file's name when it is past the largest file (the route's 413 and the page's own check say the same). */
export function tooLargeSuffix(): string {
  return `is larger than ${humanSize(ATTACHMENT_LIMITS.fileMaxBytes)}, the largest file Claude can read.`;
}

/** "3.8 MB", "120 KB", "512 bytes": how the page names sizes. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < MB) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / MB).toLocaleString('en-US', { maximumFractionDigits: 2 })} MB`;
}
