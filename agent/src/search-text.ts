/**
 * Text as search compares it: lower-case, without accents ("Crème" and
 * "creme" are the same), and the snippet around a match cut from the
 * original text with the matches marked.
 */
import type { SnippetPart } from '@homeagent/contract';

const MARKS = /\p{M}/gu;

/** Folds one piece of text: NFD splits "è" into "e" and a combining mark, which goes. */
export function fold(text: string): string {
  // The final sigma depends on context in toLowerCase(); one form keeps a whole text and its characters alike.
  return text.normalize('NFD').toLowerCase().replace(MARKS, '').replaceAll('ς', 'σ');
}

/** The words of a query, folded, longest first (so a longer word wins where two overlap), without repeats. */
export function queryTerms(query: string, max: number): string[] {
  const terms = [...new Set(fold(query).split(/\s+/).filter((w) => w !== ''))].slice(0, max);
  return terms.sort((a, b) => b.length - a.length);
}

/** True when the folded text holds every term. */
export function matchesAll(folded: string, terms: readonly string[]): boolean {
  return terms.every((term) => folded.includes(term));
}

/**
 * The folded text with, for each of its code units, where it came from in
 * the original, so a match found in the folded text can be cut from the
 * original. Built only for the few texts that matched.
 */
function foldWithOrigins(text: string): { folded: string; start: number[]; end: number[] } {
  let folded = '';
  const start: number[] = [];
  const end: number[] = [];
  let index = 0;
  for (const char of text) {
    // Plain ASCII needs no Unicode work: most text is, and this runs per character.
    const code = char.charCodeAt(0);
    const piece = code < 0x80 ? (code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : char) : fold(char);
    for (let i = 0; i < piece.length; i++) {
      start.push(index);
      end.push(index + char.length);
    }
    folded += piece;
    index += char.length;
  }
  return { folded, start, end };
}

export interface SnippetOptions {
  /** characters of context before the first match */
  before?: number;
  /** characters of the snippet in all */
  length?: number;
}

/**
 * The text around the first match of any term, every match in it marked;
 * whitespace runs become one space. `folded` (the whole text folded, which
 * search keeps) lets a long text be cut to a window near the first match
 * before the per-character work.
 */
export function snippet(text: string, terms: readonly string[], options: SnippetOptions = {}, folded?: string): SnippetPart[] {
  const { before = 50, length = 180 } = options;
  const margin = 64;
  if (folded !== undefined && text.length > length + 2 * margin) {
    const hits = terms.map((term) => folded.indexOf(term)).filter((at) => at !== -1);
    // Folding rarely changes lengths, so the folded index is where the match is in the text, or near it.
    const near = hits.length ? Math.min(...hits) : 0;
    const from = Math.max(0, near - before - margin);
    const to = Math.min(text.length, near + length + margin);
    const window = snippetOf(text.slice(from, to), terms, before, length);
    if (window.some((part) => part.match)) {
      if (from > 0 && window[0]?.text !== '…') window.unshift({ text: '…', match: false });
      if (to < text.length && window[window.length - 1]?.text !== '…') window.push({ text: '…', match: false });
      return window;
    }
  }
  return snippetOf(text, terms, before, length);
}

function snippetOf(text: string, terms: readonly string[], before: number, length: number): SnippetPart[] {
  const { folded, start, end } = foldWithOrigins(text);
  const ranges: [number, number][] = [];
  for (const term of terms) {
    for (let at = folded.indexOf(term); at !== -1; at = folded.indexOf(term, at + 1)) {
      ranges.push([start[at]!, end[at + term.length - 1]!]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  // Overlapping matches ("ana" in "banana") merge into one mark.
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  const first = merged[0]?.[0] ?? 0;
  // A short text is shown whole; a long one from a little before the first match, at a word start.
  let from = text.length <= length ? 0 : Math.max(0, first - before);
  if (from > 0) {
    const space = text.indexOf(' ', from - 1);
    if (space !== -1 && space < first) from = space + 1;
  }
  let to = Math.min(text.length, from + length);
  if (to < text.length) {
    const space = text.lastIndexOf(' ', to);
    if (space > first) to = space;
  }
  const parts: SnippetPart[] = [];
  const push = (piece: string, match: boolean) => {
    const clean = piece.replace(/\s+/g, ' ');
    if (clean !== '') parts.push({ text: clean, match });
  };
  if (from > 0) push('…', false);
  let cursor = from;
  for (const [s, e] of merged) {
    if (e <= from || s >= to) continue;
    push(text.slice(cursor, Math.max(cursor, s)), false);
    push(text.slice(Math.max(s, cursor), Math.min(e, to)), true);
    cursor = Math.min(e, to);
  }
  push(text.slice(cursor, to), false);
  if (to < text.length) push('…', false);
  return parts;
}
