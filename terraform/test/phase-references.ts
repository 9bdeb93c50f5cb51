/**
 * Finds references from a module to a module of a later phase in the
 * synthesized JSON. A resource's module is the first construct below the
 * stack in its cdktf path (`homeagent/<module>/…`).
 */
import { moduleOf } from '../src/phase-targets.js';
import type { TerraformJson } from '../src/terraform-json.js';

export interface PhaseViolation {
  from: string;
  fromModule: string;
  to: string;
  toModule: string;
}

const REFERENCE = /\b((?:data\.)?(?:aws|random)_[a-z0-9_]+\.[A-Za-z0-9_-]+)/g;


/** Every string inside `${…}` expressions of a body, with the references in it. */
function referencesIn(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') {
    for (const expr of value.matchAll(/\$\{([^]*?)\}/g)) for (const m of expr[1]!.matchAll(REFERENCE)) out.add(m[1]!);
  } else if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== '//') referencesIn(v, out);
  }
}

export function phaseViolations(doc: TerraformJson, phases: Record<string, number>): { violations: PhaseViolation[]; checked: number; unknownModules: string[] } {
  const owner = new Map<string, string>();
  const bodies: [string, unknown][] = [];
  for (const [prefix, blocks] of [['', doc.resource], ['data.', doc.data]] as const) {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      for (const [name, body] of Object.entries(byName)) {
        const address = `${prefix}${type}.${name}`;
        const module = moduleOf(body);
        if (module) owner.set(address, module);
        bodies.push([address, body]);
      }
    }
  }
  const violations: PhaseViolation[] = [];
  const unknownModules = new Set<string>();
  let checked = 0;
  for (const [from, body] of bodies) {
    const fromModule = owner.get(from);
    if (!fromModule) continue;
    if (phases[fromModule] === undefined) unknownModules.add(fromModule);
    const refs = new Set<string>();
    referencesIn(body, refs);
    for (const dep of (body as { depends_on?: string[] }).depends_on ?? []) refs.add(dep);
    for (const to of refs) {
      const toModule = owner.get(to);
      if (!toModule) continue;
      checked++;
      // Within a module anything goes; across modules only strictly earlier phases.
      if (toModule !== fromModule && (phases[toModule] ?? Infinity) >= (phases[fromModule] ?? -Infinity)) violations.push({ from, fromModule, to, toModule });
    }
  }
  return { violations, checked, unknownModules: [...unknownModules] };
}
