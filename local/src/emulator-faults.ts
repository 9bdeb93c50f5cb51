/**
 * The emulator's fault markers that act before or instead of a stream's end,
 * kept apart from the streaming code: throttling before the first token (as
 * Bedrock answers 429 when a quota is exceeded) and a stream that goes silent.
 */
import type http2 from 'node:http2';
import { EMULATOR_MARKERS } from './bedrock-reply.js';

/** How many tokens a `silent` reply streams before it stops sending. */
export const TOKENS_BEFORE_SILENCE = 3;

export interface Refusal {
  status: number;
  errorType: string;
  message: string;
}

/** Bedrock's words for a throttled call (the ThrottlingException of ConverseStream). */
const THROTTLED: Refusal = { status: 429, errorType: 'ThrottlingException', message: 'Too many requests, please wait before trying again.' };

/**
 * Which attempt of a call this is, from the SDK's `amz-sdk-request` header
 * (`attempt=1; max=3`); 1 when it is missing. The JS SDK's retry middleware
 * sets it on every attempt, retries included (@smithy/core
 * submodules/retry, AMZ_SDK_REQUEST_HEADER, as installed here, 2026-12).
 */
export function attemptOf(headers: http2.IncomingHttpHeaders): number {
  const value = headers['amz-sdk-request'];
  const match = /attempt=(\d+)/.exec(Array.isArray(value) ? value.join(';') : (value ?? ''));
  return match ? Number(match[1]) : 1;
}

/** The refusal a marker asks for before any token, or undefined to stream. */
export function refusalBeforeStream(said: string, headers: http2.IncomingHttpHeaders): Refusal | undefined {
  if (said.includes(EMULATOR_MARKERS.throttleBeforeStream)) return THROTTLED;
  if (said.includes(EMULATOR_MARKERS.throttleFirstAttempt) && attemptOf(headers) === 1) return THROTTLED;
  return undefined;
}

/** After how many tokens the reply goes silent, or undefined when it does not. */
export function silenceAfter(said: string): number | undefined {
  return said.includes(EMULATOR_MARKERS.silent) ? TOKENS_BEFORE_SILENCE : undefined;
}
