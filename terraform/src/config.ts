/**
 * The typed, validated inputs of the infrastructure app.
 *
 * Read once, at synth time, from a JSON file (`terraform/homeagent.config.json`
 * by default, `HOMEAGENT_CONFIG` to point elsewhere) with a few environment
 * overrides for CI. Everything else in the app reads this object, never
 * `process.env`. A bad value stops synth with one line naming the input.
 */
import { existsSync, readFileSync } from 'node:fs';

export type CpuArchitecture = 'X86_64' | 'ARM64';
export type NatMode = 'gateway' | 'instance';

/** Which ALB TLS policies we accept: TLS 1.3 first, TLS 1.2 only with AEAD ciphers. */
export const TLS_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
] as const;
export type TlsPolicy = (typeof TLS_POLICIES)[number];

export interface ExistingVpc {
  /** id of a VPC that already exists (e.g. `vpc-0abc…`) */
  vpcId: string;
  /** two or more public subnets (in different AZs) for the ALB */
  publicSubnetIds: string[];
  /** two or more private subnets with outbound internet (their own NAT) for the task */
  privateSubnetIds: string[];
}

export interface HomeAgentConfig {
  /** Prefix of every name (cluster, service, repositories, roles). Lower-case, 2–20 chars. */
  namePrefix: string;
  /** AWS region of everything, e.g. `eu-central-1`. */
  region: string;
  /** Public Route 53 hosted zone that exists already, e.g. `example.com`. */
  hostedZoneName: string;
  /** Its id (optional; looked up by name when absent). */
  hostedZoneId?: string;
  /** The chat lives at `https://<subdomain>.<hostedZoneName>`. */
  subdomain: string;
  /** GitHub repository allowed to deploy through OIDC, `owner/name`. */
  githubRepository: string;
  /** Branch whose workflows may deploy (used when `githubEnvironment` is unset). */
  githubBranch: string;
  /** GitHub environment whose jobs may deploy; when set, the OIDC `sub` pins it instead of the branch. */
  githubEnvironment?: string;
  /** ARN of an existing GitHub OIDC provider in the account (an account holds only one per URL). */
  githubOidcProviderArn?: string;
  /** E-mail address subscribed to the alarm topic (optional; confirm the mail AWS sends). */
  alarmEmail?: string;
  /** Bedrock model or inference-profile ids the agent may invoke; the first is the default model. */
  allowedModels: string[];
  /** Image tags (the git SHA that deploy.sh pushes); never `latest`. */
  imageTags: { agent: string; app: string; mercure: string };
  /** Fargate CPU architecture; the images are built for both. */
  cpuArchitecture: CpuArchitecture;
  /** Task size in CPU units and MiB (Fargate combinations only). */
  taskCpu: number;
  taskMemory: number;
  /** Running tasks: 0 (paused) or 1. More is refused until the hub has a shared transport. */
  desiredCount: number;
  /** NAT for the private subnets: a managed gateway, or a small instance that costs ~$30/month less. */
  natMode: NatMode;
  /** Instance type of the NAT instance (natMode `instance`); ARM (t4g) types. */
  natInstanceType: string;
  /** Reuse an existing VPC instead of creating one. */
  existingVpc?: ExistingVpc;
  /** CIDR of the VPC this app creates. */
  vpcCidr: string;
  /** Serve the ALB on IPv6 too (dual-stack, AAAA record). Needs IPv6 on an existing VPC's public subnets. */
  ipv6: boolean;
  /** DynamoDB table name. */
  tableName: string;
  /** CloudWatch Logs retention in days for every log group. */
  logRetentionDays: number;
  /** ECS Container Insights on the cluster (about $6/month of metrics). */
  containerInsights: boolean;
  /** Deletion protection of the table and the ALB. Turn off only to tear the stack down. */
  deletionProtection: boolean;
  /** ALB TLS policy (allow-list). */
  tlsPolicy: TlsPolicy;
  /** Hub heartbeat in seconds; the ALB idle timeout is set above it. */
  mercureHeartbeatSeconds: number;
  /** Requests per 5 minutes per client IP before WAF blocks. */
  wafRateLimit: number;
  /** Anchored regular expressions of the paths where POST bodies above 8 KB (long chat messages) pass WAF. */
  wafChatPathPatterns: string[];
  /** Default monthly budget per person in USD (agent `MONTHLY_BUDGET_USD`). */
  monthlyBudgetUsd: number;
  /** Alarm thresholds. */
  alarms: {
    /** p95 time to first token, milliseconds */
    timeToFirstTokenP95Ms: number;
    /** total spend of a day in USD */
    dailySpendUsd: number;
    /** ALB 5xx answers as a percentage of requests */
    alb5xxPercent: number;
  };
  /** Extra tags on every resource. */
  tags: Record<string, string>;
  /** The lean switch: NAT instance, ARM64, no Container Insights, 0.25 vCPU. Changes defaults only; explicit inputs win. */
  lean: boolean;
}

/** Thrown for a missing or invalid input; `message` is the one line an operator sees. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  namePrefix: 'homeagent',
  subdomain: 'chat',
  githubBranch: 'main',
  allowedModels: ['us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
  cpuArchitecture: 'X86_64',
  taskCpu: 512,
  taskMemory: 1024,
  desiredCount: 1,
  natMode: 'gateway',
  natInstanceType: 't4g.nano',
  vpcCidr: '10.40.0.0/16',
  ipv6: true,
  tableName: 'homeagent',
  logRetentionDays: 30,
  containerInsights: true,
  deletionProtection: true,
  tlsPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
  mercureHeartbeatSeconds: 40,
  wafRateLimit: 2000,
  // The app's message form: POST /c/:conversationId/messages.
  wafChatPathPatterns: ['^/c/[^/]+/messages$'],
  monthlyBudgetUsd: 20,
  alarms: { timeToFirstTokenP95Ms: 10_000, dailySpendUsd: 10, alb5xxPercent: 5 },
  tags: {},
  lean: false,
} as const satisfies Partial<HomeAgentConfig>;

/** What lean changes; every switch keeps the security posture (private task, WAF, TLS, least privilege). */
export const LEAN_SETTINGS = {
  natMode: 'instance',
  cpuArchitecture: 'ARM64',
  containerInsights: false,
  // A family's chat is I/O-bound; memory stays at 1 GB for the three Node processes.
  taskCpu: 256,
} as const satisfies Partial<HomeAgentConfig>;

/** Fargate's valid CPU → memory (MiB) combinations up to 4 vCPU. */
const FARGATE_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

type Raw = Record<string, unknown>;

/** Reads a key of the raw input, with its JSON name for messages. */
class Reader {
  constructor(private readonly raw: Raw, private readonly where: string) {}

  private fail(key: string, what: string): never {
    throw new ConfigError(`${this.where}: "${key}" ${what}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  string(key: string, opts: { default?: string; pattern?: RegExp; hint?: string } = {}): string {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') {
      if (opts.default !== undefined) return opts.default;
      this.fail(key, `is required${opts.hint ? ` (${opts.hint})` : ''}`);
    }
    if (typeof v !== 'string') this.fail(key, 'must be a string');
    if (opts.pattern && !opts.pattern.test(v)) this.fail(key, `is not valid: "${v}"${opts.hint ? ` (${opts.hint})` : ''}`);
    return v;
  }

  optionalString(key: string, opts: { pattern?: RegExp; hint?: string } = {}): string | undefined {
    if (!this.has(key) || this.raw[key] === '') return undefined;
    return this.string(key, opts);
  }

  number(key: string, opts: { default: number; min: number; max: number; integer?: boolean }): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return opts.default;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(key, 'must be a number');
    if (opts.integer !== false && !Number.isInteger(n)) this.fail(key, 'must be a whole number');
    if (n < opts.min || n > opts.max) this.fail(key, `must be between ${opts.min} and ${opts.max}, got ${n}`);
    return n;
  }

  boolean(key: string, def: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return def;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    this.fail(key, 'must be true or false');
  }

  stringList(key: string, opts: { default?: readonly string[]; pattern?: RegExp; hint?: string; min?: number }): string[] {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (opts.default) return [...opts.default];
      this.fail(key, 'is required');
    }
    const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
    if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) this.fail(key, 'must be a list of strings');
    if (list.length < (opts.min ?? 0)) this.fail(key, `needs at least ${opts.min ?? 0} entries`);
    for (const s of list as string[]) {
      if (opts.pattern && !opts.pattern.test(s)) this.fail(key, `has an invalid entry "${s}"${opts.hint ? ` (${opts.hint})` : ''}`);
    }
    return list as string[];
  }

  object(key: string): Reader | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'must be an object');
    return new Reader(v as Raw, `${this.where}.${key}`);
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }
}

const KNOWN_KEYS = new Set<string>([
  '$schema', 'namePrefix', 'region', 'hostedZoneName', 'hostedZoneId', 'subdomain', 'githubRepository',
  'githubBranch', 'githubEnvironment', 'githubOidcProviderArn', 'alarmEmail', 'allowedModels', 'imageTags',
  'cpuArchitecture', 'taskCpu', 'taskMemory', 'desiredCount', 'natMode', 'natInstanceType', 'existingVpc',
  'vpcCidr', 'ipv6', 'tableName', 'logRetentionDays', 'containerInsights', 'deletionProtection', 'tlsPolicy',
  'mercureHeartbeatSeconds', 'wafRateLimit', 'wafChatPathPatterns', 'monthlyBudgetUsd', 'alarms', 'tags',
  'lean',
]);

/** CloudWatch Logs accepts only these retention values. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Bedrock model ids (`anthropic.claude-…`) and inference-profile ids (`us.anthropic.claude-…`). */
const MODEL_ID = /^([a-z]{2,6}\.)?[a-z0-9-]+\.[A-Za-z0-9.:_-]+$/;

/**
 * Validates a raw object (the parsed config file after overrides) into a config.
 * `where` names the source in messages.
 */
export function parseConfig(raw: unknown, where = 'homeagent.config.json'): HomeAgentConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${where}: must be a JSON object`);
  }
  const r = new Reader(raw as Raw, where);
  for (const key of r.keys()) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(`${where}: unknown input "${key}" (see homeagent.config.example.json)`);
  }
  const lean = r.boolean('lean', DEFAULTS.lean);
  // Lean changes defaults only: an explicit value in the file still wins.
  const d = lean ? { ...DEFAULTS, ...LEAN_SETTINGS } : DEFAULTS;

  const namePrefix = r.string('namePrefix', {
    default: DEFAULTS.namePrefix,
    pattern: /^[a-z][a-z0-9-]{1,19}$/,
    hint: 'lower-case letters, digits and dashes, 2–20 characters, starting with a letter',
  });
  const region = r.string('region', { pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d$/, hint: 'an AWS region such as eu-central-1' });
  const hostedZoneName = r.string('hostedZoneName', {
    pattern: /^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/,
    hint: 'a public Route 53 zone such as example.com, without a trailing dot',
  });
  const hostedZoneId = r.optionalString('hostedZoneId', { pattern: /^Z[A-Z0-9]{4,32}$/, hint: 'a Route 53 zone id such as Z0123456789ABC' });
  const subdomain = r.string('subdomain', { default: DEFAULTS.subdomain, pattern: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, hint: 'one DNS label such as chat' });
  const githubRepository = r.string('githubRepository', {
    pattern: /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/,
    hint: 'owner/name of the GitHub repository that deploys',
  });
  const githubBranch = r.string('githubBranch', { default: DEFAULTS.githubBranch, pattern: /^[A-Za-z0-9._/-]+$/, hint: 'a branch name without refs/heads/' });
  const githubEnvironment = r.optionalString('githubEnvironment', { pattern: /^[A-Za-z0-9._-]+$/, hint: 'a GitHub environment name' });
  const githubOidcProviderArn = r.optionalString('githubOidcProviderArn', {
    pattern: /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/,
    hint: 'the ARN of the account\'s GitHub OIDC provider',
  });
  const alarmEmail = r.optionalString('alarmEmail', { pattern: /^[^@\s]+@[^@\s]+\.[^@\s]+$/, hint: 'an e-mail address' });
  const allowedModels = r.stringList('allowedModels', {
    default: DEFAULTS.allowedModels,
    pattern: MODEL_ID,
    hint: 'a Bedrock model id or inference-profile id such as us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    min: 1,
  });

  const tagsReader = r.object('imageTags');
  if (!tagsReader) throw new ConfigError(`${where}: "imageTags" is required ({ "agent": "<git sha>", "app": "…", "mercure": "…" })`);
  const imageTag = (name: 'agent' | 'app' | 'mercure'): string => {
    const tag = tagsReader.string(name, { pattern: IMAGE_TAG, hint: 'an image tag such as the git SHA' });
    // `latest` is mutable by nature and our repositories refuse overwriting tags anyway.
    if (tag.toLowerCase() === 'latest') throw new ConfigError(`${where}.imageTags: "${name}" must not be "latest"; use the git SHA that deploy.sh pushes`);
    return tag;
  };
  const imageTags = { agent: imageTag('agent'), app: imageTag('app'), mercure: imageTag('mercure') };

  const cpuArchitecture = r.string('cpuArchitecture', { default: d.cpuArchitecture, pattern: /^(X86_64|ARM64)$/, hint: 'X86_64 or ARM64' }) as CpuArchitecture;
  const taskCpu = r.number('taskCpu', { default: d.taskCpu, min: 256, max: 4096 });
  if (!FARGATE_SIZES[taskCpu]) throw new ConfigError(`${where}: "taskCpu" must be one of ${Object.keys(FARGATE_SIZES).join(', ')}`);
  const taskMemory = r.number('taskMemory', { default: DEFAULTS.taskMemory, min: 512, max: 30720 });
  if (!FARGATE_SIZES[taskCpu]!.includes(taskMemory)) {
    throw new ConfigError(`${where}: "taskMemory" ${taskMemory} is not a Fargate size for taskCpu ${taskCpu} (use one of ${FARGATE_SIZES[taskCpu]!.join(', ')})`);
  }
  // The ≤ 1 guard lives in the ecs-service construct so that it also holds for code that bypasses this file.
  const desiredCount = r.number('desiredCount', { default: DEFAULTS.desiredCount, min: 0, max: 100 });
  const natMode = r.string('natMode', { default: d.natMode, pattern: /^(gateway|instance)$/, hint: 'gateway or instance' }) as NatMode;
  const natInstanceType = r.string('natInstanceType', { default: DEFAULTS.natInstanceType, pattern: /^t4g\.(nano|micro|small|medium)$/, hint: 'an ARM burstable type: t4g.nano, t4g.micro, t4g.small or t4g.medium' });

  let existingVpc: ExistingVpc | undefined;
  const vpcReader = r.object('existingVpc');
  if (vpcReader) {
    existingVpc = {
      vpcId: vpcReader.string('vpcId', { pattern: /^vpc-[0-9a-f]{8,17}$/, hint: 'vpc-…' }),
      publicSubnetIds: vpcReader.stringList('publicSubnetIds', { pattern: /^subnet-[0-9a-f]{8,17}$/, hint: 'subnet-…', min: 2 }),
      privateSubnetIds: vpcReader.stringList('privateSubnetIds', { pattern: /^subnet-[0-9a-f]{8,17}$/, hint: 'subnet-…', min: 2 }),
    };
  }
  const vpcCidr = r.string('vpcCidr', { default: DEFAULTS.vpcCidr, pattern: /^10\.\d{1,3}\.0\.0\/16$|^172\.(1[6-9]|2\d|3[01])\.0\.0\/16$|^192\.168\.0\.0\/16$/, hint: 'a private /16 such as 10.40.0.0/16' });
  const ipv6 = r.boolean('ipv6', DEFAULTS.ipv6);
  const tableName = r.string('tableName', { default: DEFAULTS.tableName, pattern: /^[A-Za-z0-9_.-]{3,255}$/, hint: 'a DynamoDB table name' });
  const logRetentionDays = r.number('logRetentionDays', { default: DEFAULTS.logRetentionDays, min: 1, max: 3653 });
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new ConfigError(`${where}: "logRetentionDays" must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const containerInsights = r.boolean('containerInsights', d.containerInsights);
  const deletionProtection = r.boolean('deletionProtection', DEFAULTS.deletionProtection);
  const tlsPolicy = r.string('tlsPolicy', { default: DEFAULTS.tlsPolicy }) as TlsPolicy;
  if (!TLS_POLICIES.includes(tlsPolicy)) throw new ConfigError(`${where}: "tlsPolicy" must be one of ${TLS_POLICIES.join(', ')}`);
  const mercureHeartbeatSeconds = r.number('mercureHeartbeatSeconds', { default: DEFAULTS.mercureHeartbeatSeconds, min: 5, max: 3000 });
  const wafRateLimit = r.number('wafRateLimit', { default: DEFAULTS.wafRateLimit, min: 10, max: 2_000_000_000 });
  const wafChatPathPatterns = r.stringList('wafChatPathPatterns', {
    default: DEFAULTS.wafChatPathPatterns,
    // Anchored at both ends, and nothing Terraform would read as a template (`${`, `%{`).
    pattern: /^\^\/(?!.*[$%]\{).*\$$/,
    hint: 'a regular expression anchored with ^ and $, such as ^/c/[^/]+/messages$',
    min: 1,
  });
  for (const pattern of wafChatPathPatterns) {
    try {
      new RegExp(pattern);
    } catch (err) {
      throw new ConfigError(`${where}: "wafChatPathPatterns" has an invalid regular expression "${pattern}"`, { cause: err });
    }
  }
  const monthlyBudgetUsd = r.number('monthlyBudgetUsd', { default: DEFAULTS.monthlyBudgetUsd, min: 0, max: 100_000, integer: false });

  const alarmsReader = r.object('alarms') ?? new Reader({}, `${where}.alarms`);
  const alarms = {
    timeToFirstTokenP95Ms: alarmsReader.number('timeToFirstTokenP95Ms', { default: DEFAULTS.alarms.timeToFirstTokenP95Ms, min: 100, max: 600_000 }),
    dailySpendUsd: alarmsReader.number('dailySpendUsd', { default: DEFAULTS.alarms.dailySpendUsd, min: 0.01, max: 100_000, integer: false }),
    alb5xxPercent: alarmsReader.number('alb5xxPercent', { default: DEFAULTS.alarms.alb5xxPercent, min: 0.1, max: 100, integer: false }),
  };

  const tagsObj = r.object('tags');
  const tags: Record<string, string> = {};
  if (tagsObj) {
    for (const key of tagsObj.keys()) tags[key] = tagsObj.string(key);
  }

  return {
    namePrefix, region, hostedZoneName, ...(hostedZoneId ? { hostedZoneId } : {}), subdomain, githubRepository, githubBranch,
    ...(githubEnvironment ? { githubEnvironment } : {}), ...(githubOidcProviderArn ? { githubOidcProviderArn } : {}),
    ...(alarmEmail ? { alarmEmail } : {}), allowedModels, imageTags, cpuArchitecture, taskCpu, taskMemory, desiredCount,
    natMode, natInstanceType, ...(existingVpc ? { existingVpc } : {}), vpcCidr, ipv6, tableName, logRetentionDays,
    containerInsights, deletionProtection, tlsPolicy, mercureHeartbeatSeconds, wafRateLimit, wafChatPathPatterns,
    monthlyBudgetUsd, alarms, tags, lean,
  };
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
  let raw: Raw = {};
  if (existsSync(opts.file)) {
    try {
      raw = JSON.parse(readFileSync(opts.file, 'utf8')) as Raw;
    } catch (err) {
      throw new ConfigError(`${opts.file}: is not valid JSON (${(err as Error).message})`, { cause: err });
    }
  } else if (!Object.keys(ENV_OVERRIDES).some((name) => env[name])) {
    throw new ConfigError(`${opts.file}: not found; copy homeagent.config.example.json to it and fill it in (or set HOMEAGENT_CONFIG)`);
  }
  const merged: Raw = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...raw } : (raw as Raw);
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    if (env[name] !== undefined && env[name] !== '') merged[key] = env[name];
  }
  // One tag for all three images is what deploy.sh produces (the git SHA).
  if (env.HOMEAGENT_IMAGE_TAG) {
    const tag = env.HOMEAGENT_IMAGE_TAG;
    merged.imageTags = { agent: tag, app: tag, mercure: tag };
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
export function publicUrl(config: HomeAgentConfig): string {
  return `https://${config.subdomain}.${config.hostedZoneName}`;
}
