// What rendering a reply while it streams costs the agent (issue 10):
// `npm run bench -w @homeagent/markdown` (also part of the root `npm run bench`).
// A reply of paragraphs, lists, a table and highlighted code blocks is fed to
// MarkdownStream one token (word) at a time, as Bedrock sends it; reported per
// 1,000 tokens: the streaming render (every piece), the one final render of
// the same text, and, for contrast, re-rendering the whole text at each piece
// (what the agent avoids: it grows with the square of the length).
import { performance } from 'node:perf_hooks';
import { MarkdownStream, renderMarkdown } from '../dist/markdown.js';

const SECTION = [
  'Here is a **short** answer with `inline code`, a [link](https://example.com) and some more words to read.',
  '',
  '- the first point, with a little detail;',
  '- the second point, which goes on for a while longer than the first;',
  '- a third one.',
  '',
  '| name | value |',
  '|------|-------|',
  '| alpha | 1 |',
  '| beta | 2 |',
  '',
  '```ts',
  'export function greet(name: string): string {',
  '  const greeting = `Hello, ${name}!`;',
  '  return greeting; // a comment',
  '}',
  '```',
  '',
  '> A quoted line, and then the end of the section.',
  '',
].join('\n');

function reply(tokens) {
  let text = '';
  while ((text.match(/\S+/g) ?? []).length < tokens) text += `${SECTION}\n`;
  return text;
}

const pieces = (text) => text.match(/\s*\S+|\s+$/g) ?? [];

function time(fn, rounds, warmUps = 5) {
  for (let i = 0; i < warmUps; i++) fn(); // warm-up: the JIT, highlight.js grammars
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

// Warm the JIT and highlight.js's grammars on a long reply before measuring anything.
for (let i = 0; i < 3; i++) {
  const stream = new MarkdownStream();
  for (const part of pieces(reply(4_000))) stream.push(part);
  stream.finish();
}

const rows = [];
for (const tokens of [1_000, 4_000]) {
  // The naive contrast only at 1,000 tokens: at 4,000 it takes a minute.
  const text = reply(tokens);
  const parts = pieces(text);
  const per1k = 1000 / parts.length;
  const streaming = time(() => {
    const stream = new MarkdownStream();
    for (const part of parts) stream.push(part);
    stream.finish();
  }, 20);
  const final = time(() => renderMarkdown(text), 20);
  const naive = tokens > 1_000 ? undefined : time(() => {
    let sent = '';
    for (const part of parts) {
      sent += part;
      renderMarkdown(sent);
    }
  }, 1, 0);
  rows.push({ tokens: parts.length, streamingMsPer1k: +(streaming * per1k).toFixed(2), finalRenderMsPer1k: +(final * per1k).toFixed(2), rerenderAllMsPer1k: naive === undefined ? '-' : +(naive * per1k).toFixed(1) });
}
console.log('Markdown streaming render (agent side), median of rounds, ms per 1,000 tokens:');
console.table(rows);
