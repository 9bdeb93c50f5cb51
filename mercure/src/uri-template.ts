/**
 * RFC 6570 URI templates, used the other way round: not to expand a template
 * but to decide whether a topic is one of its possible expansions. The Go hub
 * does the same through a regular expression per template; so do we.
 *
 * We wrote our own compiler because the npm packages that "de-substitute"
 * templates are unmaintained or only expand (checked with `npm view` when this
 * was written). The match is a boolean question, so the compiled expression
 * may be a little more permissive than a full extraction would be (variables
 * of one expression may match in any order), never less.
 */

// RFC 3986 character classes, written for use inside a regex character class.
import { setFlagsFromString } from 'node:v8';

// A backtracking engine takes polynomial-to-exponential time on templates whose
// expressions can absorb the same characters (`{+a}{+b}{+c}…x`): a subscriber
// choosing such a selector froze the whole hub on the next publish. V8's
// linear-time engine (the `l` flag) has no such cases; this flag only makes the
// `l` flag available and changes nothing for other regular expressions.
setFlagsFromString('--enable-experimental-regexp-engine');
// Fail at start, loudly, on a runtime without the engine: otherwise every
// template selector (the app's `{+rest}` grant among them) would match nothing.
try {
  new RegExp('^a$', 'l');
} catch (cause) {
  throw new Error(
    `this Node.js (${process.version}) has no V8 linear-time RegExp engine; the hub needs it to match topic templates safely`,
    { cause },
  );
}

const UNRESERVED = 'A-Za-z0-9\\-._~';
const RESERVED = ":/?#\\[\\]@!$&'()*+,;=";
const PCT = '%[0-9A-Fa-f]{2}';

interface Operator {
  first: string;
  separator: string;
  named: boolean;
  /** value when a named variable is empty: `;x` vs `?x=` */
  ifEmpty: string;
  allowReserved: boolean;
}

const OPERATORS: Record<string, Operator> = {
  '': { first: '', separator: ',', named: false, ifEmpty: '', allowReserved: false },
  '+': { first: '', separator: ',', named: false, ifEmpty: '', allowReserved: true },
  '#': { first: '#', separator: ',', named: false, ifEmpty: '', allowReserved: true },
  '.': { first: '.', separator: '.', named: false, ifEmpty: '', allowReserved: false },
  '/': { first: '/', separator: '/', named: false, ifEmpty: '', allowReserved: false },
  ';': { first: ';', separator: ';', named: true, ifEmpty: '', allowReserved: false },
  '?': { first: '?', separator: '&', named: true, ifEmpty: '=', allowReserved: false },
  '&': { first: '&', separator: '&', named: true, ifEmpty: '=', allowReserved: false },
};

const VARNAME = /^(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*$/;

export class UriTemplateError extends Error {
  readonly code = 'uri_template_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UriTemplateError';
  }
}

function escapeRegex(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** One value character: unreserved (and reserved for `+`/`#`), or a %XX triplet. */
function valueChar(allowReserved: boolean): string {
  return `(?:[${UNRESERVED}${allowReserved ? RESERVED : ''}]|${PCT})`;
}

/**
 * `bounded`: `{0,n}` repetitions as written. The linear engine refuses large
 * bounds, so the fallback writes `*` instead: more permissive, never less.
 */
function varSpecPattern(op: Operator, spec: string, bounded: boolean): string {
  const explode = spec.endsWith('*');
  const body = explode ? spec.slice(0, -1) : spec;
  const colon = body.indexOf(':');
  const name = colon === -1 ? body : body.slice(0, colon);
  if (!VARNAME.test(name)) throw new UriTemplateError(`invalid variable name "${name}"`);
  let prefix: number | undefined;
  if (colon !== -1) {
    if (explode) throw new UriTemplateError(`variable "${name}" cannot have both a prefix and an explode modifier`);
    const digits = body.slice(colon + 1);
    if (!/^[1-9][0-9]{0,3}$/.test(digits)) throw new UriTemplateError(`invalid prefix length "${digits}" for variable "${name}"`);
    prefix = Number(digits);
  }
  const v = valueChar(op.allowReserved);
  const sep = escapeRegex(op.separator);
  // A list expands to comma-joined items; for `+`/`#` the comma is already a value character.
  // For `+`/`#` the comma is a value character already: a separate `(?:,v*)*` would
  // only add ways to match the same text (ambiguity is what makes matching slow).
  const list = prefix !== undefined ? `${v}${bounded ? `{0,${prefix}}` : '*'}` : op.allowReserved ? `${v}*` : `${v}*(?:,${v}*)*`;
  const key = `${valueChar(false)}+`;
  if (!op.named) {
    if (!explode) return list;
    // Exploded lists repeat the separator; exploded maps add key=value pairs.
    const item = `${v}*(?:=${v}*)?`;
    return `${item}(?:${sep}${item})*`;
  }
  const n = escapeRegex(name);
  if (!explode) {
    return op.ifEmpty === '' ? `${n}(?:=${list})?` : `${n}=${list}`;
  }
  const item = `${key}(?:=${v}*)?`;
  return `${item}(?:${sep}${item})*`;
}

function expressionPattern(expression: string, bounded: boolean): string {
  if (expression.length === 0) throw new UriTemplateError('empty expression "{}"');
  const opChar = '+#./;?&'.includes(expression[0]!) ? expression[0]! : '';
  if ('=,!@|'.includes(expression[0]!)) throw new UriTemplateError(`reserved operator "${expression[0]}"`);
  const op = OPERATORS[opChar]!;
  const specs = expression.slice(opChar.length).split(',');
  const alternatives = [...new Set(specs.map((s) => varSpecPattern(op, s, bounded)))];
  const item = alternatives.length === 1 ? alternatives[0]! : `(?:${alternatives.join('|')})`;
  const more = specs.length > 1 ? `(?:${escapeRegex(op.separator)}${item})${bounded ? `{0,${specs.length - 1}}` : '*'}` : '';
  // Undefined variables expand to nothing, first character included.
  return `(?:${escapeRegex(op.first)}${item}${more})?`;
}

/**
 * Compiles a template to an anchored regular expression that runs in linear
 * time, whatever the template. Throws UriTemplateError when malformed.
 */
export function compileUriTemplate(template: string): RegExp {
  const exact = templatePattern(template, true);
  try {
    return new RegExp(exact, 'l');
  } catch {
    // Bounds too large for the linear engine: drop them (see varSpecPattern).
  }
  try {
    return new RegExp(templatePattern(template, false), 'l');
  } catch (cause) {
    // Never fall back to backtracking: refusing the template makes it match only itself.
    throw new UriTemplateError('the template cannot be matched in linear time', { cause });
  }
}

function templatePattern(template: string, bounded: boolean): string {
  let pattern = '^';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    const close = template.indexOf('}', i);
    if (close !== -1 && (open === -1 || close < open)) throw new UriTemplateError(`unmatched "}" at ${close}`);
    if (open === -1) {
      pattern += escapeRegex(template.slice(i));
      break;
    }
    pattern += escapeRegex(template.slice(i, open));
    const end = template.indexOf('}', open);
    if (end === -1) throw new UriTemplateError(`unclosed "{" at ${open}`);
    const expression = template.slice(open + 1, end);
    if (expression.includes('{')) throw new UriTemplateError(`nested "{" at ${open}`);
    pattern += expressionPattern(expression, bounded);
    i = end + 1;
  }
  return pattern + '$';
}

/** Whether the string is meant as a template (otherwise it only matches itself). */
export function isUriTemplate(selector: string): boolean {
  return selector.includes('{');
}
