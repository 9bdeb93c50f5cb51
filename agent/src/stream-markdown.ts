/**
 * A reply's Markdown rendered while it streams (issue 10): each piece the
 * agent publishes says which blocks just finished, rendered by the shared
 * renderer (`@homeagent/markdown`), and what of the unfinished block to show
 * as text. Only new text goes out, so a reply costs in proportion to its
 * length; the last piece renders the rest, so the page ends with exactly
 * the HTML a reload renders and the final swap changes nothing.
 */
import { MarkdownStream } from '@homeagent/markdown';
import type { DeltaEvent } from '@homeagent/contract';

export class StreamMarkdown {
  private readonly stream = new MarkdownStream();

  constructor(private readonly messageId: string) {}

  /** The `delta` event data for the next piece of the reply. */
  piece(text: string): string {
    return this.event({ ...this.stream.push(text), raw: text });
  }

  /** The last `delta`: the rest of the reply (with its last piece, if any) rendered, the tail emptied. */
  end(text: string): string {
    const last = this.stream.push(text);
    const rest = this.stream.finish();
    return this.event({ html: last.html + rest.html, text: '', replace: true, raw: text });
  }

  private event(delta: { html: string; text: string; replace: boolean; raw: string }): string {
    const event: DeltaEvent = { messageId: this.messageId, ...delta };
    return JSON.stringify(event);
  }
}
