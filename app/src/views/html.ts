/**
 * HTML built from tagged templates that escape every interpolated value.
 * The only way to put markup in unescaped is `trusted()`: a named exception
 * that a reviewer can grep for.
 */

const TRUSTED = Symbol('trusted-html');

/** A piece of markup that must not be escaped again. */
export interface Html {
  readonly [TRUSTED]: true;
  readonly value: string;
  toString(): string;
}

function makeHtml(value: string): Html {
  return { [TRUSTED]: true, value, toString: () => value };
}

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && (value as Html)[TRUSTED];
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (isHtml(value)) return value.value;
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\`` — every `${…}` is escaped unless it is already `Html`. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + strings[i + 1]!;
  }
  return makeHtml(out);
}

/**
 * Reviewed exception: markup produced by code that escapes on its own
 * (the Markdown renderer with `html: false`). Never pass user input here.
 */
export function trusted(markup: string): Html {
  return makeHtml(markup);
}
