/**
 * What a posted message form asks for, read the same way for a send in a
 * chat and for a new chat's first message: the text and choices, the
 * uploads waiting in the composer (`attachmentIds`), the files of a plain
 * (no-script) multipart post, which are uploaded to the agent here, and a
 * chip's Remove button pressed without a script.
 *
 * Nothing the person gave is lost on a refusal: the text comes back in the
 * form, and every file that did upload comes back as a chip (still pending
 * in the agent, so sending again needs no new upload).
 *
 * Sending again is safe: the composer carries a random `sendKey`, and the
 * agent gets a key made of it and of what is sent (contract send-retry.ts), so
 * pressing Send again after "try again" is answered with the first attempt's
 * messages if the agent did take it, and an edited message is a new send.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Attachment, SendMessageRequest } from '@homeagent/contract';
import { ATTACHMENT_LIMITS, humanSize } from './attachment-limits.js';
import { AgentRequestError, AgentUnavailableError } from './agent-api/agent-errors.js';
import type { UploadedFile } from './plugins/external/multipart.js';
import type { SendMessageForm } from './schemas/conversation.js';

const listOf = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export interface Submission {
  text: string;
  choices: Omit<SendMessageRequest, 'text' | 'attachmentIds'>;
  /** the uploads to send, in order: the composer's, then this post's files */
  attachmentIds: string[];
  /** sentences for the person, shown beside the form (nothing is sent when there are any) */
  refusals: string[];
  /** a Remove pressed without a script: show the form again, nothing sent */
  removed: boolean;
  /** the composer's key, shown again with the form after a refusal */
  sendKey?: string;
  /** what the agent is given to make this exact send happen once (absent for a form without a key) */
  idempotencyKey?: string;
}

/** The form's choices as the agent takes them (an empty select is "the conversation's"). */
function choicesOf(body: SendMessageForm): Submission['choices'] {
  const { model, temperature, thinking } = body;
  return { ...(model ? { model } : {}), ...(temperature ? { temperature } : {}), ...(thinking ? { thinking } : {}) };
}

/** Uploads a plain post's files, removes what Remove named, and checks what the message may carry. */
export async function readSubmission(app: FastifyInstance, userId: string, body: SendMessageForm): Promise<Submission> {
  const refusals: string[] = [];
  let attachmentIds = [...new Set(listOf(body.attachmentIds))];
  if (body.remove) {
    await app.agent.attachments.delete(userId, body.remove);
    attachmentIds = attachmentIds.filter((id) => id !== body.remove);
  }
  // Only what multipart.ts read: a urlencoded field of the same name is no file.
  const files = listOf<unknown>(body.files).filter((f): f is UploadedFile => typeof f === 'object' && f !== null && Buffer.isBuffer((f as UploadedFile).bytes));
  const skipped = files.filter((f) => f.skipped).length;
  if (skipped > 0) {
    refusals.push(`At most ${ATTACHMENT_LIMITS.perFormPost} files can be attached at once here; ${skipped} more were not read. Attach them with another message.`);
  }
  for (const file of files) {
    if (file.skipped) continue;
    if (file.truncated) {
      refusals.push(`“${file.name}” is larger than ${humanSize(ATTACHMENT_LIMITS.fileMaxBytes)}, the largest file Claude can read.`);
      continue;
    }
    try {
      attachmentIds.push((await app.agent.attachments.upload(userId, file.name, file.bytes)).id);
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      refusals.push(error.message);
    }
  }
  if (attachmentIds.length > ATTACHMENT_LIMITS.perMessage) {
    refusals.push(`A message can carry at most ${ATTACHMENT_LIMITS.perMessage} files (${ATTACHMENT_LIMITS.imagesPerMessage} photos and ${ATTACHMENT_LIMITS.documentsPerMessage} documents); remove some.`);
  }
  const submission: Submission = { text: body.text, choices: choicesOf(body), attachmentIds, refusals, removed: body.remove !== undefined };
  if (body.sendKey) {
    submission.sendKey = body.sendKey;
    submission.idempotencyKey = createHash('sha256').update(JSON.stringify([body.sendKey, submission.text, submission.attachmentIds, submission.choices])).digest('base64url');
  }
  return submission;
}

/** How long the person is asked to wait when the app's own call to the agent timed out (a last resort). */
export const TIMED_OUT_RETRY_AFTER_S = 5;

/**
 * A send refused for now, with when to send again: the agent's designed 503
 * (`busy`, `send_in_progress`, with its Retry-After), or the app's own call
 * timing out for a send that carried a key (sending again cannot send it twice).
 */
export function sendAgainLater(error: unknown, submission: Submission): { message: string; retryAfterSeconds: number } | undefined {
  if (!(error instanceof AgentUnavailableError)) return undefined;
  if (error.retryAfterSeconds !== undefined) return { message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  const timedOut = error.cause instanceof Error && error.cause.name === 'TimeoutError';
  if (!timedOut || !submission.idempotencyKey) return undefined;
  return {
    message: `HomeAgent is busy right now — try again in ${TIMED_OUT_RETRY_AFTER_S} seconds. If your message did get through, sending it again shows it once.`,
    retryAfterSeconds: TIMED_OUT_RETRY_AFTER_S,
  };
}

/** Why a form cannot be sent as it is (files refused, or no text), if it cannot. */
export function refusalOf(submission: Submission): string | undefined {
  if (submission.refusals.length > 0) return submission.refusals.join(' ');
  if (!submission.removed && submission.text.trim() === '') return 'Write a message before sending.';
  return undefined;
}

/** The send's choices with the uploads it carries. */
export function withAttachments(submission: Submission) {
  return { ...submission.choices, ...(submission.attachmentIds.length > 0 ? { attachmentIds: submission.attachmentIds } : {}) };
}

/** The composer's chips for a form shown again: each pending upload that is still there. */
export async function pendingAttachments(app: FastifyInstance, userId: string, attachmentIds: string[]): Promise<Attachment[]> {
  const found = await Promise.all(
    attachmentIds.map((id) =>
      app.agent.attachments.describe(userId, id).catch((error: unknown) => {
        if (error instanceof AgentRequestError) return undefined;
        throw error;
      }),
    ),
  );
  return found.filter((a): a is Attachment => a !== undefined);
}
