/**
 * What a file is, decided from its bytes: the image and document formats
 * the Converse API takes, an image's size in pixels, and the document name
 * Converse requires. Nothing here trusts the browser's content type or the
 * file's name, except to tell plain-text dialects (CSV, Markdown, text)
 * apart, which their bytes cannot.
 *
 * Limits, from the Bedrock API reference (Message, DocumentBlock, ImageBlock;
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
 * and API_runtime_DocumentBlock.html, read 2026-12-01):
 * - up to 20 images per message, each at most 3.75 MB and 8000 × 8000 px;
 * - up to 5 documents per message, each at most 4.5 MB;
 * - a message with a document also needs a text block; images and documents
 *   only in the user's turns;
 * - a document name: 1–200 characters, only alphanumerics, single
 *   whitespace, hyphens, parentheses and square brackets.
 * Image tokens: about width × height / 750 after Claude scales the long edge
 * down to 1568 px (Anthropic, "Vision", platform.claude.com docs, read
 * 2026-12-01).
 */

// The formats and limits themselves live in the contract, which the app checks early against too.
import { ATTACHMENT_LIMITS, type DocumentFormat, type ImageFormat } from '@homeagent/contract';
export { ATTACHMENT_LIMITS, DOCUMENT_FORMATS, IMAGE_FORMATS, type DocumentFormat, type ImageFormat } from '@homeagent/contract';

export type SniffedFormat =
  | { kind: 'image'; format: ImageFormat; mediaType: string; width?: number; height?: number }
  | { kind: 'document'; format: DocumentFormat; mediaType: string };

const MEDIA_TYPES: Record<ImageFormat | DocumentFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  html: 'text/html',
  txt: 'text/plain',
  md: 'text/markdown',
};

const startsWith = (bytes: Uint8Array, signature: number[], at = 0) => signature.every((b, i) => bytes[at + i] === b);
const ascii = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.buffer, bytes.byteOffset + from, Math.max(0, Math.min(to, bytes.length) - from)).toString('latin1');

function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return undefined;
  const view = new DataView(b.buffer, b.byteOffset);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function gifSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 10) return undefined;
  const view = new DataView(b.buffer, b.byteOffset);
  return { width: view.getUint16(6, true), height: view.getUint16(8, true) };
}

/** Walks the JPEG markers to the first start-of-frame, which holds the size. */
function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    const length = view.getUint16(at + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    at += 2 + length;
  }
  return undefined;
}

function webpSize(b: Uint8Array): { width: number; height: number } | undefined {
  const chunk = ascii(b, 12, 16);
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  if (chunk === 'VP8X' && b.length >= 30) {
    const w = (b[24]! | (b[25]! << 8) | (b[26]! << 16)) + 1;
    const h = (b[27]! | (b[28]! << 8) | (b[29]! << 16)) + 1;
    return { width: w, height: h };
  }
  if (chunk === 'VP8 ' && b.length >= 30) return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return undefined;
}

function image(format: ImageFormat, size: { width: number; height: number } | undefined): SniffedFormat {
  return { kind: 'image', format, mediaType: MEDIA_TYPES[format], ...(size ? size : {}) };
}

function document(format: DocumentFormat): SniffedFormat {
  return { kind: 'document', format, mediaType: MEDIA_TYPES[format] };
}

/** The names of a ZIP's entries, from its local file headers (enough to tell Word from Excel). */
function zipEntryNames(b: Uint8Array, limit = 64): string[] {
  const names: string[] = [];
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  let at = 0;
  while (names.length < limit && at + 30 <= b.length && startsWith(b, [0x50, 0x4b, 0x03, 0x04], at)) {
    const compressed = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    names.push(ascii(b, at + 30, at + 30 + nameLength));
    // A size of 0 with the data-descriptor flag means "streamed": look further by signature.
    const next = at + 30 + nameLength + extraLength + compressed;
    if (compressed === 0 && (view.getUint16(at + 6, true) & 0x08) !== 0) {
      const found = Buffer.from(b.buffer, b.byteOffset, b.length).indexOf('PK\x03\x04', at + 30, 'latin1');
      if (found < 0) break;
      at = found;
    } else {
      at = next;
    }
  }
  return names;
}

/** Legacy Office files are OLE compound files; the stream names tell Word from Excel. */
function oleFormat(b: Uint8Array): DocumentFormat | undefined {
  const text = Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf16le');
  if (text.includes('WordDocument')) return 'doc';
  if (text.includes('Workbook') || text.includes('Book')) return 'xls';
  return undefined;
}

const SVG_START = /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype\s+svg[^>]*>\s*)?<svg[\s>]/i;
const HTML_START = /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|script|style|div|p|table|h[1-6])[\s>]/i;

/** The format of a file, from its bytes; undefined for anything Converse does not take. */
export function sniffFormat(bytes: Uint8Array, fileName = ''): SniffedFormat | undefined {
  const b = bytes;
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return image('png', pngSize(b));
  if (startsWith(b, [0xff, 0xd8, 0xff])) return image('jpeg', jpegSize(b));
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return image('gif', gifSize(b));
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return image('webp', webpSize(b));
  if (ascii(b, 0, 5) === '%PDF-') return document('pdf');
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) {
    const names = zipEntryNames(b);
    if (names.some((n) => n.startsWith('word/'))) return document('docx');
    if (names.some((n) => n.startsWith('xl/'))) return document('xlsx');
    return undefined;
  }
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    const format = oleFormat(b);
    return format ? document(format) : undefined;
  }
  // Text: valid UTF-8 without NUL. Its bytes say "text"; only the name tells CSV or Markdown from plain text.
  if (b.length === 0 || b.includes(0)) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, 64 * 1024));
  } catch {
    // A cut in the middle of a character at the 64 KiB mark is still text.
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, 64 * 1024 - 3));
    } catch {
      return undefined;
    }
  }
  const start = text.replace(/^\uFEFF/, '');
  // SVG is text, but an image no model reads as one, and active content: refused rather than sent as text.
  if (SVG_START.test(start)) return undefined;
  if (HTML_START.test(start)) return document('html');
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (extension === 'csv') return document('csv');
  if (extension === 'md' || extension === 'markdown') return document('md');
  return document('txt');
}

/**
 * A document name Converse accepts, from a file name: accents dropped,
 * the extension dropped (the format says it), anything else not allowed
 * turned into a space, runs of spaces folded, at most 200 characters.
 */
export function converseDocumentName(fileName: string): string {
  const base = fileName.replace(/\.[A-Za-z0-9]{1,8}$/, '');
  const name = base
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^A-Za-z0-9\-()[\]\s]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, ATTACHMENT_LIMITS.documentNameMax)
    .trim();
  return name === '' ? 'Document' : name;
}

/** Claude's image tokens: width × height / 750 after the long edge is scaled to at most 1568 px. */
export function estimateImageTokens(width: number | undefined, height: number | undefined): number {
  if (!width || !height) return 1_600;
  const scale = Math.min(1, 1568 / Math.max(width, height));
  return Math.ceil((width * scale * (height * scale)) / 750);
}

/** A document's tokens, roughly: four bytes a token for text, and a page-ish guess for binary formats. */
export function estimateDocumentTokens(format: DocumentFormat, bytes: number): number {
  const textual = format === 'txt' || format === 'md' || format === 'csv' || format === 'html';
  return Math.ceil(bytes / (textual ? 4 : 8));
}
