/**
 * The emulator's answer, as a pure function of the request, so a test can
 * compute exactly what the model "said" and check what the caller sent it.
 */

import { describeFile, fileTokens, filesOf } from './bedrock-attachments.js';

/** A Converse content block; the emulator reads `text`, `guardContent`, `reasoningContent`, `image` and `document`. */
export interface ConverseContentBlock {
  text?: string;
  guardContent?: { text?: { text?: string } };
  reasoningContent?: { reasoningText?: { text?: string; signature?: string } };
  cachePoint?: { type?: string; ttl?: string };
  [other: string]: unknown;
}

export interface ConverseMessage {
  role: string;
  content: ConverseContentBlock[];
}

export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: ConverseContentBlock[];
  /** what the emulator received beyond the messages, one line each (said in the reply on `[[emulator:echo]]`) */
  received?: string[];
}

/** Markers that, in the last user message, make the emulator misbehave on purpose. */
export const EMULATOR_MARKERS = {
  throttle: '[[emulator:throttle]]',
  internal: '[[emulator:internal]]',
  modelStreamError: '[[emulator:model-stream-error]]',
  unavailable: '[[emulator:unavailable]]',
  validation: '[[emulator:validation]]',
  slow: '[[emulator:slow]]',
  /** the reply ends with what the emulator received (model fields, cache points, thinking, guardrail, metadata) */
  echo: '[[emulator:echo]]',
  /** refuse the first attempt with 429 ThrottlingException before streaming; later attempts stream (emulator-faults.ts) */
  throttleFirstAttempt: '[[emulator:throttle-first-attempt]]',
  /** refuse every attempt with 429 ThrottlingException before streaming */
  throttleBeforeStream: '[[emulator:throttle-before-stream]]',
  /** stream a few tokens, then send nothing more and never end (emulator-faults.ts) */
  silent: '[[emulator:silent]]',
} as const;

/** In a guarded text, makes the guardrail with this identifier intervene. */
export function guardrailMarker(identifier: string): string {
  return `[[guardrail:${identifier}]]`;
}

/** The text of a block as the model reads it: plain text or a guarded text. */
export function blockText(block: ConverseContentBlock | undefined): string {
  if (typeof block?.text === 'string') return block.text;
  if (typeof block?.guardContent?.text?.text === 'string') return block.guardContent.text.text;
  return '';
}

function textOf(blocks: ConverseContentBlock[] | undefined): string {
  if (!Array.isArray(blocks)) return '';
  return blocks
    .map((block) => blockText(block))
    .filter((text) => text.length > 0)
    .join('\n');
}

/** The last message with role `user`. */
function lastUser(request: ConverseRequest): ConverseMessage | undefined {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === 'user') return message;
  }
  return undefined;
}

/** The text of the last message with role `user` ('' when there is none). */
export function lastUserText(request: ConverseRequest): string {
  const message = lastUser(request);
  return message ? textOf(message.content) : '';
}

/** The full reply text the emulator streams for this request (Markdown). */
export function emulatorReply(request: ConverseRequest): string {
  const said = lastUserText(request).trim();
  const files = filesOf(lastUser(request));
  const count = request.messages.length;
  const systemGiven = textOf(request.system).trim().length > 0;
  const words = said.length === 0 ? 0 : said.split(/\s+/).length;
  const quote = said.length === 0 ? '> (nothing)' : said.split(/\r?\n/).map((line) => `> ${line}`).join('\n');
  return [
    'You said:',
    '',
    quote,
    '',
    `This conversation has **${count} ${count === 1 ? 'message' : 'messages'}** so far, and ${
      systemGiven ? 'a system prompt was given' : 'no system prompt was given'
    }.`,
    '',
    'A few things about this reply:',
    '',
    `- your message has ${words} ${words === 1 ? 'word' : 'words'};`,
    '- it comes from the local Bedrock emulator, not from Claude;',
    '- it streams in small pieces, one word at a time.',
    '',
    'Thank you for testing **HomeAgent** with the emulator.',
    // Always, not only on echo: what a person attached is what they expect the answer to be about.
    ...(files.length > 0 ? ['', `Files in your message (${files.length}):`, '', ...files.map((f) => `- ${describeFile(f)}`)] : []),
    ...(said.includes(EMULATOR_MARKERS.echo) && request.received ? ['', 'What the emulator received:', '', ...request.received.map((line) => `- ${line}`)] : []),
  ].join('\n');
}

/** What the emulator "thinks" before replying, when thinking is asked for. */
export function emulatorThinking(request: ConverseRequest, effort: string): string {
  const said = lastUserText(request).trim();
  const words = said.length === 0 ? 0 : said.split(/\s+/).length;
  return `The person wrote ${words} ${words === 1 ? 'word' : 'words'} in message ${request.messages.length}. Thinking with ${effort} effort before answering them kindly.`;
}

/**
 * Splits a reply into the pieces it streams in: each word with the
 * whitespace before it, so joining the pieces gives back the text exactly.
 */
export function replyTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

/** A stable stand-in for Bedrock's input token count: about four characters per token. */
export function inputTokenCount(request: ConverseRequest): number {
  let chars = textOf(request.system).length;
  for (const message of request.messages) {
    chars += textOf(message.content).length;
    for (const block of message.content) chars += block.reasoningContent?.reasoningText?.text?.length ?? 0;
  }
  const files = request.messages.flatMap((m) => filesOf(m)).reduce((n, f) => n + fileTokens(f), 0);
  return Math.max(1, Math.ceil(chars / 4) + files);
}
