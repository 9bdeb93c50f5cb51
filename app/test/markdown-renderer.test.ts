import t from 'tap';
import { renderMarkdown } from '../src/markdown-renderer.js';

t.test('Markdown is rendered', async (t) => {
  const out = renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n- one\n- two').value;
  t.match(out, /<h1>Title<\/h1>/);
  t.match(out, /<strong>bold<\/strong>/);
  t.match(out, /<code>code<\/code>/);
  t.match(out, /<li>one<\/li>/);
});

t.test('raw HTML is escaped, never passed through', async (t) => {
  const out = renderMarkdown('Hi <script>alert(1)</script> and <img src=x onerror=alert(2)>').value;
  t.notMatch(out, /<script/i);
  t.notMatch(out, /<img/i);
  t.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

t.test('javascript: and data: links do not become links', async (t) => {
  for (const url of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'vbscript:x', 'data:text/html;base64,PHNjcmlwdD4=']) {
    const out = renderMarkdown(`[click](${url})`).value;
    t.notMatch(out, /<a /, url);
  }
});

t.test('links open safely', async (t) => {
  const out = renderMarkdown('[docs](https://example.com/a) and https://example.org').value;
  t.match(out, /<a href="https:\/\/example.com\/a" rel="noopener noreferrer nofollow" target="_blank">docs<\/a>/);
  t.match(out, /<a href="https:\/\/example.org" rel="noopener noreferrer nofollow" target="_blank">/);
});
