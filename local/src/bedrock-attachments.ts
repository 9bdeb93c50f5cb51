/**
 * The emulator's reading of image and document blocks, refused the way
 * Bedrock refuses them. The texts, and where they come from:
 * - formats, the name rule (1–200 characters), 20 images and 5 documents,
 *   3.75 MB / 8000 px per image, 4.5 MB per document, a text block beside a
 *   document, files only in user turns: Bedrock API reference, Message,
 *   ImageBlock, DocumentBlock (read 2026-12-01);
 * - "The document file name can only contain alphanumeric characters, …":
 *   simonw/llm-bedrock#8 (2024-12);
 * - "Messages can't contain duplicate document names. …": maximhq/bifrost#7003
 *   (2026-09), counted over the whole request;
 * - "You can't include more than 5 documents in a request.": aws-samples/
 *   generative-ai-use-cases#1685 (2026-08);
 * - "The maximum document size is 4.5 MB. …" (not for PDFs, measured):
 *   Boise-State-Development/agentcore-public-stack#206 (2026-05) and
 *   aws-samples/generative-ai-use-cases#1334 (2026-08);
 * - "image exceeds 5 MB maximum: N bytes > 5242880 bytes" (the base64 size):
 *   aws/aws-sdk-js-v3#6785 (2025-01);
 * - "messages: too many images: image_count > 20", over the request:
 *   boto/boto3#4632 (AWS's reproduction, 2025-10);
 * - "A text block must be included when using documents.":
 *   archestra-ai/archestra#4220, maximhq/bifrost#5817 (2026);
 * - "At least one of the image dimensions exceed max allowed size: 8000
 *   pixels": the model's own text (anthropics/claude-code#5147, 2025-08),
 *   wrapped as Bedrock wraps model errors.
 * Inferred (no published text found): an unknown format (Bedrock's usual enum
 * wording), a file in an assistant turn, bytes that are not what the format
 * says, a missing or too long name (Bedrock's usual constraint wording).
 */
import { blockText, type ConverseContentBlock, type ConverseMessage } from './bedrock-reply.js';
import { invalid } from './bedrock-request-check.js';

export const IMAGE_FORMATS = ['png', 'jpeg', 'gif', 'webp'];
export const DOCUMENT_FORMATS = ['pdf', 'csv', 'doc', 'docx', 'xls', 'xlsx', 'html', 'txt', 'md'];
export const MAX_IMAGES = 20;
export const MAX_DOCUMENTS = 5;
/** 3.75 MB of bytes is 5 MiB as base64, which is what Bedrock measures. */
export const MAX_IMAGE_BASE64 = 5 * 1024 * 1024;
export const MAX_IMAGE_PIXELS = 8000;
export const MAX_DOCUMENT_BYTES = 4.5 * 1024 * 1024;
const NAME = /^[A-Za-z0-9\-()[\]_]+( [A-Za-z0-9\-()[\]_]+)*$/;

const modelError = (message: string) => invalid(`The model returned the following errors: ${message}`);

/** What the emulator received of one file (said in its reply). */
export interface ReceivedFile {
  kind: 'image' | 'document';
  format: string;
  /** a document's name */
  name?: string;
  bytes: number;
  width?: number;
  height?: number;
}

type Size = { width: number; height: number };

function imageSize(b: Buffer): { format: string; size?: Size } | undefined {
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return { format: 'png', size: { width: b.readUInt32BE(16), height: b.readUInt32BE(20) } };
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'GIF') return { format: 'gif', size: { width: b.readUInt16LE(6), height: b.readUInt16LE(8) } };
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = b.toString('latin1', 12, 16);
    if (chunk === 'VP8X' && b.length >= 30) return { format: 'webp', size: { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 } };
    return { format: 'webp' };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    let at = 2;
    while (at + 9 < b.length && b[at] === 0xff) {
      const marker = b[at + 1]!;
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { format: 'jpeg', size: { height: b.readUInt16BE(at + 5), width: b.readUInt16BE(at + 7) } };
      }
      at += 2 + b.readUInt16BE(at + 2);
    }
    return { format: 'jpeg' };
  }
  return undefined;
}

/** The bytes of a block's `source.bytes` (base64 on the wire), or a refusal naming where. */
function sourceBytes(source: unknown, where: string): { bytes: Buffer; base64Length: number } {
  const value = typeof source === 'object' && source !== null ? (source as { bytes?: unknown }).bytes : undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length === 0) {
    throw invalid(`1 validation error detected: Value at '${where}.source' failed to satisfy constraint: Member must contain bytes (base64)`);
  }
  return { bytes: Buffer.from(value, 'base64'), base64Length: value.length };
}

function checkImage(block: ConverseContentBlock, i: number, j: number): ReceivedFile {
  const image = block.image as { format?: unknown; source?: unknown } | undefined;
  const format = image?.format;
  if (typeof format !== 'string' || !IMAGE_FORMATS.includes(format)) {
    throw invalid(`1 validation error detected: Value '${String(format)}' at 'messages.${i + 1}.member.content.${j + 1}.member.image.format' failed to satisfy constraint: Member must satisfy enum value set: [${IMAGE_FORMATS.join(', ')}]`);
  }
  const { bytes, base64Length } = sourceBytes(image!.source, `messages.${i}.content.${j}.image`);
  if (base64Length > MAX_IMAGE_BASE64) throw modelError(`messages.${i}.content.${j}.image.source: image exceeds 5 MB maximum: ${base64Length} bytes > ${MAX_IMAGE_BASE64} bytes`);
  const seen = imageSize(bytes);
  if (!seen || seen.format !== format) {
    throw modelError(`messages.${i}.content.${j}.image.source.base64: The image was specified using the image/${format} media type, but the image appears to be ${seen ? `a image/${seen.format}` : 'an unreadable'} image`);
  }
  if (seen.size && (seen.size.width > MAX_IMAGE_PIXELS || seen.size.height > MAX_IMAGE_PIXELS)) {
    throw modelError(`messages.${i}.content.${j}.image.source.base64.data: At least one of the image dimensions exceed max allowed size: ${MAX_IMAGE_PIXELS} pixels`);
  }
  return { kind: 'image', format, bytes: bytes.length, ...(seen.size ?? {}) };
}

function checkDocument(block: ConverseContentBlock, i: number, j: number): ReceivedFile {
  const document = block.document as { format?: unknown; name?: unknown; source?: unknown } | undefined;
  const format = document?.format;
  if (typeof format !== 'string' || !DOCUMENT_FORMATS.includes(format)) {
    throw invalid(`1 validation error detected: Value '${String(format)}' at 'messages.${i + 1}.member.content.${j + 1}.member.document.format' failed to satisfy constraint: Member must satisfy enum value set: [${DOCUMENT_FORMATS.join(', ')}]`);
  }
  const name = document!.name;
  if (typeof name !== 'string' || name.length < 1 || name.length > 200) {
    throw invalid(`1 validation error detected: Value at 'messages.${i + 1}.member.content.${j + 1}.member.document.name' failed to satisfy constraint: Member must have length between 1 and 200`);
  }
  if (!NAME.test(name)) {
    throw invalid(
      "The document file name can only contain alphanumeric characters, whitespace characters, hyphens, parentheses, and square brackets. The name can't contain more than one consecutive whitespace character. Check that the file name conforms to these restrictions and retry your request.",
    );
  }
  const { bytes } = sourceBytes(document!.source, `messages.${i}.content.${j}.document`);
  if (format !== 'pdf' && bytes.length > MAX_DOCUMENT_BYTES) throw invalid('The maximum document size is 4.5 MB. Reduce the size of your document and retry your request.');
  if (format === 'pdf' && bytes.toString('latin1', 0, 5) !== '%PDF-') throw modelError(`messages.${i}.content.${j}.document.source.bytes: The PDF specified was not valid.`);
  return { kind: 'document', format, name, bytes: bytes.length };
}

/** Checks every file block of the request; the files, in order, with the index of their message. */
export function checkFiles(messages: ConverseMessage[]): Array<ReceivedFile & { message: number }> {
  const files: Array<ReceivedFile & { message: number }> = [];
  messages.forEach((m, i) => {
    let hasDocument = false;
    let hasText = false;
    for (const [j, block] of m.content.entries()) {
      const isImage = 'image' in block;
      const isDocument = 'document' in block;
      // A guarded text is text too (inferred: the rule is about the person's words being there).
      if (blockText(block).trim() !== '') hasText = true;
      if (!isImage && !isDocument) continue;
      if (m.role !== 'user') throw modelError(`messages.${i}.content.${j}: ${isImage ? 'image' : 'document'} blocks may only be in user messages`);
      const file = isImage ? checkImage(block, i, j) : checkDocument(block, i, j);
      if (isDocument) hasDocument = true;
      files.push({ ...file, message: i });
    }
    if (hasDocument && !hasText) throw invalid('A text block must be included when using documents.');
  });
  const documents = files.filter((f) => f.kind === 'document');
  if (documents.length > MAX_DOCUMENTS) throw invalid(`You can't include more than ${MAX_DOCUMENTS} documents in a request.`);
  const names = documents.map((d) => d.name!.toLowerCase());
  if (new Set(names).size !== names.length) throw invalid("Messages can't contain duplicate document names. Rename the document and retry your request.");
  if (files.length - documents.length > MAX_IMAGES) throw modelError(`messages: too many images: image_count > ${MAX_IMAGES}`);
  return files;
}

/** The files of one message, as checkFiles reads them (no checks: the request was checked). */
export function filesOf(message: ConverseMessage | undefined): ReceivedFile[] {
  if (!message) return [];
  const out: ReceivedFile[] = [];
  for (const block of message.content) {
    if ('image' in block) {
      const image = block.image as { format: string; source: { bytes: string } };
      const bytes = Buffer.from(image.source.bytes, 'base64');
      out.push({ kind: 'image', format: image.format, bytes: bytes.length, ...(imageSize(bytes)?.size ?? {}) });
    } else if ('document' in block) {
      const document = block.document as { format: string; name: string; source: { bytes: string } };
      out.push({ kind: 'document', format: document.format, name: document.name, bytes: Buffer.from(document.source.bytes, 'base64').length });
    }
  }
  return out;
}

/** A stable stand-in for a file's input tokens: an image by its pixels (scaled to 1568 px), a document by its bytes. */
export function fileTokens(file: ReceivedFile): number {
  if (file.kind === 'document') return Math.ceil(file.bytes / 4);
  if (!file.width || !file.height) return 1_600;
  const scale = Math.min(1, 1568 / Math.max(file.width, file.height));
  return Math.ceil((file.width * scale * file.height * scale) / 750);
}

/** One line per file, as the reply says it: what Claude would have been sent. */
export function describeFile(file: ReceivedFile): string {
  const pixels = file.width && file.height ? `, ${file.width} × ${file.height} px` : '';
  return file.kind === 'document' ? `document “${file.name}” (${file.format}, ${file.bytes} bytes)` : `image (${file.format}, ${file.bytes} bytes${pixels})`;
}
