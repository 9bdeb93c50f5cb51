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
import { EMULATED_MODELS } from './bedrock-models.js';
import {
  EMULATOR_MARKERS,
  blockText,
  emulatorReply,
  emulatorThinking,
  guardrailMarker,
  inputTokenCount,
  lastUserText,
  replyTokens,
} from './bedrock-reply.js';
import { BedrockRequestError, checkConverseRequest, invalid, reasoningSignature, type CheckedRequest } from './bedrock-request-check.js';
import { PromptCache } from './prompt-cache.js';
import { closeServer, listen } from './local-server.js';
import { refusalBeforeStream, silenceAfter } from './emulator-faults.js';

export { EMULATOR_MARKERS, emulatorReply, emulatorThinking, guardrailMarker, replyTokens, inputTokenCount, type ConverseRequest } from './bedrock-reply.js';
export { reasoningSignature, type CheckedRequest } from './bedrock-request-check.js';
export { KNOWN_MODEL_IDS, EMULATED_MODELS } from './bedrock-models.js';
import { EmitRecord, epochNow, type EmittedReply } from './emit-record.js';

export { EmitRecord, epochNow, type EmittedReply } from './emit-record.js';

/** What Bedrock streams as the reply when a guardrail blocks the input (its default blocked-input message). */
export const GUARDRAIL_BLOCKED_TEXT = 'Sorry, the model cannot answer this question.';

export const DEFAULT_TOKENS_PER_SECOND = 40;
export const DEFAULT_FIRST_TOKEN_MS = 300;
/** The pace of a reply whose last user message carries `[[emulator:slow]]`. */
export const SLOW_TOKENS_PER_SECOND = 5;
/** How many tokens stream before a mid-stream failure marker takes effect. */
export const TOKENS_BEFORE_FAILURE = 3;
/**
 * Bedrock's request cap: 25.6 MB of JSON accepted and 27.7 MB refused with
 * "Input is too long for requested model." (openai/codex#46247,
 * aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws#998,
 * 2026-09; the exact figure is not published, 25 MiB lies between).
 */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

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
  /**
   * Benchmark only (off by default, never set by `npm start`): keep a record of
   * when each delta was emitted, read with `emitted(lastUserText)`. What goes on
   * the wire does not change.
   */
  stampEmitTime?: boolean;
}

export interface BedrockEmulator {
  /** e.g. `http://127.0.0.1:41234`: the value for AWS_ENDPOINT_URL_BEDROCK_RUNTIME */
  url: string;
  /** every request it accepted, as it read them (newest last): what Claude was sent */
  requests: Array<CheckedRequest & { modelId: string }>;
  /** with `stampEmitTime`: the emit times of the reply to this last user message (read once); otherwise undefined */
  emitted(lastUserText: string): EmittedReply | undefined;
  close(): Promise<void>;
}

export class EmulatorConfigError extends Error {
  readonly code = 'emulator_config';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmulatorConfigError';
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

function readBody(stream: http2.ServerHttp2Stream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(invalid('Input is too long for requested model.'));
        stream.pause();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/**
 * The texts a guardrail judges: only the guardContent blocks when there are
 * any (Bedrock evaluates just those), else every message of the conversation.
 */
function guardedTexts(request: CheckedRequest): string[] {
  const guarded = request.messages.flatMap((m) => m.content.filter((b) => b.guardContent !== undefined).map((b) => blockText(b)));
  if (guarded.length > 0) return guarded;
  return request.messages.flatMap((m) => m.content.map((b) => blockText(b)));
}

const ROUTE = /^\/model\/([^/]+)\/converse-stream$/;

/** Starts the emulator; resolves once it listens. */
export async function startBedrockEmulator(opts: BedrockEmulatorOptions = {}): Promise<BedrockEmulator> {
  const tokensPerSecond = paceFrom(opts.tokensPerSecond, 'tokensPerSecond', 'EMULATOR_TOKENS_PER_SECOND', DEFAULT_TOKENS_PER_SECOND, false);
  const firstTokenDelayMs = paceFrom(opts.firstTokenDelayMs, 'firstTokenDelayMs', 'EMULATOR_FIRST_TOKEN_MS', DEFAULT_FIRST_TOKEN_MS, true);
  const log = opts.logger ?? pino({ level: 'silent' });
  const record = opts.stampEmitTime ? new EmitRecord() : undefined;
  const server = http2.createServer();
  const cache = new PromptCache();
  const requests: BedrockEmulator['requests'] = [];
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
    const model = EMULATED_MODELS[modelId];
    if (!model) throw invalid('The provided model identifier is invalid.');
    const request = checkConverseRequest(raw, model);
    requests.push({ ...request, modelId });
    if (requests.length > 500) requests.shift();
    const said = lastUserText(request);
    if (said.includes(EMULATOR_MARKERS.validation)) {
      throw invalid('The emulator was asked to refuse this request ([[emulator:validation]]).');
    }
    const refusal = refusalBeforeStream(said, headers);
    if (refusal) throw new BedrockRequestError(refusal.status, refusal.errorType, refusal.message);
    const silence = silenceAfter(said);
    const failure = STREAM_FAILURES.find((f) => said.includes(f.marker));
    const pace = said.includes(EMULATOR_MARKERS.slow) ? SLOW_TOKENS_PER_SECOND : tokensPerSecond;
    const blocked = request.guardrail !== undefined && guardedTexts(request).some((text) => text.includes(guardrailMarker(request.guardrail!.identifier)));
    const thinks = !blocked && request.thinking !== undefined && request.thinking.type !== 'disabled';
    const thought = thinks ? replyTokens(emulatorThinking(request, request.thinking!.effort ?? `a budget of ${request.thinking!.budgetTokens}`)) : [];
    const tokens = blocked ? replyTokens(GUARDRAIL_BLOCKED_TEXT) : replyTokens(emulatorReply(request));
    // Thinking counts within maxTokens, as it does for Claude.
    const room = request.maxTokens !== undefined ? Math.max(0, request.maxTokens - thought.length) : tokens.length;
    const limit = Math.min(room, tokens.length);
    const cacheUse = cache.use(modelId, request, model.minCacheTokens);

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
    log.info(
      { requestId, modelId, messages: request.messages.length, tokens: limit, thinking: thought.length, blocked, cacheRead: cacheUse.readTokens, cacheWrite: cacheUse.writeTokens, tokensPerSecond: pace, failure: failure?.exceptionType },
      'emulator streaming a reply',
    );
    const abandoned = (sentTokens: number): void => {
      log.info({ requestId, sentTokens }, 'emulator reply aborted by the client');
    };
    write(eventFrame('messageStart', { role: 'assistant' }));
    if (!(await wait(firstTokenDelayMs))) { abandoned(0); return; }
    const interval = 1000 / pace;
    const textIndex = thinks ? 1 : 0;
    if (thinks) {
      for (let i = 0; i < thought.length; i++) {
        if (i > 0 && !(await wait(interval))) { abandoned(0); return; }
        if (!write(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: thought[i] } } }))) { abandoned(0); return; }
      }
      write(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: reasoningSignature(thought.join('')) } } }));
      write(eventFrame('contentBlockStop', { contentBlockIndex: 0 }));
    }
    const stamps = record?.begin(said, requestId);
    for (let i = 0; i < limit; i++) {
      if (i > 0 && !(await wait(interval))) { abandoned(i); return; }
      if (i === silence) {
        // Nothing more, not even an end: only the client giving up ends this stream.
        log.info({ requestId, sentTokens: i }, 'emulator reply gone silent');
        await new Promise<void>((resolve) => aborted.signal.addEventListener('abort', () => resolve(), { once: true }));
        abandoned(i); return;
      }
      if (failure && i === TOKENS_BEFORE_FAILURE) {
        write(exceptionFrame(failure.exceptionType, failure.message));
        if (!stream.destroyed) stream.end();
        return;
      }
      if (!write(eventFrame('contentBlockDelta', { contentBlockIndex: textIndex, delta: { text: tokens[i] } }))) { abandoned(i); return; }
      if (stamps) {
        stamps.tokens.push(tokens[i]!);
        stamps.emittedAt.push(epochNow());
      }
    }
    // Bedrock's inputTokens are the ones neither read from nor written to the cache.
    const inputTokens = Math.max(0, inputTokenCount(request) - cacheUse.readTokens - cacheUse.writeTokens);
    const outputTokens = blocked ? 0 : thought.length + limit;
    write(eventFrame('contentBlockStop', { contentBlockIndex: textIndex }));
    write(eventFrame('messageStop', { stopReason: blocked ? 'guardrail_intervened' : limit < tokens.length ? 'max_tokens' : 'end_turn' }));
    write(
      eventFrame('metadata', {
        usage: {
          inputTokens,
          outputTokens,
          totalTokens: inputTokens + cacheUse.readTokens + cacheUse.writeTokens + outputTokens,
          ...(request.cachePoints > 0 ? { cacheReadInputTokens: cacheUse.readTokens, cacheWriteInputTokens: cacheUse.writeTokens } : {}),
          ...(cacheUse.details.length > 0 ? { cacheDetails: cacheUse.details } : {}),
        },
        metrics: { latencyMs: Date.now() - started },
        ...(request.serviceTier ? { serviceTier: { type: request.serviceTier } } : {}),
        ...(blocked ? { trace: { guardrail: { inputAssessment: { [request.guardrail!.identifier]: { contentPolicy: { filters: [{ type: 'MISCONDUCT', confidence: 'HIGH', action: 'BLOCKED' }] } } } } } } : {}),
      }),
    );
    if (!stream.destroyed) stream.end();
  }

  const { url } = await listen(server, { port: opts.port, host: opts.host });
  log.info({ url }, 'bedrock emulator listening');

  return {
    url,
    requests,
    emitted: (lastUserText) => record?.take(lastUserText),
    // Clients keep HTTP/2 sessions open for reuse; end them so close() returns.
    close: () => closeServer(server, () => {
      for (const session of sessions) session.destroy();
    }),
  };
}
