/**
 * Synthesizes the real stack in-process into a temporary folder and returns
 * the parsed cdk.tf.json, with small accessors the policy tests share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type HomeAgentConfig } from '../src/config.js';
import type { StateBackend } from '../src/state-backend.js';
import { readSynthesized, synthesize, type TerraformJson } from '../src/synthesis.js';

/** A complete, valid input file as an operator would write it. */
export const BASE_INPUT = {
  region: 'us-east-1',
  hostedZoneName: 'example.org',
  subdomain: 'chat',
  githubRepository: 'family-org/homeagent',
  alarmEmail: 'ops@example.org',
  allowedModels: ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-3-5-haiku-20241022-v1:0'],
  imageTags: { agent: 'a1b2c3d', app: 'a1b2c3d', mercure: 'a1b2c3d' },
};

export function testConfig(overrides: Record<string, unknown> = {}): HomeAgentConfig {
  return parseConfig({ ...BASE_INPUT, ...overrides }, 'test config');
}

export interface Synthesized {
  config: HomeAgentConfig;
  doc: TerraformJson;
}

export function synthesizeStack(overrides: Record<string, unknown> = {}, backend: StateBackend = { kind: 'local', warning: '' }): Synthesized {
  const config = testConfig(overrides);
  const outdir = mkdtempSync(join(tmpdir(), 'homeagent-tf-test-'));
  try {
    const { file } = synthesize({ config, backend, outdir });
    return { config, doc: readSynthesized(file) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export type Body = Record<string, any>;

/** Every resource of a type as [address, body]; the tests loop over all of them. */
export function resourcesOf(doc: TerraformJson, type: string): [string, Body][] {
  return Object.entries(doc.resource?.[type] ?? {}).map(([name, body]) => [`${type}.${name}`, body as Body]);
}

export function dataOf(doc: TerraformJson, type: string): [string, Body][] {
  return Object.entries(doc.data?.[type] ?? {}).map(([name, body]) => [`data.${type}.${name}`, body as Body]);
}

/** The address a `${type.name.attr}` reference points at, or undefined. */
export function referencedAddress(value: unknown): string | undefined {
  const m = typeof value === 'string' ? /^\$\{((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z0-9_]+\}$/.exec(value) : null;
  return m?.[1];
}

export function addressOf(value: unknown): string {
  const a = referencedAddress(value);
  if (!a) throw new Error(`not a single reference: ${JSON.stringify(value)}`);
  return a;
}

/** A resource body by address (`aws_lb.alb_load_balancer`). */
export function bodyAt(doc: TerraformJson, address: string): Body {
  const [type, name] = address.split('.');
  const body = doc.resource?.[type!]?.[name!];
  if (!body) throw new Error(`no resource ${address}`);
  return body;
}

/** Parsed IAM policy document (a JSON string with Terraform references inside strings). */
export interface PolicyStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyOf(json: string): { Statement: PolicyStatement[] } {
  return JSON.parse(json) as { Statement: PolicyStatement[] };
}

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export interface ContainerDefinition {
  name: string;
  image: string;
  user?: string;
  essential?: boolean;
  readonlyRootFilesystem?: boolean;
  portMappings?: { containerPort: number }[];
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
  healthCheck?: { command: string[] };
  logConfiguration?: { logDriver: string; options: Record<string, string> };
  mountPoints?: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
  linuxParameters?: { capabilities?: { add?: string[]; drop?: string[] } };
  privileged?: boolean;
}

export function containersOf(taskDefinition: Body): ContainerDefinition[] {
  return JSON.parse(taskDefinition.container_definitions as string) as ContainerDefinition[];
}
