const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * JSON may carry lone UTF-16 surrogates (`"\ud800"`), which are not valid
 * Unicode: DynamoDB and Bedrock would refuse them with a server-side error.
 * Every string of a request body is made well-formed (U+FFFD for each lone
 * surrogate) before validation, as `String.prototype.toWellFormed` does.
 */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\ufffd') as T;
  if (Array.isArray(value)) return value.map((v) => wellFormed(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[wellFormed(k)] = wellFormed(v);
    return out as T;
  }
  return value;
}
