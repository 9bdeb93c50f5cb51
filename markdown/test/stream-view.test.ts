import t from 'tap';
import MarkdownIt from 'markdown-it';
import { MarkdownStream, renderMarkdown, splitBlocks, streamView } from '../src/markdown.js';

/** Texts a model writes, and the corners where an early cut would change the rendering. */
const SAMPLES: Record<string, string> = {
  paragraphs: 'First **bold** paragraph\nwith a second line.\n\nSecond one, with `code`.\n\nThird.',
  tightList: 'Shopping:\n\n- milk\n- eggs\n- bread\n\nDone.',
  looseList: '- one\n\n- two\n\n- three\n\nAfter.',
  orderedAfterText: '1. first\n2. second\n\nSome text\n\n3. third',
  nestedList: '- a\n  - nested\n\n    more of nested\n- b\n\nend',
  fenceWithBlankLines: 'Code:\n\n```js\nconst a = 1;\n\n\nfunction f() {\n  return a;\n}\n```\nRight after the fence.\n\nLast.',
  fenceInterruptsParagraph: 'Look at this\n```python\nprint("hi")\n```\n\nok',
  tildeFence: '~~~\nnot ``` closed here\n```\n~~~\n\nafter',
  longerCloser: '````md\n```\ninner\n```\n````\n\nafter',
  unclosedFence: 'Start\n\n```ts\nlet x = 1;\n\nlet y = 2;',
  inlineTripleBackticks: 'Use ```inline``` code\n\nnext',
  quoteWithCode: 'You said:\n\n> ```js\n> let a = 1;\n> ```\n> and more\n\nThis is **it**.',
  table: '| a | b |\n|---|---|\n| 1 | 2 |\n\nAfter the table.',
  headings: '# Title\n\nIntro\n\n## Part\nText under it\n\nSetext\n======\n\n---\n\nend',
  indentedCode: 'para\n\n    indented code\n\n    more code\nback',
  crlf: 'one\r\n\r\ntwo\r\n- a\r\n- b\r\n',
  html: 'Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>',
};

const plain = new MarkdownIt({ html: false, linkify: true });

/** Streams `text` in pieces of `size` characters, as a page would apply them. */
function simulate(text: string, size: number) {
  const stream = new MarkdownStream();
  let blocks = '';
  let tail = '';
  let sent = '';
  const steps: string[] = [];
  let overPrefix = 0;
  let badSource = 0;
  for (let i = 0; i < text.length; i += size) {
    const piece = text.slice(i, i + size);
    sent += piece;
    const delta = stream.push(piece);
    blocks += delta.html;
    tail = delta.replace ? delta.text : tail + delta.text;
    steps.push(blocks);
    // What is shown as text is always the end of what was sent.
    if (!sent.endsWith(tail)) badSource++;
    const view = streamView(sent);
    if (view.html !== blocks || view.tail !== tail) overPrefix++;
  }
  const last = stream.finish();
  blocks += last.html;
  tail = last.replace ? last.text : tail + last.text;
  return { blocks, tail, steps, badSource, viewMismatch: overPrefix };
}

for (const [name, text] of Object.entries(SAMPLES)) {
  t.test(`${name}: every streamed step is a prefix of the final HTML, and the last step is the final HTML`, async (t) => {
    const final = renderMarkdown(text);
    for (const size of [1, 3, 7, 1000]) {
      const run = simulate(text, size);
      t.equal(run.blocks, final, `pieces of ${size}: the blocks add up to the final rendering`);
      t.equal(run.tail, '', 'nothing is left as text at the end');
      t.equal(run.steps.filter((s) => !final.startsWith(s)).length, 0, 'no step is taken back');
      t.equal(run.badSource, 0, 'the tail is always the end of the text sent');
      t.equal(run.viewMismatch, 0, 'a page loaded at any step shows what the stream showed');
    }
  });
}

t.test('block by block is the same HTML as markdown-it on the whole text (no fences: highlighting differs by design)', async (t) => {
  for (const name of ['paragraphs', 'tightList', 'looseList', 'orderedAfterText', 'nestedList', 'table', 'headings', 'indentedCode', 'crlf', 'html']) {
    t.equal(renderMarkdown(SAMPLES[name]!), plain.render(SAMPLES[name]!), name);
  }
});

t.test('blocks are cut where a reader sees one end', async (t) => {
  t.same(splitBlocks('a\n\nb'), ['a\n\n', 'b']);
  t.same(splitBlocks('- a\n\n- b\n\nc'), ['- a\n\n- b\n\n', 'c'], 'a loose list stays one block');
  t.same(splitBlocks('x\n```\ncode\n\nmore\n```\ny'), ['x\n', '```\ncode\n\nmore\n```\n', 'y'], 'a fence is a block of its own, blank lines and all');
});

t.test('a code block is highlighted on the server, labelled, with a Copy button', async (t) => {
  const out = renderMarkdown('```js\nconst greeting = "<hi>";\n```');
  t.match(out, /<span class="code-language">js<\/span>/);
  t.match(out, /<button type="button" class="copy-code">Copy<\/button>/);
  t.match(out, /<code class="hljs language-js"><span class="hljs-keyword">const<\/span>/);
  t.match(out, /&lt;hi&gt;/, 'the code stays escaped');
  const unknown = renderMarkdown('```nosuchlang onerror=x\n<script>x</script>\n```');
  t.notMatch(unknown, /<script/);
  t.match(unknown, /<span class="code-language">nosuchlang<\/span>/);
  t.match(unknown, /&lt;script&gt;/);
});

t.test('raw HTML is escaped and unsafe links are dropped', async (t) => {
  const out = renderMarkdown('Hi <script>alert(1)</script> [x](javascript:alert(1)) [y](https://example.com)');
  t.notMatch(out, /<script/i);
  t.notMatch(out, /href="javascript/i);
  t.match(out, /<a href="https:\/\/example.com" rel="noopener noreferrer nofollow" target="_blank">y<\/a>/);
});

t.test('the cost stays linear: a long reply streamed word by word re-reads nothing', async (t) => {
  const text = 'word '.repeat(20_000) + '\n\n' + '```\n' + 'line\n'.repeat(5_000) + '```\n';
  const stream = new MarkdownStream();
  let sentText = 0;
  for (let i = 0; i < text.length; i += 5) sentText += stream.push(text.slice(i, i + 5)).text.length;
  stream.finish();
  // Each character goes out as text at most twice (once as it arrives, once in a tail that a finished block left).
  t.ok(sentText <= text.length * 2, `text sent: ${sentText} for ${text.length} characters`);
});
