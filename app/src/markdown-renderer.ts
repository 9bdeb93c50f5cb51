/**
 * Replies as the app shows them: the shared renderer (`@homeagent/markdown`,
 * the same one the agent streams blocks with), marked as reviewed HTML.
 */
import { renderMarkdown as render, streamView } from '@homeagent/markdown';
import { TextCache } from './text-cache.js';
import { trusted, type Html } from './views/html.js';

/**
 * Finished replies rendered before. A chat page renders every message of the
 * conversation on each load (0.4 ms a reply of ~100 words here, so 80 ms of
 * CPU for a page of 200 messages: the `npm run bench` "pages at scale" cell);
 * a finished reply's text no longer changes, so it is rendered once. About
 * 16 MB at most (JavaScript strings, 2 bytes a character).
 */
const rendered = new TextCache(5_000, 8_000_000);

/** Renders a finished reply as safe HTML. */
export function renderMarkdown(text: string): Html {
  return trusted(rendered.get(text, render));
}

/** A streaming reply's text so far: its finished blocks rendered, and the block being written as plain text. */
export function renderStreaming(text: string): { blocks: Html; tail: string } {
  const view = streamView(text);
  return { blocks: trusted(view.html), tail: view.tail };
}
