/**
 * The events that keep every open page of a person in sync (contract:
 * live-events.ts): a message was sent, a chat was renamed or deleted, the
 * list changed. Publishing never throws (the hub publisher reports a
 * failure as `false` and logs it): a page that misses one is right again on
 * its next reload, and the action itself must not fail for it.
 */
import type { FastifyInstance } from 'fastify';
import {
  CHANGED_EVENT,
  DELETED_EVENT,
  RENAMED_EVENT,
  SENT_EVENT,
  conversationListTopic,
  conversationTopic,
  type ConversationEvent,
  type SentEvent,
} from '@homeagent/contract';
import { newId } from './id-generator.js';

/** Ids of these events only need to be unique: they are never resumed from (a stream's own ids are). */
function eventId(kind: string): string {
  return `${kind}:${newId()}`;
}

export class LiveEvents {
  constructor(private readonly app: FastifyInstance) {}

  private get publicUrl(): string {
    return this.app.config.publicUrl;
  }

  private async listChanged(userId: string, conversationId: string): Promise<void> {
    const data: ConversationEvent = { conversationId };
    await this.app.hub.publish({ topic: conversationListTopic(this.publicUrl, userId), id: eventId(CHANGED_EVENT), type: CHANGED_EVENT, data: JSON.stringify(data) });
  }

  private async onConversation(userId: string, conversationId: string, type: string): Promise<void> {
    const data: ConversationEvent = { conversationId };
    await this.app.hub.publish({ topic: conversationTopic(this.publicUrl, userId, conversationId), id: eventId(type), type, data: JSON.stringify(data) });
  }

  /** Both bubbles exist: every page of the conversation fetches them; every sidebar moves it up. */
  async sent(userId: string, conversationId: string, userMessageId: string, assistantMessageId: string): Promise<void> {
    const data: SentEvent = { conversationId, userMessageId, assistantMessageId };
    await Promise.all([
      this.app.hub.publish({ topic: conversationTopic(this.publicUrl, userId, conversationId), id: eventId(SENT_EVENT), type: SENT_EVENT, data: JSON.stringify(data) }),
      this.listChanged(userId, conversationId),
    ]);
  }

  /** A new chat, or a reply that ended (its title and time changed). */
  async changed(userId: string, conversationId: string): Promise<void> {
    await this.listChanged(userId, conversationId);
  }

  async renamed(userId: string, conversationId: string): Promise<void> {
    await Promise.all([this.onConversation(userId, conversationId, RENAMED_EVENT), this.listChanged(userId, conversationId)]);
  }

  async deleted(userId: string, conversationId: string): Promise<void> {
    await Promise.all([this.onConversation(userId, conversationId, DELETED_EVENT), this.listChanged(userId, conversationId)]);
  }
}
