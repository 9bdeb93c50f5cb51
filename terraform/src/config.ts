/**
 * Reads and validates the inputs of the infrastructure app.
 *
 * Read once, at synth time, from a JSON file (`terraform/homeagent.config.json`
 * by default, `HOMEAGENT_CONFIG` to point elsewhere) with a few environment
 * overrides for CI, checked against the one schema in config-schema.ts and
 * the cross-field rules in config-rules.ts. Everything else in the app reads
 * the result, never `process.env`. A bad value stops synth with one line
 * naming the input.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { applyConfigRules } from './config-rules.js';
import { ConfigSchema, HINTS, LEAN_SETTINGS, schemaAt, type ConfigInput, type HomeAgentConfig } from './config-schema.js';

export { LEAN_SETTINGS, TLS_POLICIES } from './config-schema.js';
export type { CpuArchitecture, ExistingVpc, GuardrailConfig, HomeAgentConfig, NatMode, TlsPolicy } from './config-schema.js';

/** Thrown for a missing or invalid input; `message` is the one line an operator sees. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Empty strings and nulls mean "not set", as they do in most config files and in CI variables. */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [k, withoutEmpty(v)]));
}

/** The value at a path of the parsed config (`undefined` when the path leaves it). */
function valueAt(value: unknown, parts: string[]): unknown {
  return parts.reduce<unknown>((v, p) => (typeof v === 'object' && v !== null ? (v as Raw)[p] : undefined), value);
}

/** The first schema error as one line: `"input" what (hint)`. */
function describeError(value: unknown): string | undefined {
  const errors = Value.Errors(ConfigSchema, value);
  if (errors.length === 0) return undefined;
  // The error that names the input best: unknown keys, then missing ones, then the rest.
  const rank = (keyword: string) => (keyword === 'additionalProperties' ? 0 : keyword === 'required' ? 1 : keyword === 'boolean' || keyword === 'const' ? 3 : 2);
  const first = [...errors].sort((a, b) => rank(a.keyword) - rank(b.keyword))[0]!;
  const parts = first.instancePath.split('/').filter(Boolean);
  const parent = parts.filter((p) => !/^\d+$/.test(p));
  const where = (name: string) => [...parent.slice(0, -1).map((p) => `${p}: `), `"${name}"`].join('');
  const hint = (name: string) => (HINTS[name] ? ` (${HINTS[name]})` : '');

  if (first.keyword === 'additionalProperties') {
    const key = first.params.additionalProperties[0]!;
    const prefix = parent.length > 0 ? `${parent.join('.')}: ` : '';
    return `${prefix}unknown input "${key}" (see homeagent.config.example.json and homeagent.config.schema.json)`;
  }
  if (first.keyword === 'required') {
    const key = first.params.requiredProperties[0]!;
    const prefix = parent.length > 0 ? `${parent.join('.')}: ` : '';
    const imageTags = key === 'imageTags' ? ' ({ "agent": "<git sha>", "app": "…", "mercure": "…" })' : '';
    return `${prefix}"${key}" is required${imageTags || hint(key)}`;
  }
  const name = parent.at(-1) ?? '';
  const isEntry = /^\d+$/.test(parts.at(-1) ?? '');
  const actual = valueAt(value, parts);
  const schema = schemaAt(first.instancePath);
  switch (first.keyword) {
    case 'pattern':
      return isEntry ? `${where(name)} has an invalid entry "${String(actual)}"${hint(name)}` : `${where(name)} is not valid: "${String(actual)}"${hint(name)}`;
    case 'minimum':
    case 'maximum':
      return `${where(name)} must be between ${String(schema?.minimum)} and ${String(schema?.maximum)}, got ${String(actual)}`;
    case 'minItems':
      return `${where(name)} needs at least ${first.params.limit} entries`;
    case 'maxItems':
      return `${where(name)} takes at most ${first.params.limit} entries`;
    case 'minLength':
    case 'maxLength':
      return `${where(name)} must be ${schema?.minLength ?? 0} to ${schema?.maxLength ?? '∞'} characters long`;
    // Errors come in a limited number, so a long list of literals may show only its `const` branches.
    case 'const':
    case 'anyOf':
      return `${where(name)} must be one of ${(schema?.anyOf ?? []).map((s) => s.const).join(', ')}`;
    case 'type': {
      const given = Array.isArray(first.params.type) ? first.params.type.join(',') : first.params.type;
      const type = given === 'integer' && typeof actual === 'number' ? 'whole number' : given === 'integer' ? 'number' : given;
      const article = type === 'object' || type === 'array' ? 'an' : 'a';
      return type === 'boolean' ? `${where(name)} must be true or false` : `${where(name)} must be ${article} ${type}`;
    }
    default:
      return `${where(name)} ${first.message}`;
  }
}

/**
 * Validates a raw object (the parsed config file after overrides) into a config.
 * `where` names the source in messages.
 */
export function parseConfig(raw: unknown, where = 'homeagent.config.json'): HomeAgentConfig {
  if (!isObject(raw)) throw new ConfigError(`${where}: must be a JSON object`);
  const given = withoutEmpty(raw) as Raw;
  const converted = Value.Convert(ConfigSchema, structuredClone(given)) as Raw;
  // Lean changes defaults only: an explicit value in the file still wins.
  if (converted.lean === true) {
    for (const [key, value] of Object.entries(LEAN_SETTINGS)) if (converted[key] === undefined) converted[key] = value;
  }
  const value = Value.Default(ConfigSchema, converted);
  const problem = describeError(value);
  if (problem) throw new ConfigError(`${where}: ${problem}`);
  const result = applyConfigRules(value as ConfigInput, given);
  if (typeof result === 'string') throw new ConfigError(`${where}: ${result}`);
  return result;
}

/**
 * Environment overrides, for CI and one-off runs. Each maps to one input; a
 * value here wins over the file.
 */
export const ENV_OVERRIDES: Record<string, string> = {
  HOMEAGENT_NAME_PREFIX: 'namePrefix',
  HOMEAGENT_REGION: 'region',
  HOMEAGENT_HOSTED_ZONE_NAME: 'hostedZoneName',
  HOMEAGENT_HOSTED_ZONE_ID: 'hostedZoneId',
  HOMEAGENT_SUBDOMAIN: 'subdomain',
  HOMEAGENT_GITHUB_REPOSITORY: 'githubRepository',
  HOMEAGENT_GITHUB_BRANCH: 'githubBranch',
  HOMEAGENT_GITHUB_ENVIRONMENT: 'githubEnvironment',
  HOMEAGENT_ALARM_EMAIL: 'alarmEmail',
  HOMEAGENT_ALLOWED_MODELS: 'allowedModels',
  HOMEAGENT_CPU_ARCHITECTURE: 'cpuArchitecture',
  HOMEAGENT_DESIRED_COUNT: 'desiredCount',
  HOMEAGENT_NAT_MODE: 'natMode',
  HOMEAGENT_LEAN: 'lean',
};

/** Reads the config file (if any) and applies environment overrides. */
export function loadConfig(opts: { file: string; env?: NodeJS.ProcessEnv }): HomeAgentConfig {
  const env = opts.env ?? process.env;
  let raw: unknown = {};
  if (existsSync(opts.file)) {
    try {
      raw = JSON.parse(readFileSync(opts.file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${opts.file}: is not valid JSON (${(err as Error).message})`, { cause: err });
    }
  } else if (!Object.keys(ENV_OVERRIDES).some((name) => env[name])) {
    throw new ConfigError(`${opts.file}: not found; copy homeagent.config.example.json to it and fill it in (or set HOMEAGENT_CONFIG)`);
  }
  const merged: unknown = isObject(raw) ? { ...raw } : raw;
  if (isObject(merged)) {
    for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
      const v = env[name];
      if (v === undefined || v === '') continue;
      merged[key] = key === 'allowedModels' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
    }
    // One tag for all three images is what deploy.sh produces (the git SHA).
    if (env.HOMEAGENT_IMAGE_TAG) {
      const tag = env.HOMEAGENT_IMAGE_TAG;
      merged.imageTags = { agent: tag, app: tag, mercure: tag };
    }
  }
  try {
    return parseConfig(merged, opts.file.split('/').pop() ?? opts.file);
  } catch (err) {
    // Name the variable when the bad value came from the environment, not the file.
    if (err instanceof ConfigError) {
      const fromEnv = Object.entries(ENV_OVERRIDES).find(([name, key]) => env[name] && err.message.includes(`"${key}"`));
      const imageTag = env.HOMEAGENT_IMAGE_TAG && err.message.includes('imageTags') ? 'HOMEAGENT_IMAGE_TAG' : undefined;
      const variable = fromEnv?.[0] ?? imageTag;
      if (variable) throw new ConfigError(`${err.message} (set by ${variable})`, { cause: err });
    }
    throw err;
  }
}

/** The https origin people use; also the prefix of hub topics. */
export function publicUrl(config: Pick<HomeAgentConfig, 'subdomain' | 'hostedZoneName'>): string {
  return `https://${config.subdomain}.${config.hostedZoneName}`;
}
