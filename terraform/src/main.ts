/**
 * `npm run synth` / `npm run synth:hcl`: reads and validates the config,
 * builds the one stack and writes it to terraform/cdktf.out/stacks/homeagent/
 * (HCL: terraform/cdktf.out.hcl/stacks/homeagent/), where plain `terraform`
 * runs. A bad input stops here with one line naming it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config.js';
import { readStateBackend } from './state-backend.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(argv: string[]): Promise<void> {
  const hcl = argv.includes('--hcl');
  const unknown = argv.filter((a) => a !== '--hcl');
  if (unknown.length > 0) throw new UsageError(`unknown argument ${unknown[0]} (usage: node dist/main.js [--hcl])`);
  let file = process.env.HOMEAGENT_CONFIG ?? join(root, 'homeagent.config.json');
  // A fresh checkout (and CI's synth-and-validate job) has no config of its
  // own: synthesize the example so the code is still checked, and say so loudly.
  if (!process.env.HOMEAGENT_CONFIG && !existsSync(file)) {
    file = join(root, 'homeagent.config.example.json');
    process.stderr.write('warning: no terraform/homeagent.config.json; synthesized the EXAMPLE config (example.com): copy and edit it before any apply\n');
  }
  const config = loadConfig({ file });
  const backend = readStateBackend(process.env.HOMEAGENT_BACKEND_FILE ?? join(root, 'backend.json'));
  if (backend.kind === 'local') process.stderr.write(`warning: ${backend.warning}\n`);
  // JSON and HCL go to different folders: terraform would load both and see every resource twice.
  const outdir = process.env.HOMEAGENT_OUTDIR ?? join(root, hcl ? 'cdktf.out.hcl' : 'cdktf.out');
  // Loaded only now: the provider bindings take seconds, and a bad input should fail at once.
  const { synthesize } = await import('./synthesis.js');
  const result = synthesize({ config, backend, outdir, hcl });
  // Aligned `=` when terraform is at hand; the file is valid HCL either way.
  if (hcl) spawnSync('terraform', ['fmt', result.file], { stdio: 'ignore' });
  process.stdout.write(`wrote ${relative(process.cwd(), result.file)}\nnext: cd ${relative(process.cwd(), result.stackDir)} && terraform init && terraform plan\n`);
  // The first apply has no images to run; docs/deploy.md raises the count after the first deploy.
  if (config.desiredCount === 0) {
    process.stdout.write('note: desiredCount is 0, so no task runs (and the "no healthy host" alarms are muted); after the first ./deploy.sh set it to 1, synth and apply again\n');
  }
}

class UsageError extends Error {
  readonly code = 'usage';
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // One line, no stack trace: the message names the input to fix.
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
