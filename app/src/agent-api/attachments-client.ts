/** The person's files: uploading one before it is sent, reading it back, and removing a pending one. */
import { FILE_NAME_HEADER, type Attachment, type AttachmentResponse } from '@homeagent/contract';
import { AgentRequestError } from './agent-errors.js';
import type { AgentTransport, AttachmentFile } from './agent-transport.js';

function attachmentPath(attachmentId: string): string {
  return `/v1/attachments/${encodeURIComponent(attachmentId)}`;
}

export class AttachmentsClient {
  constructor(private readonly agent: AgentTransport) {}

  /** A pending upload; 400 (`unsupported_file`, `file_too_large`, …) with a sentence naming the limit. */
  async upload(userId: string, fileName: string, bytes: Uint8Array): Promise<Attachment> {
    const response = await this.agent.fetch('POST', '/v1/attachments', userId, {
      headers: { 'content-type': 'application/octet-stream', [FILE_NAME_HEADER]: encodeURIComponent(fileName) },
      // Buffers from the body parsers sit on plain ArrayBuffers (never shared memory).
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    return ((await this.agent.answer(response)).body as AttachmentResponse).attachment;
  }

  /** The bytes and what they are; 404 for anyone but the owner. */
  async get(userId: string, attachmentId: string): Promise<AttachmentFile> {
    return this.agent.file(attachmentPath(attachmentId), userId);
  }

  /** What an attachment is, without its bytes (HEAD: the agent's GET route answers it with the same headers). */
  async describe(userId: string, attachmentId: string): Promise<Attachment> {
    const response = await this.agent.fetch('HEAD', attachmentPath(attachmentId), userId, { headers: { accept: '*/*' } });
    if (response.status === 404) throw new AgentRequestError(404, 'attachment_not_found', 'One of the attached files is no longer there; attach it again.');
    return this.agent.attachmentOf(response);
  }

  /** Removes a pending upload; 409 `attachment_in_use` once a message holds it. */
  async delete(userId: string, attachmentId: string): Promise<void> {
    await this.agent.call('DELETE', attachmentPath(attachmentId), { userId, accept: [404] });
  }
}
