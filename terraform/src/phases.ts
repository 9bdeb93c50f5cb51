/**
 * `npm run phases`: prints the `terraform apply -target=…` command of each of
 * the six phases (ARCHITECTURE.md), so the stack can be stood up phase by
 * phase and each phase checked before the next. Synthesizes the config like
 * `npm run synth` does; a plain `terraform apply` afterwards applies
 * whatever is left.
 *
 *   node dist/phases.js [--config <file>]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { MODULE_PHASES } from './homeagent-stack.js';
import { phaseCommands, phaseTargets } from './phase-targets.js';
import { readSynthesized, synthesize } from './synthesis.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function main(argv: string[]): void {
  let file = process.env.HOMEAGENT_CONFIG ?? join(root, 'homeagent.config.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config' && argv[i + 1]) file = argv[++i]!;
    else throw new Error(`unknown argument ${argv[i]} (usage: node dist/phases.js [--config <file>])`);
  }
  if (!process.env.HOMEAGENT_CONFIG && !existsSync(file)) {
    file = join(root, 'homeagent.config.example.json');
    process.stderr.write('note: no homeagent.config.json; listing the phases of homeagent.config.example.json\n');
  }
  const config = loadConfig({ file });
  const outdir = mkdtempSync(join(tmpdir(), 'homeagent-phases-'));
  try {
    const { file: json } = synthesize({ config, backend: { kind: 'local', warning: '' }, outdir });
    const commands = phaseCommands(phaseTargets(readSynthesized(json), MODULE_PHASES));
    process.stdout.write(`${commands.join('\n\n')}\n\n# then, for anything left (outputs, data sources): terraform -chdir=terraform/cdktf.out/stacks/homeagent apply\n`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

try {
  main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
