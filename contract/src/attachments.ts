/**
 * Attachments: photos and documents a person sends with a message. The
 * bytes live in the agent's private S3 bucket; the table and this contract
 * carry only what describes them.
 *
 * POST /v1/attachments (X-User-Id; body: the file's bytes as
 *   `application/octet-stream`; header `X-File-Name`: the file's name,
 *   percent-encoded) → 201 AttachmentResponse; 400 `unsupported_file`
 *   (not a format Claude reads, decided from the bytes), `file_too_large`,
 *   `image_too_large` (pixels), `empty_file`; 413 past the largest allowed file.
 *   The upload stays pending (and expires after a day) until a message uses it.
 * GET /v1/attachments/:attachmentId (X-User-Id) → 200 the bytes, with
 *   `Content-Type` and `X-Attachment` (the Attachment as JSON); 404 for
 *   anyone but its owner.
 * DELETE /v1/attachments/:attachmentId (X-User-Id) → 204 (a pending upload
 *   removed with its file); 404; 409 `attachment_in_use` once a message holds it.
 */
import { Type, type Static } from 'typebox';

export const ATTACHMENT_ID_PATTERN = '^[A-Za-z0-9_-]{10,64}$';

export const Attachment = Type.Object({
  id: Type.String({ pattern: ATTACHMENT_ID_PATTERN }),
  kind: Type.Union([Type.Literal('image'), Type.Literal('document')]),
  /** Converse's format: png, jpeg, gif, webp; pdf, csv, doc, docx, xls, xlsx, html, txt, md */
  format: Type.String(),
  /** the media type its bytes were found to have (never the browser's claim) */
  mediaType: Type.String(),
  /** the name the person gave the file, for showing and downloading */
  name: Type.String({ maxLength: 255 }),
  sizeBytes: Type.Integer({ minimum: 1 }),
  width: Type.Optional(Type.Integer({ minimum: 1 })),
  height: Type.Optional(Type.Integer({ minimum: 1 })),
  createdAt: Type.String(),
});
export type Attachment = Static<typeof Attachment>;

export const AttachmentResponse = Type.Object({ attachment: Attachment });
export type AttachmentResponse = Static<typeof AttachmentResponse>;

export const AttachmentParams = Type.Object({ attachmentId: Type.String({ pattern: ATTACHMENT_ID_PATTERN }) });
export type AttachmentParams = Static<typeof AttachmentParams>;

/**
 * The formats and limits of Bedrock's Converse API, which the agent enforces
 * and the app checks early (the Bedrock API reference: Message, DocumentBlock,
 * ImageBlock; https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
 * and API_runtime_DocumentBlock.html, read 2026-12-01):
 * - up to 20 images per message, each at most 3.75 MB and 8000 × 8000 px;
 * - up to 5 documents per message, each at most 4.5 MB;
 * - a document name: 1–200 characters.
 */
export const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'] as const;
export const DOCUMENT_FORMATS = ['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

export const ATTACHMENT_LIMITS = {
  imagesPerMessage: 20,
  imageMaxBytes: 3.75 * 1024 * 1024,
  imageMaxPixels: 8000,
  documentsPerMessage: 5,
  documentMaxBytes: 4.5 * 1024 * 1024,
  documentNameMax: 200,
} as const;

/** The header that names an uploaded file (percent-encoded UTF-8). */
export const FILE_NAME_HEADER = 'x-file-name';
/** The header that describes a downloaded attachment (the Attachment as JSON). */
export const ATTACHMENT_HEADER = 'x-attachment';
