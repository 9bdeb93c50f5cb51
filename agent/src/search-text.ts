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
    const piece = fold(char);
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

/** The text around the first match of any term, every match in it marked; whitespace runs become one space. */
export function snippet(text: string, terms: readonly string[], options: SnippetOptions = {}): SnippetPart[] {
  const { before = 50, length = 180 } = options;
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
