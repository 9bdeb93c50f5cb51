/**
 * A reply's Markdown as it streams: the blocks already finished, rendered,
 * and the block still being written, as its text. `renderMarkdown` renders a
 * finished reply as the very same blocks joined, so the last step of a
 * stream and a reload of the finished reply are one and the same HTML.
 */
import { BlockSplitter, splitBlocks } from './block-splitter.js';
import { renderBlock } from './markdown-renderer.js';

/** What a page is told after each piece of a streaming reply. */
export interface StreamDelta {
  /** newly finished blocks, rendered: appended after the blocks the page has */
  html: string;
  /** the unfinished block's text: appended to the tail, or replacing it when `replace` */
  text: string;
  /** the tail is `text` from now on (blocks were finished out of it) */
  replace: boolean;
}

/** Renders a finished reply as safe HTML. */
export function renderMarkdown(text: string): string {
  return splitBlocks(text).map(renderBlock).join('');
}

/** Follows one streaming reply piece by piece; each piece costs in proportion to its length (plus the blocks it finishes). */
export class MarkdownStream {
  private readonly splitter = new BlockSplitter();

  push(piece: string): StreamDelta {
    const finished = this.splitter.push(piece);
    if (finished.length === 0) return { html: '', text: piece, replace: false };
    return { html: finished.map(renderBlock).join(''), text: this.splitter.tail, replace: true };
  }

  /** The reply ended: the rest is a finished block too, and the tail is empty. */
  finish(): StreamDelta {
    return { html: this.splitter.finish().map(renderBlock).join(''), text: '', replace: true };
  }
}

/** A streaming reply's text so far as a page first shows it: the same split the stream had at that point. */
export function streamView(text: string): { html: string; tail: string } {
  const splitter = new BlockSplitter();
  const html = splitter.push(text).map(renderBlock).join('');
  return { html, tail: splitter.tail };
}
