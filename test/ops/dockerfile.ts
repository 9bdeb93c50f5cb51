/**
 * A reader for the subset of Dockerfile syntax our three Dockerfiles use:
 * global ARGs, then stages of instructions. The ops tests check the files
 * with it and rebuild the final stage's file layout from it.
 */
export interface Instruction { keyword: string; args: string }
export interface Stage { from: string; name: string | undefined; instructions: Instruction[] }

export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const kw = keyword.toUpperCase();
    if (kw === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      stages.push({ from: m?.[1] ?? rest, name: m?.[2], instructions: [] });
    } else if (stages.length === 0 && kw === 'ARG') {
      const [k, v = ''] = rest.split('=');
      args.set(k!, v);
    } else stages.at(-1)?.instructions.push({ keyword: kw, args: rest });
  }
  return { args, stages };
}


export const find = (s: Stage, kw: string): Instruction[] => s.instructions.filter((i) => i.keyword === kw);
