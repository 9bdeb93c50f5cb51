/**
 * The six phases as `terraform apply -target=…` sets, read from the
 * synthesized JSON: each resource's module is the first construct below the
 * stack in its cdktf path (`homeagent/<module>/…`), and MODULE_PHASES gives
 * the module's phase. Data sources are not targeted: Terraform reads those a
 * target needs. Phase n applies its own resources and every earlier
 * phase's, so each command can be re-run and a plan shows only what is new.
 */
import type { TerraformJson } from './terraform-json.js';

export class PhaseTargetError extends Error {
  readonly code = 'phase_target';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PhaseTargetError';
  }
}

/** The module a synthesized resource body belongs to, from its cdktf metadata. */
export function moduleOf(body: unknown): string | undefined {
  const path = (body as { '//'?: { metadata?: { path?: string } } })['//']?.metadata?.path;
  return path?.split('/')[1];
}

export interface Phase {
  phase: number;
  modules: string[];
  /** Resource addresses of this phase's modules. */
  addresses: string[];
}

export function phaseTargets(doc: TerraformJson, phases: Record<string, number>): Phase[] {
  const byPhase = new Map<number, Phase>();
  for (const [type, byName] of Object.entries(doc.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const module = moduleOf(body);
      const phase = module === undefined ? undefined : phases[module];
      if (phase === undefined) throw new PhaseTargetError(`${type}.${name} belongs to module ${module ?? '(none)'}, which has no phase in MODULE_PHASES`);
      const entry = byPhase.get(phase) ?? { phase, modules: [], addresses: [] };
      if (!entry.modules.includes(module!)) entry.modules.push(module!);
      entry.addresses.push(`${type}.${name}`);
      byPhase.set(phase, entry);
    }
  }
  return [...byPhase.values()].sort((a, b) => a.phase - b.phase).map((p) => ({ ...p, addresses: p.addresses.sort() }));
}

/** One shell command per phase; phase n targets phases 1..n. */
export function phaseCommands(phases: Phase[], terraform = 'terraform -chdir=terraform/cdktf.out/stacks/homeagent'): string[] {
  const so_far: string[] = [];
  return phases.map((p) => {
    so_far.push(...p.addresses);
    return [`# phase ${p.phase}: ${p.modules.join(', ')} (${p.addresses.length} resources)`, `${terraform} apply \\`, ...so_far.map((a, i) => `  -target=${a}${i < so_far.length - 1 ? ' \\' : ''}`)].join('\n');
  });
}
