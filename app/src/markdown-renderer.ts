/**
 * Replies as the app shows them: the shared renderer (`@homeagent/markdown`,
 * the same one the agent streams blocks with), marked as reviewed HTML.
 */
import { renderMarkdown as render, streamView } from '@homeagent/markdown';
import { trusted, type Html } from './views/html.js';

/** Renders a finished reply as safe HTML. */
export function renderMarkdown(text: string): Html {
  return trusted(render(text));
}

/** A streaming reply's text so far: its finished blocks rendered, and the block being written as plain text. */
export function renderStreaming(text: string): { blocks: Html; tail: string } {
  const view = streamView(text);
  return { blocks: trusted(view.html), tail: view.tail };
}
