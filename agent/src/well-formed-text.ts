const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormedString(value: string): string {
  return value.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * JSON may carry lone UTF-16 surrogates (`"\ud800"`), which are not valid
 * Unicode: DynamoDB and Bedrock would refuse them with a server-side error.
 * Every string of a request body is made well-formed (U+FFFD for each lone
 * surrogate) before validation, as `String.prototype.toWellFormed` does.
 *
 * Iterative, with an explicit stack: the recursive version overflowed the call
 * stack on a body nested 10,000 levels deep (a 500). The body parser bounds the
 * depth anyway (json-body-parser.ts); this stays safe for any value.
 */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return wellFormedString(value) as T;
  if (value === null || typeof value !== 'object') return value;
  const root: unknown = Array.isArray(value) ? [] : {};
  // Each entry copies one source container into its (already created) target.
  const stack: { source: object; target: unknown[] | Record<string, unknown> }[] = [{ source: value, target: root as never }];
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return wellFormedString(v);
    if (v === null || typeof v !== 'object') return v;
    const target = Array.isArray(v) ? [] : {};
    stack.push({ source: v, target });
    return target;
  };
  while (stack.length > 0) {
    const { source, target } = stack.pop()!;
    if (Array.isArray(source)) {
      for (const v of source) (target as unknown[]).push(copy(v));
    } else {
      for (const [k, v] of Object.entries(source)) (target as Record<string, unknown>)[wellFormedString(k)] = copy(v);
    }
  }
  return root as T;
}
