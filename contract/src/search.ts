/**
 * Searching one's own chats by title and message text.
 *
 * GET /v1/search?q=<text> (X-User-Id) → 200 SearchResponse: the person's own conversations
 * and messages that contain every word of `q`, case- and accent-insensitive ("creme" finds
 * "Crème"), newest first, at most `SEARCH_LIMITS.hitsMax`; 400 validation when `q` is blank
 * or longer than `SEARCH_LIMITS.queryMax`. Never anything of another person.
 */
import { Type, type Static } from 'typebox';

export const SEARCH_LIMITS = {
  queryMax: 200,
  hitsMax: 50,
  /** words of a query beyond this are ignored */
  termsMax: 8,
} as const;

export const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: SEARCH_LIMITS.queryMax }),
});
export type SearchQuery = Static<typeof SearchQuery>;

/** A piece of a snippet: raw text (never HTML-escaped here); `match` marks the found words. */
export const SnippetPart = Type.Object({
  text: Type.String(),
  match: Type.Boolean(),
});
export type SnippetPart = Static<typeof SnippetPart>;

export const SearchHit = Type.Object({
  conversationId: Type.String(),
  conversationTitle: Type.String(),
  /** absent when the title matched */
  messageId: Type.Optional(Type.String()),
  role: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('assistant')])),
  /** of the message, or the conversation's last activity for a title hit */
  createdAt: Type.String(),
  /** the text around the first match, with every match marked */
  snippet: Type.Array(SnippetPart),
});
export type SearchHit = Static<typeof SearchHit>;

export const SearchResponse = Type.Object({
  hits: Type.Array(SearchHit),
  /** more matched than `hits` holds */
  truncated: Type.Boolean(),
});
export type SearchResponse = Static<typeof SearchResponse>;
