/**
 * A stand-in for the Bedrock runtime's ConverseStream API that speaks the
 * real wire protocol (HTTP/2, `application/vnd.amazon.eventstream`), so the
 * agent runs the unmodified AWS SDK against it.
 */
import http2 from 'node:http2';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { pino, type Logger } from 'pino';
import {
  EMULATOR_MARKERS,
  emulatorReply,
  inputTokenCount,
  lastUserText,
  replyTokens,
  type ConverseRequest,
} from './bedrock-reply.js';
import { refusalBeforeStream, silenceAfter } from './emulator-faults.js';

export { EMULATOR_MARKERS, emulatorReply, replyTokens, inputTokenCount, type ConverseRequest } from './bedrock-reply.js';

/** Model ids the emulator accepts; anything else gets Bedrock's ValidationException. */
export const KNOWN_MODEL_IDS: readonly string[] = [
  'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
  'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  'anthropic.claude-haiku-4-5-20251001-v1:0',
  'us.anthropic.claude-opus-4-1-20250805-v1:0',
  'anthropic.claude-opus-4-1-20250805-v1:0',
  'us.anthropic.claude-sonnet-4-20250514-v1:0',
  'anthropic.claude-sonnet-4-20250514-v1:0',
  'us.anthropic.claude-3-7-sonnet-20250219-v1:0',
  'anthropic.claude-3-5-haiku-20241022-v1:0',
  'us.anthropic.claude-3-5-haiku-20241022-v1:0',
];

export const DEFAULT_TOKENS_PER_SECOND = 40;
export const DEFAULT_FIRST_TOKEN_MS = 300;
/** The pace of a reply whose last user message carries `[[emulator:slow]]`. */
export const SLOW_TOKENS_PER_SECOND = 5;
/** How many tokens stream before a mid-stream failure marker takes effect. */
export const TOKENS_BEFORE_FAILURE = 3;
const MAX_BODY_BYTES = 20 * 1024 * 1024;

export interface BedrockEmulatorOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** default env EMULATOR_TOKENS_PER_SECOND, else 40 */
  tokensPerSecond?: number;
  /** default env EMULATOR_FIRST_TOKEN_MS, else 300 */
  firstTokenDelayMs?: number;
  logger?: Logger;
}

export interface BedrockEmulator {
  /** e.g. `http://127.0.0.1:41234`: the value for AWS_ENDPOINT_URL_BEDROCK_RUNTIME */
  url: string;
  close(): Promise<void>;
}

export class EmulatorConfigError extends Error {
  readonly code = 'emulator_config';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorConfigError';
  }
}

/** A request the emulator refuses the way Bedrock does: an HTTP status, an error type and a message. */
class BedrockRequestError extends Error {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BedrockRequestError';
    this.code = errorType;
  }
}

function paceFrom(value: number | undefined, optionName: string, envName: string, fallback: number, allowZero: boolean): number {
  if (value !== undefined) {
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
      throw new EmulatorConfigError(`${optionName} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${value}`);
    }
    return value;
  }
  const raw = process.env[envName];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = Number(raw);
  if (!Number.isFinite(parsed) || parsed < 0 || (!allowZero && parsed === 0)) {
    throw new EmulatorConfigError(`${envName} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`);
  }
  return parsed;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

/** Mid-stream failures, by marker: the event-stream exception Bedrock would send. */
const STREAM_FAILURES: ReadonlyArray<{ marker: string; exceptionType: string; message: string }> = [
  {
    marker: EMULATOR_MARKERS.throttle,
    exceptionType: 'throttlingException',
    message: 'Too many tokens, please wait before trying again.',
  },
  {
    marker: EMULATOR_MARKERS.internal,
    exceptionType: 'internalServerException',
    message: 'The system encountered an unexpected error during processing. Try your request again.',
  },
  {
    marker: EMULATOR_MARKERS.modelStreamError,
    exceptionType: 'modelStreamErrorException',
    message: 'The model stream ended unexpectedly.',
  },
  {
    marker: EMULATOR_MARKERS.unavailable,
    exceptionType: 'serviceUnavailableException',
    message: 'The service is temporarily unable to handle the request.',
  },
];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string): BedrockRequestError {
  return new BedrockRequestError(400, 'ValidationException', message);
}

/** Checks the request body the way Bedrock does for the parts the emulator relies on. */
function parseConverseRequest(raw: Buffer): ConverseRequest & { maxTokens?: number } {
  let body: unknown;
  try {
    body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new BedrockRequestError(400, 'SerializationException', 'The request body is not valid JSON.', { cause });
  }
  if (!isObject(body)) throw invalid('The request body must be a JSON object.');
  const { messages, system, inferenceConfig } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  messages.forEach((message, i) => {
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      throw invalid(`1 validation error detected: Value at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`);
    }
    if (!Array.isArray(message.content) || message.content.length === 0) {
      throw invalid(`The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`);
    }
    message.content.forEach((block, j) => {
      if (!isObject(block)) throw invalid(`The ContentBlock object at messages.${i}.content.${j} must be an object.`);
      if ('text' in block && (typeof block.text !== 'string' || block.text.trim() === '')) {
        throw invalid(`The text field in the ContentBlock object at messages.${i}.content.${j} is blank. Add text to the text field, and try again.`);
      }
    });
  });
  if (messages[0].role !== 'user') {
    throw invalid('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
  }
  for (let i = 1; i < messages.length; i++) {
    if (messages[i].role === messages[i - 1].role) {
      throw invalid('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    }
  }
  if (system !== undefined && !Array.isArray(system)) throw invalid('The system field must be a list of SystemContentBlock objects.');
  let maxTokens: number | undefined;
  if (isObject(inferenceConfig) && inferenceConfig.maxTokens !== undefined) {
    if (typeof inferenceConfig.maxTokens !== 'number' || !Number.isInteger(inferenceConfig.maxTokens) || inferenceConfig.maxTokens < 1) {
      throw invalid("1 validation error detected: Value at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }
    maxTokens = inferenceConfig.maxTokens;
  }
  return { messages: messages as ConverseRequest['messages'], system: system as ConverseRequest['system'], maxTokens };
}

function readBody(stream: http2.ServerHttp2Stream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalid('The request body is too large.'));
        stream.pause();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

const ROUTE = /^\/model\/([^/]+)\/converse-stream$/;

/** Starts the emulator; resolves once it listens. */
export async function startBedrockEmulator(opts: BedrockEmulatorOptions = {}): Promise<BedrockEmulator> {
  const tokensPerSecond = paceFrom(opts.tokensPerSecond, 'tokensPerSecond', 'EMULATOR_TOKENS_PER_SECOND', DEFAULT_TOKENS_PER_SECOND, false);
  const firstTokenDelayMs = paceFrom(opts.firstTokenDelayMs, 'firstTokenDelayMs', 'EMULATOR_FIRST_TOKEN_MS', DEFAULT_FIRST_TOKEN_MS, true);
  const log = opts.logger ?? pino({ level: 'silent' });
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // A client that vanishes must not crash the process.
    session.on('error', (err) => log.debug({ err }, 'emulator session error'));
  });

  server.on('stream', (stream, headers) => {
    stream.on('error', (err) => log.debug({ err }, 'emulator stream error'));
    const requestId = randomUUID();
    handle(stream, headers, requestId).catch((err: unknown) => {
      if (err instanceof BedrockRequestError) {
        log.info({ requestId, status: err.status, errorType: err.errorType, msg: err.message }, 'emulator refused a request');
        sendError(stream, requestId, err);
        return;
      }
      log.error({ err, requestId }, 'emulator failed');
      sendError(stream, requestId, new BedrockRequestError(500, 'InternalServerException', 'The emulator failed unexpectedly.', { cause: err }));
    });
  });

  function sendError(stream: http2.ServerHttp2Stream, requestId: string, err: BedrockRequestError): void {
    if (stream.destroyed || stream.closed) return;
    if (stream.headersSent) {
      // Headers are out: all we can do is end the stream, as Bedrock resets it.
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const body = JSON.stringify({ message: err.message });
    stream.respond({
      ':status': err.status,
      'content-type': 'application/json',
      'x-amzn-errortype': `${err.errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      'x-amzn-requestid': requestId,
      'content-length': Buffer.byteLength(body),
    });
    stream.end(body);
  }

  async function handle(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, requestId: string): Promise<void> {
    const started = Date.now();
    const method = headers[':method'];
    const path = (headers[':path'] ?? '').split('?')[0] ?? '';
    const match = ROUTE.exec(path);
    if (!match || method !== 'POST') {
      stream.resume();
      throw new BedrockRequestError(404, 'UnknownOperationException', `The emulator only answers POST /model/{modelId}/converse-stream, not ${method} ${path}.`);
    }
    if (!headers.authorization) {
      stream.resume();
      throw new BedrockRequestError(403, 'AccessDeniedException', 'Missing Authentication Token');
    }
    let modelId: string;
    try {
      modelId = decodeURIComponent(match[1] ?? '');
    } catch (cause) {
      stream.resume();
      throw new BedrockRequestError(400, 'ValidationException', 'The provided model identifier is invalid.', { cause });
    }
    const raw = await readBody(stream);
    if (!KNOWN_MODEL_IDS.includes(modelId)) throw invalid('The provided model identifier is invalid.');
    const request = parseConverseRequest(raw);
    const said = lastUserText(request);
    if (said.includes(EMULATOR_MARKERS.validation)) {
      throw invalid('The emulator was asked to refuse this request ([[emulator:validation]]).');
    }
    const refusal = refusalBeforeStream(said, headers);
    if (refusal) throw new BedrockRequestError(refusal.status, refusal.errorType, refusal.message);
    const silence = silenceAfter(said);
    const failure = STREAM_FAILURES.find((f) => said.includes(f.marker));
    const pace = said.includes(EMULATOR_MARKERS.slow) ? SLOW_TOKENS_PER_SECOND : tokensPerSecond;
    const tokens = replyTokens(emulatorReply(request));
    const limit = request.maxTokens !== undefined && request.maxTokens < tokens.length ? request.maxTokens : tokens.length;

    const aborted = new AbortController();
    stream.on('close', () => aborted.abort());
    const write = (frame: Uint8Array): boolean => {
      if (aborted.signal.aborted || stream.destroyed) return false;
      stream.write(frame);
      return true;
    };
    const wait = async (ms: number): Promise<boolean> => {
      try {
        await sleep(ms, undefined, { signal: aborted.signal });
        return true;
      } catch {
        return false;
      }
    };

    stream.respond({
      ':status': 200,
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': requestId,
    });
    log.info({ requestId, modelId, messages: request.messages.length, tokens: limit, tokensPerSecond: pace, failure: failure?.exceptionType }, 'emulator streaming a reply');
    const abandoned = (sentTokens: number): void => {
      log.info({ requestId, sentTokens }, 'emulator reply aborted by the client');
    };
    write(eventFrame('messageStart', { role: 'assistant' }));
    if (!(await wait(firstTokenDelayMs))) return abandoned(0);
    const interval = 1000 / pace;
    for (let i = 0; i < limit; i++) {
      if (i > 0 && !(await wait(interval))) return abandoned(i);
      if (i === silence) {
        // Nothing more, not even an end: only the client giving up ends this stream.
        log.info({ requestId, sentTokens: i }, 'emulator reply gone silent');
        await new Promise<void>((resolve) => aborted.signal.addEventListener('abort', () => resolve(), { once: true }));
        return abandoned(i);
      }
      if (failure && i === TOKENS_BEFORE_FAILURE) {
        write(exceptionFrame(failure.exceptionType, failure.message));
        if (!stream.destroyed) stream.end();
        return;
      }
      if (!write(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: tokens[i] } }))) return abandoned(i);
    }
    const inputTokens = inputTokenCount(request);
    write(eventFrame('contentBlockStop', { contentBlockIndex: 0 }));
    write(eventFrame('messageStop', { stopReason: limit < tokens.length ? 'max_tokens' : 'end_turn' }));
    write(
      eventFrame('metadata', {
        usage: { inputTokens, outputTokens: limit, totalTokens: inputTokens + limit },
        metrics: { latencyMs: Date.now() - started },
      }),
    );
    if (!stream.destroyed) stream.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new EmulatorConfigError('the emulator has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
  log.info({ url }, 'bedrock emulator listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Clients keep HTTP/2 sessions open for reuse; end them so close() returns.
        for (const session of sessions) session.destroy();
      });
      return closing;
    },
  };
}
