/**
 * The files a message carries (`attachmentIds`): each must be the sender's
 * own pending upload, within Bedrock's per-message limits (attachment-format.ts)
 * and the request's byte cap (attachment-tokens.ts). A send claims them
 * (pending → sent) only once everything before it held, and gives them back
 * (pending again) when a later step fails, so a refused or failed send leaves
 * them as they were.
 */
import type { Attachment } from '@homeagent/contract';
import { ATTACHMENT_LIMITS } from './attachment-format.js';
import { REQUEST_ATTACHMENT_LIMITS } from './attachment-tokens.js';
import { HttpError } from './http-error.js';
import { toAttachment, type AttachmentsRepository } from './plugins/app/attachments-repository.js';

export class AttachmentNotFoundError extends HttpError {
  constructor(name?: string) {
    super(
      400,
      'attachment_not_found',
      name
        ? `“${name}” was already sent with another message. Attach the file again to send it once more.`
        : 'One of the attached files is no longer there (uploads are kept for a day until they are sent). Attach it again.',
    );
  }
}

export class TooManyAttachmentsError extends HttpError {
  constructor(message: string) {
    super(400, 'too_many_attachments', message);
  }
}

export class AttachmentsTooLargeError extends HttpError {
  constructor(bytes: number) {
    const mb = (n: number) => `${(n / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
    super(400, 'attachments_too_large', `These files come to ${mb(bytes)} together; one message can carry at most ${mb(REQUEST_ATTACHMENT_LIMITS.bytes)} of files. Send some of them with another message.`);
  }
}

/** The uploads named by `ids`, in that order, checked: each the person's own and pending, within the limits. */
export async function resolveAttachments(repository: AttachmentsRepository, userId: string, ids: readonly string[]): Promise<Attachment[]> {
  if (ids.length === 0) return [];
  // Read under the person's own key: someone else's id reads as absent, like an expired one.
  const records = await Promise.all(ids.map((id) => repository.get(userId, id)));
  for (const record of records) {
    if (!record) throw new AttachmentNotFoundError();
    if (record.state !== 'pending') throw new AttachmentNotFoundError(record.name);
  }
  const attachments = records.map((r) => toAttachment(r!));
  const images = attachments.filter((a) => a.kind === 'image').length;
  const documents = attachments.length - images;
  if (images > ATTACHMENT_LIMITS.imagesPerMessage) {
    throw new TooManyAttachmentsError(`A message can carry at most ${ATTACHMENT_LIMITS.imagesPerMessage} photos; this one has ${images}. Send the rest with another message.`);
  }
  if (documents > ATTACHMENT_LIMITS.documentsPerMessage) {
    throw new TooManyAttachmentsError(`A message can carry at most ${ATTACHMENT_LIMITS.documentsPerMessage} documents; this one has ${documents}. Send the rest with another message.`);
  }
  const bytes = attachments.reduce((n, a) => n + a.sizeBytes, 0);
  if (bytes > REQUEST_ATTACHMENT_LIMITS.bytes) throw new AttachmentsTooLargeError(bytes);
  return attachments;
}

/** Marks every upload sent; if one cannot be (used or expired meanwhile), gives the others back and refuses. */
export async function claimAttachments(repository: AttachmentsRepository, userId: string, attachments: readonly Attachment[]): Promise<void> {
  const claimed: Attachment[] = [];
  try {
    for (const a of attachments) {
      if (!(await repository.markSent(userId, a.id))) throw new AttachmentNotFoundError(a.name);
      claimed.push(a);
    }
  } catch (error) {
    await releaseAttachments(repository, userId, claimed);
    throw error;
  }
}

/** Gives claimed uploads back (pending again): the send they were claimed for did not happen. */
export async function releaseAttachments(repository: AttachmentsRepository, userId: string, attachments: readonly Attachment[]): Promise<void> {
  for (const a of attachments) await repository.restorePending(userId, a.id);
}
