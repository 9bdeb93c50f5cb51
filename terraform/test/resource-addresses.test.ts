import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import type { TerraformJson } from '../src/terraform-json.js';
import { synthesizeStack } from './synthesized-stack.js';

/**
 * A renamed address is a destroyed and re-created resource (a new table, a
 * new VPC). Changing these lists must be a conscious edit; to regenerate
 * after a deliberate change: HOMEAGENT_UPDATE_GOLDEN=1 npx tap terraform/test/resource-addresses.test.ts
 */
function addresses(doc: TerraformJson): string[] {
  const out: string[] = [];
  for (const [prefix, blocks] of [['', doc.resource], ['data.', doc.data]] as const) {
    for (const [type, byName] of Object.entries(blocks ?? {})) for (const name of Object.keys(byName)) out.push(`${prefix}${type}.${name}`);
  }
  return out.sort();
}

const variants = { default: {}, lean: { lean: true } };

for (const [label, overrides] of Object.entries(variants)) {
  t.test(`resource addresses of the ${label} stack match the golden list`, async (t) => {
    const file = fileURLToPath(new URL(`./golden/resource-addresses-${label}.txt`, import.meta.url));
    const actual = addresses(synthesizeStack(overrides).doc);
    if (process.env.HOMEAGENT_UPDATE_GOLDEN === '1') writeFileSync(file, `${actual.join('\n')}\n`);
    const golden = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    t.same(actual.filter((a) => !golden.includes(a)), [], 'no new or renamed address');
    t.same(golden.filter((a) => !actual.includes(a)), [], 'no address disappeared');
  });
}
