/**
 * Where a reply's Markdown splits into blocks that render the same on their
 * own as inside the whole text. A boundary is decided from whole lines only
 * and never moves once found, so the blocks found in a prefix of a reply are
 * the first blocks of the whole reply: what streamed is never taken back.
 *
 * A boundary falls before a line that starts at column 0 after a blank line
 * (unless it continues a list the block holds; its first character decides), before a fence opening at
 * column 0, and after a fence that opened a block closes. Anything less
 * certain is left inside the block: a later boundary is always safe, an
 * early one would change the rendering (a list turning loose, say).
 *
 * The cost is linear: each character is looked at a bounded number of times.
 */

const FENCE = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const LIST_MARKER = /^(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;
const BLANK = /^[ \t\r]*$/;

interface OpenFence {
  marker: string;
  /** the fence opened the block: its close ends the block */
  opensBlock: boolean;
}

function fenceOpening(line: string): { marker: string; indent: number } | undefined {
  const match = FENCE.exec(line);
  if (!match) return undefined;
  const marker = match[2]!;
  // A backtick fence's info string may not hold a backtick (that is inline code).
  if (marker[0] === '`' && match[3]!.includes('`')) return undefined;
  return { marker, indent: match[1]!.length };
}

function closesFence(line: string, fence: OpenFence): boolean {
  const match = FENCE.exec(line);
  if (!match) return false;
  const marker = match[2]!;
  return marker[0] === fence.marker[0] && marker.length >= fence.marker.length && BLANK.test(match[3]!);
}

export class BlockSplitter {
  /** the text not yet handed out as a block */
  private buffer = '';
  /** where the next unread line starts in `buffer` */
  private lineStart = 0;
  /** where to look for the next newline (a long line is not searched twice) */
  private searchFrom = 0;
  private fence: OpenFence | undefined;
  private previousBlank = false;
  private blockHasText = false;
  private blockHasList = false;

  /** Adds text; returns the blocks it finished, in order. */
  push(text: string): string[] {
    this.buffer += text;
    const blocks: string[] = [];
    for (;;) {
      const newline = this.buffer.indexOf('\n', this.searchFrom);
      if (newline < 0) {
        this.searchFrom = this.buffer.length;
        break;
      }
      let end = newline + 1;
      const cut = this.readLine(this.buffer.slice(this.lineStart, end));
      if (cut === 'before') end -= this.cutAt(this.lineStart, blocks);
      this.lineStart = end;
      this.searchFrom = end;
      if (cut === 'after') this.cutAt(end, blocks);
    }
    this.cutBeforePartialLine(blocks);
    return blocks;
  }

  /**
   * A line still being written can end the block before it already: after a
   * blank line, its first character at column 0 is enough unless it could
   * start an item of the list the block holds. (What readLine decides once
   * the line is whole is then the same, so the cut never moves.)
   */
  private cutBeforePartialLine(blocks: string[]): void {
    if (this.fence || !this.previousBlank || !this.blockHasText || this.lineStart >= this.buffer.length) return;
    const first = this.buffer[this.lineStart]!;
    if (first === ' ' || first === '\t' || first === '\r' || first === '\n') return;
    if (this.blockHasList && /[-*+0-9]/.test(first)) return;
    this.cutAt(this.lineStart, blocks);
    this.blockHasText = false;
    this.blockHasList = false;
  }

  /** The text after the last finished block, still being written. */
  get tail(): string {
    return this.buffer;
  }

  /** Ends the text: the blocks the rest holds (the last line decides like any other). */
  finish(): string[] {
    const blocks: string[] = [];
    if (this.lineStart < this.buffer.length && this.readLine(this.buffer.slice(this.lineStart)) === 'before') {
      this.cutAt(this.lineStart, blocks);
    }
    if (this.buffer !== '') blocks.push(this.buffer);
    this.buffer = '';
    this.lineStart = 0;
    this.searchFrom = 0;
    this.fence = undefined;
    this.previousBlank = false;
    this.blockHasText = false;
    this.blockHasList = false;
    return blocks;
  }

  /** Hands out `buffer[0, at)` as a block; returns how far positions moved. */
  private cutAt(at: number, blocks: string[]): number {
    if (at === 0) return 0;
    blocks.push(this.buffer.slice(0, at));
    this.buffer = this.buffer.slice(at);
    this.lineStart -= at;
    this.searchFrom -= at;
    return at;
  }

  /** Reads one line and says whether a block ends before it, after it, or not here. */
  private readLine(rawLine: string): 'before' | 'after' | undefined {
    const line = rawLine.endsWith('\n') ? rawLine.slice(0, -1) : rawLine;
    if (this.fence) {
      if (!closesFence(line, this.fence)) return undefined;
      const opensBlock = this.fence.opensBlock;
      this.fence = undefined;
      this.previousBlank = false;
      if (!opensBlock) return undefined;
      this.blockHasText = false;
      this.blockHasList = false;
      return 'after';
    }
    if (BLANK.test(line)) {
      this.previousBlank = true;
      return undefined;
    }
    const atColumnZero = line[0] !== ' ' && line[0] !== '\t';
    const fence = fenceOpening(line);
    const listItem = atColumnZero && LIST_MARKER.test(line);
    let cut: 'before' | undefined;
    if (this.blockHasText && atColumnZero) {
      const afterBlank = this.previousBlank && !(listItem && this.blockHasList);
      if (afterBlank || (fence && fence.indent === 0)) {
        cut = 'before';
        this.blockHasText = false;
        this.blockHasList = false;
      }
    }
    if (fence) this.fence = { marker: fence.marker, opensBlock: fence.indent === 0 && !this.blockHasText };
    if (listItem) this.blockHasList = true;
    this.blockHasText = true;
    this.previousBlank = false;
    return cut;
  }
}

/** All the blocks of a finished text. */
export function splitBlocks(text: string): string[] {
  const splitter = new BlockSplitter();
  return [...splitter.push(text), ...splitter.finish()];
}
