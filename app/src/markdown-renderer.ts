/**
 * Assistant replies are Markdown written by a model that quotes people's
 * input, so they are untrusted: raw HTML is escaped (`html: false`),
 * markdown-it's own link validation drops javascript:/vbscript:/file:/data:
 * URLs, and every link opens without handing over the page (`noopener`)
 * or lending it reputation (`nofollow`).
 */
import MarkdownIt from 'markdown-it';
import { trusted, type Html } from './views/html.js';

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

/** Renders a reply as safe HTML. */
export function renderMarkdown(text: string): Html {
  return trusted(markdown.render(text));
}
