import t from 'tap';
import { escapeHtml, html, trusted } from '../../src/views/html.js';

t.test('interpolated values are escaped', async (t) => {
  const name = `<img src=x onerror="alert('x')">&`;
  t.equal(html`<p title="${name}">${name}</p>`.value,
    '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>');
});

t.test('nested html and arrays are not escaped twice', async (t) => {
  const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
  t.equal(html`<ul>${items}</ul>`.value, '<ul><li>a&lt;b</li><li>c</li></ul>');
});

t.test('null, undefined and false render nothing; numbers render', async (t) => {
  t.equal(html`${null}${undefined}${false}${0}`.value, '0');
});

t.test('only trusted() passes markup through', async (t) => {
  t.equal(html`${trusted('<b>x</b>')}`.value, '<b>x</b>');
  t.equal(html`${'<b>x</b>'}`.value, '&lt;b&gt;x&lt;/b&gt;');
  t.equal(escapeHtml(`"'<>&`), '&quot;&#39;&lt;&gt;&amp;');
});
