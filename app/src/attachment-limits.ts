/**
 * What the app checks before a file reaches the agent, which decides for
 * good (it sniffs the bytes). The numbers are Bedrock's, as the agent
 * applies them (agent/src/attachment-format.ts): the Converse API reference
 * (Message, ImageBlock, DocumentBlock;
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html,
 * read 2026-12-01) allows 20 images of at most 3.75 MB and 5 documents of at
 * most 4.5 MB per message. They are repeated here only because the contract
 * does not carry them yet.
 */
const MB = 1024 * 1024;

export const ATTACHMENT_LIMITS = {
  imageMaxBytes: 3.75 * MB,
  documentMaxBytes: 4.5 * MB,
  /** the largest file of any kind: the app reads no more of one upload */
  fileMaxBytes: 4.5 * MB,
  imagesPerMessage: 20,
  documentsPerMessage: 5,
  /** the contract's AttachmentIds.maxItems */
  perMessage: 25,
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

/** "3.8 MB", "120 KB", "512 bytes": how the page names sizes. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < MB) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / MB).toLocaleString('en-US', { maximumFractionDigits: 2 })} MB`;
}
