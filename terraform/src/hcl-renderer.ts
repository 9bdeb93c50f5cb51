/**
 * Renders the synthesized Terraform JSON as native HCL (`cdk.tf`): the way
 * out of the archived cdktf, into a folder people can keep editing by hand.
 *
 * cdktf 0.21's own HCL output does not escape quotes inside strings (every
 * IAM policy breaks), so we render it ourselves. Terraform's JSON syntax and
 * HCL's quoted strings are both templates, so a string carries over as is,
 * with only the literal parts re-escaped. Which object keys are nested
 * blocks and which are map-valued arguments cannot be told from JSON alone;
 * in this stack every object is a block except the keys in MAP_ARGUMENTS.
 */
import type { TerraformJson } from './terraform-json.js';

/** Object-valued arguments (maps), rendered `key = { … }`; every other object is a block. */
const MAP_ARGUMENTS = new Set(['tags', 'tags_all', 'dimensions', 'input_paths']);
/** Meta-arguments whose strings are references, rendered bare: `depends_on = [aws_x.y]`. */
const REFERENCE_LISTS = new Set(['depends_on', 'ignore_changes', 'replace_triggered_by']);

export class HclRenderError extends Error {
  readonly code = 'hcl_render';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HclRenderError';
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** Object keys stay bare only when nobody could misread them (no dashes). */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Index just past the `}` that closes the interpolation opened at `start` (`${`). */
function scanInterpolation(s: string, start: number): number {
  let depth = 1;
  let i = start + 2;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') {
      i = scanQuoted(s, i);
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new HclRenderError(`unterminated interpolation in ${JSON.stringify(s.slice(start, start + 60))}`);
}

/** Index just past the closing quote of an HCL string literal that starts at `start`. */
function scanQuoted(s: string, start: number): number {
  let i = start + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '$' && s[i + 1] === '{') {
      i = scanInterpolation(s, i);
      continue;
    }
    if (c === '"') return i + 1;
    i++;
  }
  throw new HclRenderError(`unterminated string in ${JSON.stringify(s.slice(start, start + 60))}`);
}

/** A JSON-syntax template string as an HCL expression. */
export function renderString(s: string): string {
  // A string that is exactly one interpolation is the expression itself.
  if (s.startsWith('${') && !s.startsWith('$${')) {
    const end = scanInterpolation(s, 0);
    if (end === s.length) return s.slice(2, -1).trim();
  }
  // Scripts (user data) read better as a heredoc; its body is the same template, unescaped.
  if (s.includes('\n') && s.endsWith('\n') && !/^EOT$/m.test(s) && !s.includes('\r')) return `<<EOT\n${s}EOT`;
  let out = '"';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i) || s.startsWith('%%{', i)) {
      out += s.slice(i, i + 3);
      i += 3;
      continue;
    }
    if (s.startsWith('${', i) || s.startsWith('%{', i)) {
      const end = scanInterpolation(s, i);
      out += s.slice(i, end);
      i = end;
      continue;
    }
    const c = s[i]!;
    if (c === '"') out += '\\"';
    else if (c === '\\') out += '\\\\';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += c;
    i++;
  }
  return `${out}"`;
}

function renderKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : JSON.stringify(key);
}

function argumentName(key: string): string {
  if (!IDENTIFIER.test(key)) throw new HclRenderError(`"${key}" cannot be an argument name`);
  return key;
}

function renderExpression(value: Json, indent: string): string {
  if (typeof value === 'string') return renderString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v) => `${inner}${renderExpression(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const inner = indent + '  ';
  return `{\n${entries.map(([k, v]) => `${inner}${renderKey(k)} = ${renderExpression(v, inner)}`).join('\n')}\n${indent}}`;
}

function renderReference(value: Json): string {
  if (typeof value !== 'string') throw new HclRenderError(`expected a reference string, got ${JSON.stringify(value)}`);
  const bare = value.startsWith('${') && value.endsWith('}') ? value.slice(2, -1) : value;
  if (!/^[A-Za-z_][A-Za-z0-9_.\-[\]"]*$/.test(bare)) throw new HclRenderError(`not a reference: ${value}`);
  return bare;
}

/** The body of a block: arguments first, then nested blocks. */
function renderBody(body: Record<string, Json>, indent: string): string {
  const args: string[] = [];
  const blocks: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === '//') continue; // cdktf metadata
    if (REFERENCE_LISTS.has(key) && Array.isArray(value)) {
      args.push(`${indent}${key} = [${value.map(renderReference).join(', ')}]`);
    } else if (key === 'provider' && typeof value === 'string') {
      args.push(`${indent}provider = ${renderReference(value)}`);
    } else if (isObject(value) && !MAP_ARGUMENTS.has(key)) {
      blocks.push(renderBlock(key, [], value, indent));
    } else if (Array.isArray(value) && value.length > 0 && value.every(isObject) && !MAP_ARGUMENTS.has(key)) {
      for (const item of value) blocks.push(renderBlock(key, [], item, indent));
    } else {
      args.push(`${indent}${argumentName(key)} = ${renderExpression(value, indent)}`);
    }
  }
  return [...args, ...blocks].join('\n');
}

function renderBlock(type: string, labels: string[], body: Record<string, Json>, indent: string): string {
  const head = [type, ...labels.map((l) => JSON.stringify(l))].join(' ');
  const inner = renderBody(body, indent + '  ');
  return inner ? `${indent}${head} {\n${inner}\n${indent}}` : `${indent}${head} {}`;
}

function renderTerraformBlock(settings: Record<string, Json>): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (key === 'required_providers' && isObject(value)) {
      // Entries of required_providers are arguments whose values are objects.
      lines.push(`  required_providers {\n${Object.entries(value).map(([name, req]) => `    ${name} = ${renderExpression(req, '    ')}`).join('\n')}\n  }`);
    } else if (key === 'backend' && isObject(value)) {
      for (const [kind, config] of Object.entries(value)) {
        if (!isObject(config)) throw new HclRenderError(`backend ${kind} must be an object`);
        lines.push(renderBlock('backend', [kind], config, '  '));
      }
    } else if (isObject(value)) {
      lines.push(renderBlock(key, [], value, '  '));
    } else {
      lines.push(`  ${key} = ${renderExpression(value, '  ')}`);
    }
  }
  return `terraform {\n${lines.join('\n')}\n}`;
}

/** The whole stack as one HCL file. */
export function renderHcl(doc: TerraformJson): string {
  const parts: string[] = ['# Generated from cdk.tf.json by terraform/src/hcl-renderer.ts.'];
  if (doc.terraform) parts.push(renderTerraformBlock(doc.terraform as Record<string, Json>));
  for (const [name, configs] of Object.entries(doc.provider ?? {})) {
    for (const config of configs) parts.push(renderBlock('provider', [name], config as Record<string, Json>, ''));
  }
  for (const [kind, byType] of [['data', doc.data], ['resource', doc.resource]] as const) {
    for (const [type, byName] of Object.entries(byType ?? {})) {
      for (const [name, body] of Object.entries(byName)) parts.push(renderBlock(kind, [type, name], body as Record<string, Json>, ''));
    }
  }
  for (const [name, output] of Object.entries(doc.output ?? {})) {
    parts.push(renderBlock('output', [name], output as unknown as Record<string, Json>, ''));
  }
  const known = new Set(['//', 'terraform', 'provider', 'data', 'resource', 'output']);
  const unknown = Object.keys(doc).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new HclRenderError(`cannot render top-level ${unknown.join(', ')}`);
  return `${parts.join('\n\n')}\n`;
}
