/**
 * Synthesizes the stack into a folder: `<outdir>/stacks/homeagent/cdk.tf.json`
 * (or `cdk.tf` for HCL). Used by main.ts, the cost script and the tests.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { HomeAgentConfig } from './config.js';
import { renderHcl } from './hcl-renderer.js';
import { HomeAgentStack, STACK_NAME } from './homeagent-stack.js';
import type { StateBackend } from './state-backend.js';
import type { TerraformJson } from './terraform-json.js';

export type { TerraformJson } from './terraform-json.js';

export interface SynthOptions {
  config: HomeAgentConfig;
  backend: StateBackend;
  outdir: string;
  /** Write HCL (`cdk.tf`) instead of JSON (`cdk.tf.json`). */
  hcl?: boolean;
}

export interface SynthResult {
  /** The folder to run `terraform init/plan/apply` in. */
  stackDir: string;
  /** The written file. */
  file: string;
}

export function synthesize(opts: SynthOptions): SynthResult {
  const app = new App({ outdir: opts.outdir, skipValidation: false });
  new HomeAgentStack(app, { config: opts.config, backend: opts.backend });
  app.synth();
  const stackDir = join(opts.outdir, 'stacks', STACK_NAME);
  const jsonFile = join(stackDir, 'cdk.tf.json');
  if (!opts.hcl) return { stackDir, file: jsonFile };
  // cdktf's own HCL output leaves quotes in strings unescaped; see hcl-renderer.ts.
  const hclFile = join(stackDir, 'cdk.tf');
  writeFileSync(hclFile, renderHcl(readSynthesized(jsonFile)));
  // Terraform would load both files and see every resource twice.
  rmSync(jsonFile);
  return { stackDir, file: hclFile };
}

export function readSynthesized(file: string): TerraformJson {
  return JSON.parse(readFileSync(file, 'utf8')) as TerraformJson;
}
