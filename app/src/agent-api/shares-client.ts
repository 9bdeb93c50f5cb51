/** Read-only shared snapshots of a conversation: making, listing and revoking one's links, and opening a link. */
import type { CreateShareResponse, SharedSnapshot, ShareListResponse } from '@homeagent/contract';
import type { AgentTransport, AttachmentFile } from './agent-transport.js';
import { conversationPath } from './conversations-client.js';

function sharedPath(token: string): string {
  return `/v1/shared/${encodeURIComponent(token)}`;
}

export class SharesClient {
  constructor(private readonly agent: AgentTransport) {}

  /** A snapshot of one's own conversation; the token is in this answer only. */
  async create(userId: string, conversationId: string): Promise<CreateShareResponse> {
    return (await this.agent.json('POST', `${conversationPath(conversationId)}/shares`, { userId })) as CreateShareResponse;
  }

  async list(userId: string): Promise<ShareListResponse> {
    return (await this.agent.json('GET', '/v1/shares', { userId })) as ShareListResponse;
  }

  /** 404 when it is not (or no longer) one of the person's links. */
  async revoke(userId: string, shareId: string): Promise<void> {
    await this.agent.call('DELETE', `/v1/shares/${encodeURIComponent(shareId)}`, { userId });
  }

  /** Signed in (`userId`) or not; 401 `sign_in_required` when links are not public, 404 when revoked or unknown. */
  async open(token: string, userId?: string): Promise<SharedSnapshot> {
    return (await this.agent.json('GET', sharedPath(token), userId ? { userId } : {})) as SharedSnapshot;
  }

  /** An attachment of a shared snapshot, under the same rule as the snapshot (404 once the link is revoked). */
  async getAttachment(token: string, attachmentId: string, userId?: string): Promise<AttachmentFile> {
    return this.agent.file(`${sharedPath(token)}/attachments/${encodeURIComponent(attachmentId)}`, userId);
  }
}
