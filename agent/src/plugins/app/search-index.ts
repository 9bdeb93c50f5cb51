/**
 * Search over one person's own chats, in this process.
 *
 * Why this design (see agent/README.md, "Search"): at household scale a
 * person has thousands of messages, not millions. Folding and scanning
 * 5,000 texts in memory takes a few milliseconds; what costs is reading
 * them from DynamoDB (one query per conversation). So each person's folded
 * messages are cached per conversation, and every search first lists the
 * person's conversations (one query, needed for the titles anyway) and
 * re-reads only those whose `updatedAt` moved (a send and a reply's end
 * both move it) or that held a streaming reply when they were read. The
 * list is the source of truth, so the cache is never wrong for long, works
 * with several agent processes, and a deleted conversation vanishes at once
 * (it leaves the list first). Everything is read through the person's own
 * keys, so nothing of another person can appear.
 */
import fp from 'fastify-plugin';
import { SEARCH_LIMITS, type Conversation, type SearchHit, type SearchResponse } from '@homeagent/contract';
import type { ConversationsRepository } from './conversations-repository.js';
import type { MessagesRepository } from './messages-repository.js';
import { fold, matchesAll, queryTerms, snippet } from '../../search-text.js';

interface IndexedMessage {
  id: string;
  role: 'user' | 'assistant';
  createdAt: string;
  text: string;
  folded: string;
}

interface IndexedConversation {
  updatedAt: string;
  /** read while a reply streamed: its text was not final, so read it again next time */
  unsettled: boolean;
  /** oldest first */
  messages: IndexedMessage[];
}

/** People whose chats stay cached; the least recently searching one goes first. */
const PEOPLE_CACHED = 50;
/** Conversations read from DynamoDB at once when many changed (the first search after a start). */
const READ_CONCURRENCY = 8;
/** A person's conversations; more than anyone at home has. */
const CONVERSATIONS_MAX = 5_000;

export class SearchIndex {
  private readonly people = new Map<string, Map<string, IndexedConversation>>();

  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly messages: MessagesRepository,
  ) {}

  async search(userId: string, query: string): Promise<SearchResponse> {
    const terms = queryTerms(query, SEARCH_LIMITS.termsMax);
    const list = await this.conversations.list(userId, CONVERSATIONS_MAX);
    const indexed = await this.refresh(userId, list);
    const hits: SearchHit[] = [];
    let truncated = false;
    // The list is newest first; inside a conversation the newest message comes first too.
    for (const conversation of list) {
      const entry = indexed.get(conversation.id);
      if (matchesAll(fold(conversation.title), terms)) {
        if (hits.length >= SEARCH_LIMITS.hitsMax) { truncated = true; break; }
        hits.push({ conversationId: conversation.id, conversationTitle: conversation.title, createdAt: conversation.updatedAt, snippet: snippet(conversation.title, terms) });
      }
      if (!entry) continue;
      for (let i = entry.messages.length - 1; i >= 0; i--) {
        const message = entry.messages[i]!;
        if (!matchesAll(message.folded, terms)) continue;
        if (hits.length >= SEARCH_LIMITS.hitsMax) { truncated = true; break; }
        hits.push({
          conversationId: conversation.id,
          conversationTitle: conversation.title,
          messageId: message.id,
          role: message.role,
          createdAt: message.createdAt,
          snippet: snippet(message.text, terms, {}, message.folded),
        });
      }
      if (truncated) break;
    }
    return { hits, truncated };
  }

  /** Brings the person's cached conversations in line with their list, reading only what changed. */
  private async refresh(userId: string, list: Conversation[]): Promise<Map<string, IndexedConversation>> {
    let cached = this.people.get(userId);
    this.people.delete(userId);
    cached ??= new Map();
    this.people.set(userId, cached);
    while (this.people.size > PEOPLE_CACHED) this.people.delete(this.people.keys().next().value!);

    const listed = new Set(list.map((c) => c.id));
    for (const id of cached.keys()) if (!listed.has(id)) cached.delete(id);
    const stale = list.filter((c) => {
      const entry = cached.get(c.id);
      return !entry || entry.unsettled || entry.updatedAt !== c.updatedAt;
    });
    for (let i = 0; i < stale.length; i += READ_CONCURRENCY) {
      await Promise.all(
        stale.slice(i, i + READ_CONCURRENCY).map(async (conversation) => {
          const records = await this.messages.listAll(conversation.id);
          cached.set(conversation.id, {
            updatedAt: conversation.updatedAt,
            unsettled: records.some((r) => r.state === 'streaming'),
            messages: records
              // The key already proves the conversation is the person's; the stored owner is checked as well.
              .filter((r) => r.userId === userId && r.text !== '')
              .map((r) => ({ id: r.id, role: r.role, createdAt: r.createdAt, text: r.text, folded: fold(r.text) })),
          });
        }),
      );
    }
    return cached;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    searchIndex: SearchIndex;
  }
}

export default fp(
  async (app) => {
    app.decorate('searchIndex', new SearchIndex(app.conversations, app.messages));
  },
  { name: 'search-index', dependencies: ['conversations-repository', 'messages-repository'] },
);
