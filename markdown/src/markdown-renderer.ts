/**
 * How one block of a reply becomes HTML. Assistant replies are Markdown
 * written by a model that quotes people's input, so they are untrusted: raw
 * HTML is escaped (`html: false`), markdown-it's own link validation drops
 * javascript:/vbscript:/file:/data: URLs, and every link opens without
 * handing over the page (`noopener`) or lending it reputation (`nofollow`).
 *
 * Fenced code is highlighted here, on the server, by highlight.js (its
 * output is the escaped code wrapped in `<span class="hljs-…">`, class names
 * only), so no highlighter is shipped to the browser. Each code block gets a
 * language label and a "Copy" button (the click is handled by app.js).
 */
import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });

const defaultLinkOpen =
  markdown.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));

markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('rel', 'noopener noreferrer nofollow');
  token.attrSet('target', '_blank');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

const escapeHtml = markdown.utils.escapeHtml;

/** The first word of a fence's info string, when highlight.js knows it. */
function languageOf(info: string): { label: string; known: string | undefined } {
  const label = info.trim().split(/\s+/)[0] ?? '';
  const known = label !== '' && hljs.getLanguage(label) ? label : undefined;
  return { label, known };
}

function highlighted(code: string, language: string | undefined): string {
  if (!language) return escapeHtml(code);
  // ignoreIllegals: a half-valid snippet is still shown, highlighted as well as it can be.
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}

markdown.renderer.rules.fence = (tokens, idx) => {
  const token = tokens[idx]!;
  const { label, known } = languageOf(token.info);
  const codeClass = known ? ` class="hljs language-${escapeHtml(known)}"` : ' class="hljs"';
  return `<figure class="code-block"><figcaption><span class="code-language">${escapeHtml(label || 'text')}</span>`
    + `<button type="button" class="copy-code">Copy</button></figcaption>`
    + `<pre><code${codeClass}>${highlighted(token.content, known)}</code></pre></figure>\n`;
};

/** Renders one block (or any Markdown) on its own, as safe HTML. */
export function renderBlock(text: string): string {
  return markdown.render(text);
}
