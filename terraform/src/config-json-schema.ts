/**
 * `npm run schema`: writes homeagent.config.schema.json, the JSON Schema of
 * the config file, from the TypeBox schema (so editors complete and check
 * the file; its `$schema` points here). test/config.test.ts fails when the
 * committed file and the schema drift apart.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from './config-schema.js';

export const SCHEMA_FILE = 'homeagent.config.schema.json';

/**
 * An input with a default may be left out of the file: the TypeBox schema
 * lists it as required because it describes the config after defaults.
 */
function forTheFile(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forTheFile);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = forTheFile(value);
  const properties = out.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out.required) && properties) {
    out.required = (out.required as string[]).filter((name) => properties[name]?.default === undefined);
    if ((out.required as string[]).length === 0) delete out.required;
  }
  return out;
}

/** The schema as the committed file holds it. */
export function configJsonSchema(): string {
  return `${JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', ...(forTheFile(ConfigSchema) as object) }, null, 2)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), SCHEMA_FILE);
  writeFileSync(file, configJsonSchema());
  process.stdout.write(`wrote ${file}\n`);
}
