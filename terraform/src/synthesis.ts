/**
 * Synthesizes the stack into a folder: `<outdir>/stacks/homeagent/cdk.tf.json`
 * (or `cdk.tf` for HCL). Used by main.ts, the cost script and the tests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { StackSynthesizer } from 'cdktf/lib/synthesize/synthesizer.js';
import type { HomeAgentConfig } from './config.js';
import { HomeAgentStack, STACK_NAME } from './homeagent-stack.js';
import type { StateBackend } from './state-backend.js';

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
  const app = new App({ outdir: opts.outdir, hclOutput: opts.hcl ?? false, skipValidation: false });
  const stack = new HomeAgentStack(app, { config: opts.config, backend: opts.backend });
  // cdktf 0.21 reads the HCL switch for stacks from SYNTH_HCL_OUTPUT only, not from the App.
  if (opts.hcl) stack.synthesizer = new StackSynthesizer(stack, false, true);
  app.synth();
  const stackDir = join(opts.outdir, 'stacks', STACK_NAME);
  return { stackDir, file: join(stackDir, opts.hcl ? 'cdk.tf' : 'cdk.tf.json') };
}

/** The synthesized Terraform JSON, parsed. */
export type TerraformJson = {
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; description?: string }>;
};

export function readSynthesized(file: string): TerraformJson {
  return JSON.parse(readFileSync(file, 'utf8')) as TerraformJson;
}
